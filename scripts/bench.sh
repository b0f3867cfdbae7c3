#!/usr/bin/env bash
# Builds and runs the benchmark: parse-only vs parse+validate on three payloads, then a table of
# the ratios. Arguments go to the benchmark binary (Google Benchmark flags), e.g.
#   scripts/bench.sh --benchmark_repetitions=10
#   scripts/bench.sh --benchmark_filter='customer-60KB/.*'
# Build directory: ${ALGUNA_CONTRACT_BUILD_DIR:-build}; parallel jobs: ${ALGUNA_CONTRACT_JOBS:-nproc}.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_packages "${base_packages[@]}" libbenchmark-dev
configure_build -DALGUNA_CONTRACT_BUILD_BENCH=ON
# Only the benchmark (and the library it links): the tests and the command are not needed here.
cmake --build "$build_dir" -j "$(build_jobs)" --target alguna_contract_bench
exec "$build_dir/bench/alguna_contract_bench" "$@"
