#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then configures, builds and runs a separate
# project that finds it with find_package(alguna-contract) and links alguna::contract.
# Usage: consume_installed.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir="$1"
source_dir="$2"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# Quiet when it works, the whole output of the step that failed when not.
quietly() {
  "$@" >"$scratch/log" 2>&1 || { cat "$scratch/log"; echo "failed: $*" >&2; exit 1; }
}
quietly cmake --install "$build_dir" --prefix "$scratch/prefix"
quietly cmake -S "$source_dir/tests/install/consumer" -B "$scratch/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$scratch/prefix"
quietly cmake --build "$scratch/build"
"$scratch/build/consumer"
test -x "$scratch/prefix/bin/alguna-contract"
test -f "$scratch/prefix/share/alguna-contract/schemas/customer.schema.json"
