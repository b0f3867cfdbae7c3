#!/usr/bin/env bash
# The replayer's throughput (issue 4): `alguna-contract replay` over a generated corpus of one-step
# scenarios against the embedded mock at -j 1 and -j 8, beside the mock's raw throughput in the same
# run (wrk with bench/mock_load.lua against `alguna-contract serve`, 8 connections — what
# scripts/bench-mock.sh measures). Rounds alternate the three measurements so that a noisy
# neighbour hits all of them alike; the medians are reported as exchanges per second, with each
# replay figure as a fraction of the raw mock's.
#
#   scripts/bench-replay.sh [--scenarios N] [--rounds R] [--duration SECONDS]
#
#   --scenarios  one-step scenarios in the generated corpus (default 20000)
#   --rounds     measurements of each kind; the median is reported (default 3)
#   --duration   seconds of each wrk run against the raw mock (default 5)
#
# Target: >= 5,000 exchanges/s at -j 8 (2 cores). Exit 0: met; 1: a run failed (a build, a
# scenario that did not pass, wrk errors); 3: the run was clean but the target is missed.
# Build directory: ${ALGUNA_CONTRACT_BUILD_DIR:-build}; parallel jobs: ${ALGUNA_CONTRACT_JOBS:-nproc}.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

scenarios=20000
rounds=3
duration=5
while [ "$#" -gt 0 ]; do
  case "$1" in
    --scenarios) scenarios="${2:?--scenarios needs a value}"; shift 2 ;;
    --rounds) rounds="${2:?--rounds needs a value}"; shift 2 ;;
    --duration) duration="${2:?--duration needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,/^# Build directory/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-replay: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done
for value in "$scenarios" "$rounds" "$duration"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "bench-replay: '$value' is not a positive whole number" >&2; exit 1; }
done
target_j8=5000
api_key=sk_test_bench  # the key bench/mock_load.lua sends

ensure_packages "${base_packages[@]}" wrk curl
configure_build -DALGUNA_CONTRACT_BUILD_CLI=ON
cmake --build "$build_dir" -j "$(build_jobs)" --target alguna-contract >&2
cli="$build_dir/alguna-contract"

work="$(mktemp -d "${TMPDIR:-/tmp}/bench-replay.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
die() { echo "bench-replay: FAILED: $*" >&2; exit 1; }

# The corpus: each scenario renames the customer and checks the answer (status, body subset,
# updated_at's format, the Customer schema) — the replayer's whole path, one exchange each.
awk -v n="$scenarios" 'BEGIN {
  for (i = 0; i < n; i++)
    printf "{\"id\":\"s%d\",\"request\":{\"method\":\"PATCH\",\"path\":\"/customers/cust_abc123\",\"headers\":" \
           "{\"Alguna-Version\":\"2026-04-01\",\"Authorization\":\"Bearer ${ALGUNA_API_KEY}\"," \
           "\"Idempotency-Key\":\"${IDEMPOTENCY_KEY}\",\"Content-Type\":\"application/json\"}," \
           "\"body\":{\"name\":\"Acme %d\"}},\"response\":{\"status\":200,\"body\":{\"id\":\"cust_abc123\"," \
           "\"name\":\"Acme %d\"}},\"match\":{\"/updated_at\":\"date-time\"}}\n", i, i, i
}' >"$work/corpus.jsonl"

# replay_rate JOBS: exchanges per second of one replay run (every scenario must pass).
replay_rate() {
  local report="$work/report-j$1.json" summary
  "$cli" replay "$work/corpus.jsonl" -j "$1" --report "$report" >"$work/replay.out" 2>&1 ||
    die "replay -j $1 did not pass: $(tail -n 5 "$work/replay.out")"
  summary="$(grep -o '"summary": {[^}]*}' "$report")" || die "no summary in the report"
  awk -v s="$summary" 'BEGIN {
    match(s, /"exchanges":[0-9]+/); e = substr(s, RSTART + 12, RLENGTH - 12)
    match(s, /"duration_ms":[0-9]+/); d = substr(s, RSTART + 14, RLENGTH - 14)
    printf "%.0f", (d > 0 ? e * 1000 / d : 0) }'
}

# The raw mock: `serve` on port 0, its first line names the port.
"$cli" serve --host 127.0.0.1 --port 0 --api-key "$api_key" >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 100); do
  IFS= read -r line <"$work/serve.out" && break
  kill -0 "$server_pid" 2>/dev/null || die "serve exited: $(cat "$work/serve.err")"
  sleep 0.1
done
[[ "${line:-}" =~ ^listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]] || die "serve did not start: ${line:-}"
mock_url="${BASH_REMATCH[1]}"

raw_rate() {
  local out="$work/wrk.txt" result
  timeout --kill-after=5 $((duration + 30)) wrk -t2 -c8 -d"${duration}s" --timeout 5s \
    -s "$repo_root/bench/mock_load.lua" "$mock_url" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
  result="$(grep '^RESULT ' "$out")" || die "wrk printed no RESULT line: $(cat "$out")"
  local errors
  errors="$(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] ~ /^(non200|connect_errors|read_errors|write_errors|timeouts)$/) e += kv[2] } } END { print e + 0 }' <<<"$result")"
  [ "$errors" -eq 0 ] || die "errors under load against the raw mock: $result"
  awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "rps") printf "%.0f", kv[2] } }' <<<"$result"
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)) }'; }

echo "bench-replay: $(nproc) cores, $scenarios scenarios, $rounds rounds, wrk ${duration} s at 8 connections" >&2
raw=(); j1=(); j8=()
for round in $(seq "$rounds"); do
  echo "bench-replay: round $round of $rounds" >&2
  raw+=("$(raw_rate)")
  j1+=("$(replay_rate 1)")
  j8+=("$(replay_rate 8)")
done
kill -TERM "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=""

raw_m="$(median "${raw[@]}")"; j1_m="$(median "${j1[@]}")"; j8_m="$(median "${j8[@]}")"
awk -v raw="$raw_m" -v j1="$j1_m" -v j8="$j8_m" -v target="$target_j8" \
    -v raws="${raw[*]}" -v j1s="${j1[*]}" -v j8s="${j8[*]}" 'BEGIN {
  printf "\n| run | exchanges/s (median) | of raw mock | every round |\n|---|---|---|---|\n"
  printf "| raw mock: wrk, 8 connections | %d | 100%% | %s |\n", raw, raws
  printf "| replay -j 1, embedded mock | %d | %.0f%% | %s |\n", j1, (raw > 0 ? 100 * j1 / raw : 0), j1s
  printf "| replay -j 8, embedded mock | %d | %.0f%% | %s |\n", j8, (raw > 0 ? 100 * j8 / raw : 0), j8s
  met = j8 >= target
  printf "\n%s replay -j 8 >= %d exchanges/s: %d\n", (met ? "MET    " : "NOT MET"), target, j8
  exit(met ? 0 : 3)
}'
