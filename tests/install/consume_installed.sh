#!/usr/bin/env bash
# The installed package, as a project other than this one sees it. One step per ctest test:
#   install   cmake --install BUILD_DIR into WORK_DIR/prefix (the other steps' fixture)
#   tree      the installed files: library, headers, CLI, schemas, package files
#   find      find_package under both spellings, version requests, missing dependencies
#   consumer  tests/install/consumer built against the prefix, both programs run
# Usage: consume_installed.sh STEP WORK_DIR BUILD_DIR SOURCE_DIR VERSION LIBDIR
set -euo pipefail
step="$1" work="$2" build_dir="$3" source_dir="$4" version="$5" libdir="$6"
prefix="$work/prefix"
scratch="$work/$step"
rm -rf "$scratch"
mkdir -p "$scratch"

fail() { echo "FAIL: $*" >&2; exit 1; }
# Quiet when it works, the whole output of the step that failed when not.
quietly() {
  "$@" >"$scratch/log" 2>&1 || { cat "$scratch/log"; fail "$*"; }
}
# Only the prefix: no package registry, nothing else the machine may have installed.
configure() {
  cmake -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF "$@"
}
# probe NAME VERSION [cmake arguments]: configures tests/install/probe into $scratch/probe.
probe() {
  local name="$1" requested="$2"
  shift 2
  rm -rf "$scratch/probe"
  configure -S "$source_dir/tests/install/probe" -B "$scratch/probe" \
    -DPACKAGE="$name" -DVERSION="$requested" "$@" >"$scratch/log" 2>&1
}
accepts() {
  probe "$@" || { cat "$scratch/log"; fail "find_package($1 $2) refused"; }
  grep -qF -- "-- probe: $1 $version from $prefix/$libdir/cmake/$1" "$scratch/log" ||
    { cat "$scratch/log"; fail "find_package($1 $2) did not find version $version in $prefix"; }
}
# refuses NAME VERSION MESSAGE [cmake arguments]: the configuration fails, saying MESSAGE.
refuses() {
  local name="$1" requested="$2" message="$3"
  shift 3
  if probe "$name" "$requested" "$@"; then cat "$scratch/log"; fail "find_package($name $requested) accepted"; fi
  # CMake wraps its messages: compare with the line breaks and indentation folded into spaces.
  tr -s ' \n' '  ' <"$scratch/log" | grep -qF -- "$message" ||
    { cat "$scratch/log"; fail "find_package($name $requested $*) did not say: $message"; }
}

case "$step" in
install)
  rm -rf "$prefix"
  quietly cmake --install "$build_dir" --prefix "$prefix"
  ;;
tree)
  ls "$prefix/$libdir"/libalguna-contract.* >/dev/null || fail "no library in $prefix/$libdir"
  diff -r "$source_dir/include/alguna" "$prefix/include/alguna" || fail "installed headers differ"
  diff -r "$source_dir/schemas" "$prefix/share/alguna-contract/schemas" || fail "installed schemas differ"
  for name in alguna-contract alguna_contract; do
    for file in config config-version; do
      test -f "$prefix/$libdir/cmake/$name/$name-$file.cmake" || fail "no $name-$file.cmake"
    done
  done
  test -f "$prefix/$libdir/cmake/alguna-contract/alguna-contract-targets.cmake" || fail "no targets file"
  # A package that names the build or the source tree (or the prefix: the package is relocatable)
  # works on this machine only. The prefix is inside the build tree, so this looks for all three.
  if grep -rlF -e "$build_dir" -e "$source_dir" "$prefix/$libdir/cmake" "$prefix/include"; then
    fail "installed files name the build or source tree, or the prefix"
  fi

  cli="$prefix/bin/alguna-contract"
  [[ "$("$cli" --version)" == "alguna-contract $version "* ]] || fail "$cli --version: $("$cli" --version)"
  schemas="$prefix/share/alguna-contract/schemas"
  quietly "$cli" validate update-request --schemas "$schemas" "$source_dir/tests/fixtures/doc-example-request.json"
  echo '{"nmae": "Acme Corp"}' >"$scratch/typo.json"
  if "$cli" validate update-request --schemas "$schemas" "$scratch/typo.json" >"$scratch/log" 2>&1; then
    fail "the installed CLI accepted a typo with the installed schemas"
  fi
  grep -qF '/nmae' "$scratch/log" || { cat "$scratch/log"; fail "no violation at /nmae"; }
  # ...and the schemas really come from --schemas.
  mkdir -p "$scratch/no-schemas"
  if "$cli" validate update-request --schemas "$scratch/no-schemas" "$scratch/typo.json" >/dev/null 2>&1; then
    fail "the installed CLI ignored --schemas"
  fi
  ;;
find)
  accepts alguna-contract 0.1.0
  accepts alguna_contract '0.1...<0.2'
  accepts alguna_contract 0.1
  refuses alguna_contract 0.2 'compatible with requested version "0.2"'
  refuses alguna-contract 1 'compatible with requested version "1"'
  # The static library's private dependencies, each missing in turn, are named.
  mkdir -p "$scratch/no-pkgconfig"
  PKG_CONFIG_LIBDIR="$scratch/no-pkgconfig" PKG_CONFIG_PATH='' refuses alguna_contract 0.1 \
    'cpp-httplib not found through pkg-config (install the Debian package libcpp-httplib-dev)'
  # A simdjson package that reports itself missing stands in for a machine without libsimdjson-dev
  # (the real one is found under several prefixes, which no ignore list covers portably).
  mkdir -p "$scratch/no-simdjson"
  echo 'set(simdjson_FOUND FALSE)' >"$scratch/no-simdjson/simdjson-config.cmake"
  printf 'set(PACKAGE_VERSION 3.0.0)\nset(PACKAGE_VERSION_COMPATIBLE TRUE)\n' \
    >"$scratch/no-simdjson/simdjson-config-version.cmake"
  refuses alguna_contract 0.1 'package "simdjson" is considered to be NOT FOUND' \
    -Dsimdjson_DIR="$scratch/no-simdjson"
  ;;
consumer)
  # The flags make the README's example warning-free, not just compilable.
  quietly configure -S "$source_dir/tests/install/consumer" -B "$scratch/build" \
    -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror"
  quietly cmake --build "$scratch/build"
  # Its compile and link lines name the prefix, never the library's build or source tree.
  if tr ' ' '\n' <"$scratch/build/build.ninja" | grep -F -e "$build_dir/" -e "$source_dir/include" |
      grep -vF "$work/"; then
    fail "the consumer's build uses the build or source tree"
  fi

  status=0
  "$scratch/build/presend" >"$scratch/out" 2>"$scratch/err" || status=$?
  cat "$scratch/out" "$scratch/err"
  [[ $status == 0 ]] || fail "presend exited $status"
  # The doc's example is sent, as built; the broken body is not, and each of its problems is named.
  [[ "$(wc -l <"$scratch/out")" == 1 ]] || fail "presend sent $(wc -l <"$scratch/out") bodies, not 1"
  sent="$(sed -n 's|^PATCH /customers/cust_abc123 ||p' "$scratch/out")"
  expected="$(cat "$source_dir/tests/fixtures/doc-example-request.json")"
  cat >"$scratch/same-body.cmake" <<CMAKE
string(JSON same EQUAL [==[$sent]==] [==[$expected]==])
if(NOT same)
  message(FATAL_ERROR "presend sent a body other than tests/fixtures/doc-example-request.json")
endif()
CMAKE
  quietly cmake -P "$scratch/same-body.cmake"
  for violation in '/nmae [additionalProperties]' '/currency [format]' '/contacts/0/email [format]'; do
    grep -qF -- "  $violation " "$scratch/err" || fail "presend did not report $violation"
  done
  [[ "$(grep -c '^  /' "$scratch/err")" == 3 ]] || fail "presend reported other violations"

  "$scratch/build/every_component" || fail "every_component exited $?"
  ;;
*)
  fail "unknown step $step"
  ;;
esac
