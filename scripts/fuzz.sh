#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ with clang (ASan + UBSan) and runs each for SECONDS.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
#
#   SECONDS   per harness (default 60); HARNESS: fuzz_validate, fuzz_mock, fuzz_corpus, fuzz_differential (default all)
#   FUZZ_RUNS=N         also stop a harness after N executions (-runs), whichever comes first
#   FUZZ_EXTRA="..."    more libFuzzer flags, e.g. FUZZ_EXTRA="-only_ascii=1"
#
# Each harness fuzzes a working corpus outside the repository, $build_dir/corpus/<harness>,
# seeded from corpus/fuzz/<harness>/ (and its regressions/), and writes what it finds (crash-*,
# leak-*, timeout-*, oom-*) into $build_dir/artifacts/<harness>/. A summary table follows:
# executions, executions per second, coverage (cov: edges, ft: features) and findings.
# Exit 0 when no harness found anything, 1 when one did (or a build failed), 130 when a harness
# was interrupted (SIGINT) before its time and nothing was found.
# Build directory: ${ALGUNA_CONTRACT_BUILD_DIR:-build-fuzz}; parallel jobs: ${ALGUNA_CONTRACT_JOBS:-nproc}.
export ALGUNA_CONTRACT_BUILD_DIR="${ALGUNA_CONTRACT_BUILD_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build-fuzz}"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

seconds="${1:-60}"
[ "$#" -gt 0 ] && shift
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -ge 1 ] ||
  { echo "fuzz: SECONDS must be a positive whole number, got '$seconds'" >&2; exit 1; }
harnesses=("$@")
[ "${#harnesses[@]}" -gt 0 ] || harnesses=(fuzz_validate fuzz_mock fuzz_corpus fuzz_differential)
for harness in "${harnesses[@]}"; do
  case "$harness" in
    fuzz_validate|fuzz_mock|fuzz_corpus|fuzz_differential) ;;
    *) echo "fuzz: unknown harness '$harness' (fuzz_validate, fuzz_mock, fuzz_corpus, fuzz_differential)" >&2; exit 1 ;;
  esac
done

# libclang-rt-14-dev holds libFuzzer and the sanitizer runtimes (Debian 12's clang is 14).
ensure_packages "${base_packages[@]}" clang libclang-rt-14-dev
if [ ! -f "$build_dir/build.ninja" ]; then
  # -O1 -g with assertions on (nlohmann's JSON_ASSERT included): the sanitizers' usual trade-off.
  CC=clang CXX=clang++ cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link" \
    -DALGUNA_CONTRACT_SANITIZE=address,undefined -DALGUNA_CONTRACT_BUILD_FUZZ=ON \
    -DALGUNA_CONTRACT_BUILD_TESTS=OFF -DALGUNA_CONTRACT_BUILD_CLI=OFF >&2
fi
cmake --build "$build_dir" -j "$(build_jobs)" --target "${harnesses[@]}" >&2

declare -A max_len=([fuzz_validate]=65536 [fuzz_mock]=16384 [fuzz_corpus]=65536 [fuzz_differential]=65536)
artifacts="$build_dir/artifacts"
echo "fuzz: ${seconds} s per harness; findings go to $artifacts/<harness>/" >&2
rows=()
found=0
interrupted=0
for harness in "${harnesses[@]}"; do
  corpus="$build_dir/corpus/$harness"
  mkdir -p "$corpus" "$artifacts/$harness"
  seeds=("$repo_root/corpus/fuzz/$harness")
  [ -d "$repo_root/corpus/fuzz/$harness/regressions" ] && seeds+=("$repo_root/corpus/fuzz/$harness/regressions")
  log="$build_dir/$harness.log"
  before="$(find "$artifacts/$harness" -type f | wc -l)"
  echo "fuzz: $harness (log: $log)" >&2
  extra=()
  [ -n "${FUZZ_RUNS:-}" ] && extra+=("-runs=$FUZZ_RUNS")
  # shellcheck disable=SC2206
  [ -n "${FUZZ_EXTRA:-}" ] && extra+=($FUZZ_EXTRA)
  status=0
  # One process, one job: the machine's cores are shared.
  ( cd "$build_dir" && "$build_dir/fuzz/$harness" -max_total_time="$seconds" -max_len="${max_len[$harness]}" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$harness/" \
      "${extra[@]}" "$corpus" "${seeds[@]}" ) >"$log" 2>&1 || status=$?
  after="$(find "$artifacts/$harness" -type f | wc -l)"
  new=$((after - before))
  # libFuzzer answers SIGINT with its -interrupted_exitcode (72) and this line: a stop, not a finding.
  if [ "$status" -eq 72 ] && [ "$new" -eq 0 ] && grep -q 'libFuzzer: run interrupted' "$log"; then
    interrupted=1
    status=0
    echo "fuzz: $harness interrupted before its time; nothing found" >&2
  fi
  [ "$status" -ne 0 ] && [ "$new" -eq 0 ] && new=1  # died without an artifact: still a finding
  [ "$new" -gt 0 ] && found=1
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)"
  cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n1)"
  rows+=("$harness|${runs:-?}|${rate:-?}|$(echo "$cov" | awk '{print $2}')|$(echo "$cov" | awk '{print $4}')|$new")
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $harness FOUND something (exit $status); last lines of $log:" >&2
    grep -E 'ERROR|invariant broken|SUMMARY|Test unit written' "$log" | tail -n 5 >&2 || true
  fi
done

printf '\n| harness | executions | exec/s | cov | ft | findings |\n|---|---|---|---|---|---|\n'
for row in "${rows[@]}"; do
  IFS='|' read -r name runs rate cov ft new <<<"$row"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$runs" "$rate" "$cov" "$ft" "$new"
done
if [ "$found" -ne 0 ]; then
  echo "fuzz: findings in $artifacts/ (minimize with <harness> -minimize_crash=1 -runs=10000 FILE," \
       "then save under corpus/fuzz/<harness>/regressions/)" >&2
  exit 1
fi
echo "fuzz: no findings" >&2
[ "$interrupted" -eq 0 ] || exit 130
