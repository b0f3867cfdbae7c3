#!/usr/bin/env bash
# Builds and runs the validation benchmark: the parsers and both engines side by side on three
# payloads (bench/validate_bench.cpp), beside JSON.parse + ajv 8 on the same schemas and payloads
# (bench/ajv/bench.js, installed from npm into the build directory); then a whole-process run:
# `alguna-contract validate customer --jsonl --quiet` over 100,000 copies of the doc's example,
# with each engine, beside a Node script doing the same with ajv. Ratios are what to read: the
# machine's speed and load move every absolute figure.
#
#   scripts/bench.sh [GOOGLE_BENCHMARK_FLAGS...]    e.g. --benchmark_repetitions=9
#   ALGUNA_CONTRACT_BENCH_LINES=N    documents in the whole-process run (default 100000)
#   ALGUNA_CONTRACT_BENCH_NO_NODE=1  skip everything that needs Node.js and npm
# Build directory: ${ALGUNA_CONTRACT_BUILD_DIR:-build}; parallel jobs: ${ALGUNA_CONTRACT_JOBS:-nproc}.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_packages "${base_packages[@]}" libbenchmark-dev
configure_build -DALGUNA_CONTRACT_BUILD_BENCH=ON
cmake --build "$build_dir" -j "$(build_jobs)" --target alguna_contract_bench alguna-contract

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bench="$build_dir/bench/alguna_contract_bench"
iso_dir="$(sed -n 's/^ALGUNA_CONTRACT_ISO_CODES_DIR:PATH=//p' "$build_dir/CMakeCache.txt")"
use_node=1
[ -n "${ALGUNA_CONTRACT_BENCH_NO_NODE:-}" ] && use_node=0
if [ "$use_node" = 1 ] && ! command -v node >/dev/null; then
  echo "bench: node not found: the ajv comparison is skipped (set ALGUNA_CONTRACT_BENCH_NO_NODE=1 to silence)" >&2
  use_node=0
fi

ajv_args=()
if [ "$use_node" = 1 ]; then
  ajv_dir="$build_dir/ajv-bench"
  mkdir -p "$ajv_dir"
  cp "$repo_root/bench/ajv/package.json" "$repo_root/bench/ajv/bench.js" "$ajv_dir/"
  if [ ! -d "$ajv_dir/node_modules/ajv" ] || [ "$repo_root/bench/ajv/package.json" -nt "$ajv_dir/node_modules" ]; then
    (cd "$ajv_dir" && npm install --no-audit --no-fund --loglevel=error >&2)
  fi
  mkdir -p "$work/payloads"
  "$bench" --write-payloads="$work/payloads"
  echo "bench: JSON.parse + ajv $(node -p 'require(process.argv[1] + "/node_modules/ajv/package.json").version' "$ajv_dir") on node $(node --version)" >&2
  node "$ajv_dir/bench.js" micro "$repo_root/schemas" "$iso_dir" "$work/payloads" >"$work/ajv.jsonl"
  ajv_args=(--ajv-results="$work/ajv.jsonl")
fi
"$bench" "${ajv_args[@]}" "$@"

# Whole process: one JSONL file of the doc's example, compacted to a line.
lines="${ALGUNA_CONTRACT_BENCH_LINES:-100000}"
example="$(tr -d '\n' <"$repo_root/tests/fixtures/doc-example-response.json" | sed 's/  */ /g')"
awk -v line="$example" -v n="$lines" 'BEGIN { for (i = 0; i < n; i++) print line }' >"$work/customers.jsonl"
echo
echo "Whole process: $lines documents ($(du -h "$work/customers.jsonl" | cut -f1)) of the doc's example, one per line"
printf '  %-44s %10s %10s %10s\n' "command" "user s" "sys s" "wall s"
TIMEFORMAT='%3U %3S %3R'
declare -A cpu
measure() {
  local name="$1" times status
  shift
  times="$( { time "$@" >"$work/out" 2>&1; } 2>&1 )" && status=0 || status=$?
  if [ "$status" -ne 0 ] || [ -s "$work/out" ]; then
    echo "bench: '$name' failed or printed something (exit $status):" >&2
    head -n 5 "$work/out" >&2
    exit 1
  fi
  read -r user sys wall <<<"$times"
  cpu[$name]="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
  printf '  %-44s %10s %10s %10s\n' "$name" "$user" "$sys" "$wall"
}
ratio() { awk -v a="${cpu[$1]}" -v b="${cpu[$2]}" 'BEGIN { printf "%.2fx\n", a / b }'; }
cli="$build_dir/alguna-contract"
measure "validate --jsonl --quiet (fast engine)" "$cli" validate customer --jsonl --quiet "$work/customers.jsonl"
measure "validate --jsonl --quiet --engine reference" "$cli" validate customer --jsonl --quiet --engine reference "$work/customers.jsonl"
if [ "$use_node" = 1 ]; then
  measure "node: JSON.parse + ajv per line" node "$ajv_dir/bench.js" jsonl "$repo_root/schemas" "$iso_dir" customer "$work/customers.jsonl"
  echo "  => fast engine / node+ajv CPU time: $(ratio "validate --jsonl --quiet (fast engine)" "node: JSON.parse + ajv per line")"
fi
echo "  => reference / fast engine CPU time: $(ratio "validate --jsonl --quiet --engine reference" "validate --jsonl --quiet (fast engine)")"
