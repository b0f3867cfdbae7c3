#!/usr/bin/env bash
# Builds everything and runs every test through ctest. Exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_packages "${base_packages[@]}" "${test_packages[@]}"
configure_build -DALGUNA_CONTRACT_BUILD_TESTS=ON -DALGUNA_CONTRACT_WARNINGS_AS_ERRORS=ON
cmake --build "$build_dir" -j "$(build_jobs)"
ctest --test-dir "$build_dir" --output-on-failure -j "$(build_jobs)" "$@"
