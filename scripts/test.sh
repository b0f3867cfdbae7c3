#!/usr/bin/env bash
# Builds everything and runs the tests through ctest, in four stages:
#   normal  build/       Release, warnings as errors: every test
#   interop build/       scripts/interop.sh: Redocly and Prism judge schemas/openapi.json and the
#                        mock, Playwright records a HAR that import-har and replay take (npm)
#   asan    build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer (Debug): every test but
#                        the install test; any finding (memory error, leak, undefined behaviour)
#                        fails it
#   tsan    build-tsan/  ThreadSanitizer (Debug): the tests that run our code on several threads
# Every selected stage runs even when an earlier one failed; a summary of each stage's times and
# verdict ends the output, and the exit status is non-zero when any stage failed.
#
# Usage: scripts/test.sh [--only normal|interop|asan|tsan]... [CTEST_ARGS...]
#   --only STAGE (repeatable) runs only those stages, as does
#   ALGUNA_CONTRACT_TEST_STAGES="asan tsan".
#   CTEST_ARGS go to every stage's ctest, after the stage's own, e.g. -R '^mock:' (which replaces
#   the tsan stage's selection) or --repeat until-fail:3.
#   ALGUNA_CONTRACT_BUILD_DIR, ALGUNA_CONTRACT_ASAN_BUILD_DIR and ALGUNA_CONTRACT_TSAN_BUILD_DIR
#   move the build trees; ALGUNA_CONTRACT_JOBS sets the build and ctest parallelism.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

stages=()
ctest_args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --only)
      [ "$#" -ge 2 ] || { echo "test.sh: --only needs a stage: normal, interop, asan or tsan" >&2; exit 2; }
      stages+=("$2")
      shift 2 ;;
    --only=*) stages+=("${1#--only=}"); shift ;;
    *) ctest_args+=("$1"); shift ;;
  esac
done
if [ "${#stages[@]}" -eq 0 ]; then
  read -r -a stages <<<"${ALGUNA_CONTRACT_TEST_STAGES:-normal interop asan tsan}"
fi
for stage in "${stages[@]}"; do
  case "$stage" in
    normal|interop|asan|tsan) ;;
    *) echo "test.sh: unknown stage '$stage' (normal, interop, asan or tsan)" >&2; exit 2 ;;
  esac
done

ensure_packages "${base_packages[@]}" "${test_packages[@]}"
jobs="$(build_jobs)"

# Any finding ends the program at once with a non-zero status (the CMake option already compiles
# with -fno-sanitize-recover=all), with a stack trace in the test's output.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
TSAN_OPTIONS+=":suppressions=$repo_root/tests/tsan.supp"

# The sanitizer runtimes of GCC 12 cannot map their shadow memory when the kernel randomizes mmap
# with more than 28 bits (some newer kernels default to 32): run those tests without ASLR there.
sanitizer_runner=()
if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)" -gt 28 ]; then
  sanitizer_runner=(setarch "$(uname -m)" -R)
fi

# Prints a ctest regular expression matching the tests that catch_discover_tests made of the test
# cases of the Catch2 test BINARY that SPEC (a Catch2 test spec: "[threads]", "~[slow]", "*")
# selects; prints nothing when SPEC selects none. PREFIX is a regular expression for the
# TEST_PREFIX of tests/CMakeLists.txt ("mock: ", which Catch2 v2's CMake script makes "mock:").
catch_tests_regex() {
  local binary="$1" prefix="$2" spec="$3" names
  # Catch2 v2 exits with the number of test cases listed: its status says nothing.
  names="$("${sanitizer_runner[@]}" "$binary" --list-test-names-only "$spec")" || true
  # catch_discover_tests cuts a name at each ';' (a CMake list separator) into tests that match no
  # test case: ctest never runs those, so neither can a stage.
  if grep -q ';' <<<"$names"; then
    grep ';' <<<"$names" |
      sed "s|^|test.sh: ctest cannot run this test case of ${binary##*/} (';' in its name): |" >&2
  fi
  printf '%s\n' "$names" | sed -e '/^[[:space:]]*$/d' -e '/;/d' -e 's/[][\\.*+?^$(){}|]/\\&/g' \
    -e "s/^/^$prefix/" -e 's/$/$/' | paste -sd '|'
}

# Prints a ctest regular expression matching the tests of every Catch2 binary of DIR/tests that SPEC
# selects (nothing when there are none), whatever their binary and prefix.
catch_tests_regex_all() {
  local dir="$1" spec="$2" binary part regex=""
  for binary in "$dir"/tests/*_tests; do
    [ -x "$binary" ] || continue
    part="$(catch_tests_regex "$binary" '([a-z]+: ?)?' "$spec")"
    [ -z "$part" ] || regex="${regex:+$regex|}$part"
  done
  printf '%s\n' "$regex"
}

# Runs ctest in DIR with ARGS, then the user's CTEST_ARGS; records the number of tests it ran.
run_ctest() {
  local dir="$1"
  shift
  local log="$dir/Testing/test-sh-ctest.log"
  mkdir -p "$dir/Testing"
  "${sanitizer_runner[@]}" ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs" \
    --output-log "$log" "$@" "${ctest_args[@]}"
  local status=$?
  test_count="$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)"
  return "$status"
}

# timed VAR COMMAND...: runs COMMAND, adding its wall time in seconds to VAR.
timed() {
  local var="$1" start=$SECONDS status=0
  shift
  "$@" || status=$?
  printf -v "$var" '%s' "$(( ${!var} + SECONDS - start ))"
  return "$status"
}

stage_normal() {
  configure_build -DALGUNA_CONTRACT_BUILD_TESTS=ON -DALGUNA_CONTRACT_WARNINGS_AS_ERRORS=ON
  timed build_seconds cmake --build "$build_dir" -j "$jobs"
  timed test_seconds run_ctest "$build_dir"
}

# Independent tools against our document, schemas and mock (no ctest: the script reports its
# checks itself, and it needs npm's packages, which the ctest suite does not).
stage_interop() {
  timed test_seconds bash "$repo_root/scripts/interop.sh"
}

# Debug (-g, -O0): assertions on, and the quickest to build. With GCC 12, -O1 makes ASan+UBSan
# compile about 4 times slower (UBSan's checks get optimised) and TSan twice, for tests that
# spend their time waiting on sockets anyway. Warnings are not errors here: GCC 12 emits false
# -Wmaybe-uninitialized under -fsanitize (in libstdc++'s <regex> and <functional>), and the
# normal stage holds the warnings line anyway.
sanitizer_cmake_args=(-DCMAKE_BUILD_TYPE=Debug -DALGUNA_CONTRACT_BUILD_TESTS=ON
                      -DALGUNA_CONTRACT_WARNINGS_AS_ERRORS=OFF)

# The mock soak (tests/soak/) runs under the sanitizers, fuzz traffic and all, but its latency and
# RSS-growth bounds would measure the sanitizer (under ASan at -O1: p95 ~290 ms and +82 MiB of
# quarantine and shadow, where Release stays under 100 ms and 64 MiB): here they only catch a hang
# or a runaway. The normal stage keeps the real ones.
relax_soak_bounds() {
  export ALGUNA_CONTRACT_SOAK_LATENCY_MS=2000 ALGUNA_CONTRACT_SOAK_MAX_LATENCY_MS=10000
  export ALGUNA_CONTRACT_SOAK_RSS_GROWTH_MIB=1024
}

stage_asan() {
  build_dir="$asan_build_dir"
  configure_build "${sanitizer_cmake_args[@]}" -DALGUNA_CONTRACT_SANITIZE=address,undefined
  timed build_seconds cmake --build "$build_dir" -j "$jobs"
  # Every test but
  # - the install test: it builds a separate, uninstrumented project against the installed
  #   library, which cannot link an instrumented one (and packaging is not what the sanitizers
  #   check; the normal stage runs it);
  # - the tests tagged [memory], which bound the peak RSS of a run: under ASan it holds the shadow
  #   memory, the redzones and the quarantine of freed blocks (256 MB), so the bound measures
  #   ASan, not us. Their code still runs under ASan in the other tests; the normal stage
  #   runs them.
  local exclude='^install: ' memory
  memory="$(catch_tests_regex_all "$build_dir" '[memory]')"
  exclude="$exclude${memory:+|$memory}"
  relax_soak_bounds
  timed test_seconds run_ctest "$build_dir" -E "$exclude"
}

# The tests whose code runs on several threads at once: a Validator shared by threads, the
# MockService under concurrent requests, the MockServer's connection loop and worker pool (every
# mock test over HTTP, the [slow] ones with 50 to 300 connections at once, and `serve` stopped by
# signals or soaked by 64 fuzzing connections), the Replayer and its Sessions, and the replay
# command's parallel workers (-j) against the embedded mock and against faulty servers, and the
# recording proxy (`record`, its concurrent clients).
# Left out: tests/soak/'s [soak][mock] tests that are not [slow] bound serve's RSS growth, which
# TSan's shadow memory inflates (+27 MiB where the bound is 16); the cli [memory] test likewise.
tsan_targets=(alguna_contract_tests alguna_contract_mock_tests alguna_contract_replay_tests
              alguna_contract_cli_tests alguna_contract_soak_tests)
tsan_selection() {
  # binary                        ctest prefix  Catch2 test spec (',' is or)
  printf '%s\n' \
    "alguna_contract_tests|lib: ?|[threads]" \
    "alguna_contract_mock_tests|mock: ?|*" \
    "alguna_contract_replay_tests|replay: ?|*" \
    "alguna_contract_cli_tests|cli: ?|[replay]~[memory],[record]" \
    "alguna_contract_soak_tests|soak: ?|[soak][slow],[soak][replay]"
}

stage_tsan() {
  build_dir="$tsan_build_dir"
  configure_build "${sanitizer_cmake_args[@]}" -DALGUNA_CONTRACT_SANITIZE=thread
  timed build_seconds cmake --build "$build_dir" -j "$jobs" --target "${tsan_targets[@]}"
  local regex="" binary prefix spec part listed=0 selected
  while IFS='|' read -r binary prefix spec; do
    part="$(catch_tests_regex "$build_dir/tests/$binary" "$prefix" "$spec")"
    if [ -z "$part" ]; then
      echo "test.sh: $binary lists no test case for $spec" >&2
      return 1
    fi
    listed=$(( listed + $(tr '|' '\n' <<<"$part" | grep -c '^\^') ))
    regex="${regex:+$regex|}$part"
  done < <(tsan_selection)
  # Every test case listed must be one ctest test, or the selection silently lost some.
  selected="$(ctest --test-dir "$build_dir" -N -R "$regex" | sed -n 's/^Total Tests: //p')"
  if [ "$selected" != "$listed" ]; then
    echo "test.sh: the tsan selection lists $listed test cases, ctest matches ${selected:-none}" >&2
    return 1
  fi
  relax_soak_bounds
  timed test_seconds run_ctest "$build_dir" -R "$regex"
}

summary_file="$(mktemp)"
trap 'rm -f "$summary_file"' EXIT
failed=0
for stage in "${stages[@]}"; do
  echo "== test.sh: stage $stage" >&2
  set +e
  (
    set -e
    build_seconds=0 test_seconds=0 test_count=""
    report() {
      echo "$stage: build $build_seconds s, tests $test_seconds s (${test_count:-no} tests)" \
        >>"$summary_file"
    }
    trap report EXIT
    "stage_$stage"
  )
  status=$?
  set -e
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "$stage: FAILED" >>"$summary_file"
  fi
done
echo "== test.sh: wall times on $jobs jobs" >&2
sed 's/^/   /' "$summary_file" >&2
[ "$failed" -eq 0 ] || echo "== test.sh: FAILED" >&2
exit "$failed"
