#!/usr/bin/env bash
# The soak test (issue 5): `alguna-contract serve` under mixed fuzz traffic from 64 connections and
# 50 slow clients for SECONDS (default 60), then the other tests of tests/soak/: `alguna-contract
# replay` against servers that stall, reset, drip or answer garbage, and the mock's findings (a PATCH
# with thousands of contacts, PATCHes to 4 KB targets). Loopback only; every part is bounded in time.
#
#   scripts/soak.sh [SECONDS] [--mock-only] [--seed N]
#
# Prints the mock's figures: requests sent by kind, answers by status, 5xx answers, the server's
# resident memory (KB: at start, after the warm-up, over time, at the end, after 3 s idle), and the
# normal requests' latency beside the slow clients (max, p95, median). Then the replayer's outcomes
# by fault, and what failed.
#
# Exit 0 when every oracle holds: the server never dies and exits 0 on SIGTERM, no 5xx, every answer
# well-formed and conforming to its schema with the status its request calls for, no request sent
# whole left unanswered, RSS growth after the warm-up under 64 MiB, every normal request answered
# within 100 ms (the issue's bound; ctest's short run allows 500 ms for the slowest and holds 95% to
# 100 ms, since on a shared CI machine the scheduler alone sometimes delays one by 100-250 ms);
# the replayer exits 1 (not by a signal, within its bound) with
# every scenario reported. Exit 1 otherwise, 2 for a usage error.
#
# The tests are tests/soak/ (ctest runs them for 6 s as "soak: ..."). Environment, passed through:
# ALGUNA_CONTRACT_SOAK_LATENCY_MS (p95), ALGUNA_CONTRACT_SOAK_MAX_LATENCY_MS,
# ALGUNA_CONTRACT_SOAK_RSS_GROWTH_MIB (the bounds),
# ALGUNA_CONTRACT_SOAK_CONNECTIONS, ALGUNA_CONTRACT_SOAK_SLOW_CLIENTS, ALGUNA_CONTRACT_SOAK_ONLY
# (comma-separated request kinds, to narrow a finding down), ALGUNA_CONTRACT_SOAK_CLI (soak another
# build of the command, e.g. a sanitizer build).
# Build directory: ${ALGUNA_CONTRACT_BUILD_DIR:-build}; parallel jobs: ${ALGUNA_CONTRACT_JOBS:-nproc}.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
export ALGUNA_CONTRACT_SOAK_MAX_LATENCY_MS="${ALGUNA_CONTRACT_SOAK_MAX_LATENCY_MS:-100}"

seconds=60
replay=1
seed=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --mock-only) replay=0; shift ;;
    --seed) seed="${2:?--seed needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,/^# Build directory/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *)
      if [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ]; then
        seconds="$1"
        shift
      else
        echo "soak: unknown argument '$1' (see --help)" >&2
        exit 2
      fi
      ;;
  esac
done
if [ -n "$seed" ] && ! [[ "$seed" =~ ^[0-9]+$ ]]; then
  echo "soak: --seed takes a whole number" >&2
  exit 2
fi

ensure_packages "${base_packages[@]}"
configure_build -DALGUNA_CONTRACT_BUILD_TESTS=ON -DALGUNA_CONTRACT_BUILD_CLI=ON
cmake --build "$build_dir" -j "$(build_jobs)" --target alguna-contract alguna_contract_soak_tests >&2

tests="$build_dir/tests/alguna_contract_soak_tests"
[ -x "$tests" ] || { echo "soak: $tests was not built" >&2; exit 1; }

busy_percent() {  # how busy the CPUs were over the last second (the soak has not started)
  local a b
  read -r -a a </proc/stat
  sleep 1
  read -r -a b </proc/stat
  awk -v u="$(( b[1] + b[2] + b[3] + b[6] + b[7] - a[1] - a[2] - a[3] - a[6] - a[7] ))" \
      -v i="$(( b[4] + b[5] - a[4] - a[5] ))" 'BEGIN { printf "%.0f", (u + i > 0 ? 100 * u / (u + i) : 0) }'
}
busy="$(busy_percent)"
echo "soak: $(nproc) cores, ${busy}% busy before the start$([ "$busy" -ge 15 ] && echo ': other processes are running; the latency figures will be noisy')"

verdict=0
echo "soak: the mock, ${seconds} s"
if ! env ALGUNA_CONTRACT_SOAK_SECONDS="$seconds" ${seed:+ALGUNA_CONTRACT_SOAK_SEED="$seed"} \
     timeout --kill-after=10 $((seconds + 120)) "$tests" "mock soak:*" --reporter compact; then
  echo "soak: FAILED: the mock soak (the oracle findings are listed above)"
  verdict=1
fi

if [ "$replay" -eq 1 ]; then
  echo "soak: the replayer against faulty servers, and the mock's findings"
  # A failure prints what broke.
  if ! timeout --kill-after=10 600 "$tests" "~mock soak:*" --reporter compact; then
    echo "soak: FAILED: the replayer against faulty servers, or a finding of the mock (above)"
    verdict=1
  fi
fi
[ "$verdict" -eq 0 ] && echo "soak: every oracle held"
exit "$verdict"
