# Sourced by run.sh, test.sh and bench.sh: installs what is missing, then configures build/.
# Usage: ensure_packages PKG...; configure_build [extra cmake args...]

set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${ALGUNA_CONTRACT_BUILD_DIR:-$repo_root/build}"

# The Debian packages every build needs. libvalijson-dev pulls in Qt, Poco, yaml-cpp, jsoncpp,
# picojson and rapidjson headers for its other adapters; we install it anyway (see README).
# libcpp-httplib-dev is the mock server's HTTP(S) library (it pulls in libssl-dev), libcurl the
# replayer's client; openssl (the
# command) makes the throwaway certificates of the TLS tests.
base_packages=(cmake ninja-build g++ pkg-config iso-codes
               nlohmann-json3-dev libvalijson-dev catch2 libcli11-dev
               libcpp-httplib-dev libcurl4-openssl-dev libre2-dev libsimdjson-dev openssl)
# Only the tests need these: xmllint (libxml2-utils) judges the JUnit reports' XML; the record
# tests drive the recording proxy with the curl command (curl).
test_packages=(libxml2-utils curl)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

configure_build() {
  # Re-configure only on a fresh tree; an existing build/ is reused (incremental).
  if [ ! -f "$build_dir/build.ninja" ]; then
    cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >&2
  elif [ "$#" -gt 0 ]; then
    cmake "$build_dir" "$@" >/dev/null
  fi
}

build_jobs() {
  # ~500 MB per translation unit: two jobs on the 2-core CI machine, more where there is room.
  local cores
  cores="$(nproc 2>/dev/null || echo 2)"
  echo "${ALGUNA_CONTRACT_JOBS:-$cores}"
}

# The sanitizer stages of test.sh build in trees of their own beside build/.
asan_build_dir="${ALGUNA_CONTRACT_ASAN_BUILD_DIR:-$repo_root/build-asan}"
tsan_build_dir="${ALGUNA_CONTRACT_TSAN_BUILD_DIR:-$repo_root/build-tsan}"
