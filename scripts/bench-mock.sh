#!/usr/bin/env bash
# The mock server's load benchmark (issue 3): PATCH /customers/{id} against `alguna-contract serve`
# beside a trivial cpp-httplib server configured the same way (bench/trivial_server.cpp), in the same
# run, on 127.0.0.1, with wrk and bench/mock_load.lua. Prints requests/s and p99 latency per
# connection count, each server's CPU time per request (user + system, from /proc: wrk shares the
# cores, so this is the server's own cost), the throughput ratio mock/trivial, and whether the
# targets are met:
#   mock throughput >= 50% of the trivial server's (at every connection count measured),
#   mock p99 <= 5 ms at 8 connections.
#
#   scripts/bench-mock.sh [--duration SECONDS] [--connections "8 64"] [--threads N] [--warmup SECONDS]
#                         [--fixed-body]
#
#   --duration     seconds per wrk run (default 10, or $BENCH_DURATION); e.g. 2 for a quick check
#   --connections  the connection counts, in order (default "8 64")
#   --threads      wrk threads (default 2, or $BENCH_THREADS; at most the connection count)
#   --warmup       seconds of load on each server before measuring (default 1)
#   --fixed-body   send the same body every time (default: every PATCH renames the customer)
#
# Exit 0: the targets are met. 1: something failed (a build, a server that did not start, a check
# request that did not answer 200, or any non-200 answer or socket error under load: such a run is
# reported as failed, not as fast). 3: the run was clean but a target is missed.
# Build directory: ${ALGUNA_CONTRACT_BUILD_DIR:-build}; parallel jobs: ${ALGUNA_CONTRACT_JOBS:-nproc}.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

duration="${BENCH_DURATION:-10}"
connections="8 64"
threads="${BENCH_THREADS:-2}"
warmup=1
script_args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --duration) duration="${2:?--duration needs a value}"; shift 2 ;;
    --connections) connections="${2:?--connections needs a value}"; shift 2 ;;
    --threads) threads="${2:?--threads needs a value}"; shift 2 ;;
    --warmup) warmup="${2:?--warmup needs a value}"; shift 2 ;;
    --fixed-body) script_args=(-- fixed); shift ;;
    -h|--help) sed -n '2,/^# Build directory/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-mock: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done
is_count() { [[ "$1" =~ ^[0-9]+$ ]]; }
for value in "$duration" "$threads" "$warmup" $connections; do
  is_count "$value" || { echo "bench-mock: '$value' is not a whole number" >&2; exit 1; }
done
[ "$duration" -ge 1 ] && [ "$threads" -ge 1 ] && [ -n "$connections" ] ||
  { echo "bench-mock: --duration, --threads and --connections must be positive" >&2; exit 1; }

target_ratio=0.50      # mock requests/s over trivial requests/s, at every connection count
target_p99_ms=5        # mock p99 at 8 connections
api_key=sk_test_bench  # the key bench/mock_load.lua sends
lua_script="$repo_root/bench/mock_load.lua"

ensure_packages "${base_packages[@]}" libcpp-httplib-dev libbenchmark-dev wrk curl
configure_build -DALGUNA_CONTRACT_BUILD_BENCH=ON -DALGUNA_CONTRACT_BUILD_CLI=ON
cmake --build "$build_dir" -j "$(build_jobs)" --target alguna-contract alguna_contract_trivial_server >&2

# --- The servers ---------------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/bench-mock.XXXXXX")"
server_pids=()
stop_servers() {
  local pid waited
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # cpp-httplib finishes open keep-alive connections before it returns (up to their 5 s timeout).
  for pid in "${server_pids[@]}"; do
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
      echo "bench-mock: server $pid still running 10 s after SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  server_pids=()
}
cleanup() { stop_servers; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "bench-mock: FAILED: $*" >&2; exit 1; }

# start_server NAME COMMAND...: starts it, waits for "listening on http://HOST:PORT", sets $url.
start_server() {
  local name="$1" line="" tries=0 pid
  shift
  : >"$work/$name.out"
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  server_pids+=("$pid")
  # `read` succeeds only on a whole line, so a half-written first line is never taken.
  until IFS= read -r line <"$work/$name.out"; do
    kill -0 "$pid" 2>/dev/null || die "$name exited before listening: $(cat "$work/$name.err")"
    [ "$tries" -lt 100 ] || die "$name printed no 'listening on' line within 10 s"
    sleep 0.1
    tries=$((tries + 1))
  done
  [[ "$line" =~ ^listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]] ||
    die "$name's first line is not 'listening on http://127.0.0.1:PORT': '$line'"
  url="${BASH_REMATCH[1]}"
  server_pid="$pid"
}

start_server trivial "$build_dir/bench/alguna_contract_trivial_server" --host 127.0.0.1 --port 0
trivial_url="$url"
trivial_pid="$server_pid"
start_server mock "$build_dir/alguna-contract" serve --host 127.0.0.1 --port 0 --api-key "$api_key"
mock_url="$url"
mock_pid="$server_pid"

# One PATCH to each before any load: a server answering errors must not be timed.
check() {
  local name="$1" base="$2" code
  code="$(curl -sS --max-time 5 -o "$work/$name.check" -w '%{http_code}' -X PATCH \
            -H "Authorization: Bearer $api_key" -H 'Alguna-Version: 2026-04-01' \
            -H 'Content-Type: application/json' --data '{"name":"Acme Corp","currency":"EUR"}' \
            "$base/customers/cust_abc123")" || die "$name: the check request failed (curl)"
  [ "$code" = 200 ] || die "$name answered the check PATCH with $code: $(head -c 500 "$work/$name.check")"
}
check trivial "$trivial_url"
check mock "$mock_url"
grep -q '"name":"Acme Corp"' "$work/mock.check" ||
  die "the mock's check answer is not the updated customer: $(head -c 500 "$work/mock.check")"

# --- The load ------------------------------------------------------------------------------------
# cpu_ticks PID: the CPU time (user + system, in clock ticks) the process has used so far. The
# server's CPU per request separates its own cost from the client's: wrk shares the machine.
cpu_ticks() {
  local stat
  stat="$(cat "/proc/$1/stat")" || die "cannot read /proc/$1/stat: did the server exit?"
  stat="${stat##*) }"  # fields from the third on (the command name may hold spaces)
  set -- $stat
  echo $(( ${12} + ${13} ))
}
clock_ticks="$(getconf CLK_TCK)"

# run_wrk NAME URL CONNECTIONS SECONDS: one bounded wrk run; sets the RESULT fields as r_<field>.
run_wrk() {
  local name="$1" base="$2" conns="$3" secs="$4" t="$threads" out line field
  [ "$t" -le "$conns" ] || t="$conns"
  out="$work/$name-c$conns.txt"
  # --timeout 5s: a request waiting longer is a socket error (and fails the run), not a latency.
  timeout --kill-after=5 $((secs + 30)) \
    wrk -t"$t" -c"$conns" -d"${secs}s" --timeout 5s --latency -s "$lua_script" \
        "$base" "${script_args[@]}" >"$out" 2>&1 ||
    die "wrk against $name at $conns connections failed: $(cat "$out")"
  line="$(grep '^RESULT ' "$out")" || die "wrk against $name printed no RESULT line: $(cat "$out")"
  for field in ${line#RESULT }; do
    printf -v "r_${field%%=*}" '%s' "${field#*=}"
  done
}

# busy_percent: how busy the CPUs were over the last second (the servers are idle now, so this is
# everyone else). Figures taken while something else runs say little: warn.
busy_percent() {
  local a b
  read -r -a a </proc/stat
  sleep 1
  read -r -a b </proc/stat
  awk -v u="$(( b[1] + b[2] + b[3] + b[6] + b[7] - a[1] - a[2] - a[3] - a[6] - a[7] ))" \
      -v i="$(( b[4] + b[5] - a[4] - a[5] ))" 'BEGIN { printf "%.0f", (u + i > 0 ? 100 * u / (u + i) : 0) }'
}
busy="$(busy_percent)"
if [ "$busy" -ge 15 ]; then
  echo "bench-mock: WARNING: the CPUs were ${busy}% busy before the load started: another process is" \
       "running, and the figures below will be low and noisy" >&2
fi

failures=()
echo "bench-mock: $(nproc) cores, $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2), ${duration} s per run," \
     "wrk -t${threads} (at most the connection count), body $([ "${#script_args[@]}" -gt 0 ] && echo fixed || echo 'renaming per request')" >&2
if [ "$warmup" -gt 0 ]; then
  echo "bench-mock: warming up each server for ${warmup} s" >&2
  run_wrk trivial-warmup "$trivial_url" 8 "$warmup"
  run_wrk mock-warmup "$mock_url" 8 "$warmup"
fi

rows=()
for conns in $connections; do
  for name in trivial mock; do
    base="$trivial_url"; pid="$trivial_pid"
    [ "$name" = mock ] && { base="$mock_url"; pid="$mock_pid"; }
    echo "bench-mock: $name, $conns connections, ${duration} s" >&2
    ticks_before="$(cpu_ticks "$pid")"
    run_wrk "$name" "$base" "$conns" "$duration"
    ticks="$(( $(cpu_ticks "$pid") - ticks_before ))"
    errors=$((r_non200 + r_connect_errors + r_read_errors + r_write_errors + r_timeouts))
    if [ "$errors" -gt 0 ]; then
      failures+=("$name at $conns connections: $r_non200 non-200 answers (${r_statuses}); socket errors:\
 connect $r_connect_errors, read $r_read_errors, write $r_write_errors, timeouts $r_timeouts")
    fi
    printf -v "rps_${name}" '%s' "$r_rps"
    printf -v "p99_${name}" '%s' "$r_p99_us"
    printf -v "err_${name}" '%s' "$errors"
    # Server CPU microseconds per request.
    printf -v "cpu_${name}" '%s' "$(awk -v t="$ticks" -v hz="$clock_ticks" -v n="$r_requests" \
                                       'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')"
  done
  rows+=("$conns $rps_trivial $p99_trivial $err_trivial $cpu_trivial $rps_mock $p99_mock $err_mock $cpu_mock")
done
stop_servers

# --- The report ----------------------------------------------------------------------------------
verdict=0
printf '%s\n' "${rows[@]}" | awk -v ratio_target="$target_ratio" -v p99_target="$target_p99_ms" \
    -v failed="${#failures[@]}" '
  BEGIN {
    printf "\n| connections | trivial req/s | trivial p99 | trivial CPU/req | mock req/s | mock p99 | mock CPU/req | mock / trivial req/s |\n"
    printf "|---|---|---|---|---|---|---|---|\n"
    met = 1
  }
  {
    c = $1; tr = $2; tp = $3 / 1000; te = $4; tc = $5; mr = $6; mp = $7 / 1000; me = $8; mc = $9
    ratio = tr > 0 ? mr / tr : 0
    printf "| %d | %.0f%s | %.2f ms | %.1f µs | %.0f%s | %.2f ms | %.1f µs | %.0f%% |\n", c, tr,
           (te > 0 ? " (ERRORS)" : ""), tp, tc, mr, (me > 0 ? " (ERRORS)" : ""), mp, mc, 100 * ratio
    ok = ratio >= ratio_target
    verdicts[++n] = sprintf("%s mock throughput >= %.0f%% of trivial at %d connections: %.0f%%",
                            (ok ? "MET    " : "NOT MET"), 100 * ratio_target, c, 100 * ratio)
    if (!ok) met = 0
    if (c == 8) {
      seen8 = 1
      ok = mp <= p99_target
      verdicts[++n] = sprintf("%s mock p99 <= %g ms at 8 connections: %.2f ms", (ok ? "MET    " : "NOT MET"),
                              p99_target, mp)
      if (!ok) met = 0
    }
  }
  END {
    printf "\n"
    for (i = 1; i <= n; i++) print verdicts[i]
    if (!seen8) { print "NOT MET p99 target: 8 connections were not measured"; met = 0 }
    if (failed > 0) print "RUN FAILED: errors under load (below); the figures above are not valid"
    else print (met ? "All targets met." : "Targets missed.")
    exit(met ? 0 : 3)
  }' || verdict=$?
if [ "${#failures[@]}" -gt 0 ]; then
  printf 'bench-mock: %s\n' "${failures[@]}" >&2
  exit 1
fi
exit "$verdict"
