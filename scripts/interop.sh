#!/usr/bin/env bash
# Independent tools judge schemas/openapi.json, our schemas and our mock, in both directions:
#   lint     Redocly CLI lints the document: no error, no warning (its recommended rules).
#   mock     Prism mocks the document; the bundled corpus's positive scenarios replay against it
#            green on status and schema (`replay --check status,schema`: Prism answers with the
#            document's examples, not with the recorded data).
#   proxy    Prism validates as a proxy in front of `alguna-contract serve`: the bundled corpus
#            replays through it green, Prism finds no violation in any of the mock's answers, and
#            every request it calls a violation is one the mock refused (4xx).
#   har      Playwright drives Debian's Chromium through a page that calls the mock and records a
#            HAR; `import-har` turns it into scenarios that replay green against a fresh mock.
# The npm packages are pinned in scripts/interop/package.json and package-lock.json and installed
# with `npm ci` into $build_dir/interop, a folder this script owns. Servers bind 127.0.0.1, port 0.
#
# Usage: scripts/interop.sh [CHECK...]   (default: lint mock proxy har)
# Exit 0 when every check passed, 1 when one failed, 2 when the set-up failed.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

checks=("$@")
[ "${#checks[@]}" -gt 0 ] || checks=(lint mock proxy har)
for check in "${checks[@]}"; do
  case "$check" in
    lint|mock|proxy|har) ;;
    *) echo "interop: unknown check '$check' (lint, mock, proxy, har)" >&2; exit 2 ;;
  esac
done

ensure_packages "${base_packages[@]}" chromium
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  ensure_packages nodejs npm
fi
configure_build -DALGUNA_CONTRACT_BUILD_TESTS=ON -DALGUNA_CONTRACT_WARNINGS_AS_ERRORS=ON
cmake --build "$build_dir" -j "$(build_jobs)" --target alguna-contract >&2
cli="$build_dir/alguna-contract"
document="$repo_root/schemas/openapi.json"
corpus="$repo_root/corpus/scenarios"

node_dir="$build_dir/interop"
mkdir -p "$node_dir"
if [ ! -d "$node_dir/node_modules" ] || ! cmp -s "$repo_root/scripts/interop/package-lock.json" "$node_dir/package-lock.json"; then
  cp "$repo_root/scripts/interop/package.json" "$repo_root/scripts/interop/package-lock.json" "$node_dir/"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
    { echo "interop: npm ci failed in $node_dir" >&2; exit 2; }
fi
bin="$node_dir/node_modules/.bin"

work="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME PATTERN COMMAND...: starts COMMAND in the background, logging to $work/NAME.log, and
# sets $url to the first http URL of a log line matching PATTERN (Prism takes a while to start on
# a loaded machine: up to 120 s).
url=""
start() {
  local name="$1" pattern="$2" log="$work/$1.log" waited=0
  url=""
  shift 2
  "$@" >"$log" 2>&1 &
  pids+=("$!")
  while [ -z "$url" ]; do
    url="$(grep -a "$pattern" "$log" | grep -ao 'http://127\.0\.0\.1:[0-9]*' | head -1 || true)"
    [ -n "$url" ] && break
    if ! kill -0 "${pids[-1]}" 2>/dev/null || [ "$waited" -ge 1200 ]; then
      echo "interop: $name did not start:" >&2
      cat "$log" >&2
      exit 2
    fi
    sleep 0.1
    waited=$(( waited + 1 ))
  done
}

failed=0
result() {  # result CHECK STATUS MESSAGE
  if [ "$2" -eq 0 ]; then echo "interop: $1: ok: $3"; else echo "interop: $1: FAILED: $3"; failed=1; fi
}

# The API key the replays send; a test key that only the local mock and Prism see.
export ALGUNA_API_KEY="sk_test_interop"

check_lint() {
  local status=0
  "$bin/redocly" lint "$document" --max-problems 1000 >"$work/lint.log" 2>&1 || status=$?
  # Redocly exits 0 with warnings: a clean document has neither.
  if [ "$status" -eq 0 ] && grep -q "Your API description is valid" "$work/lint.log" &&
     ! grep -qE "You have [0-9]+ warning" "$work/lint.log"; then
    result lint 0 "redocly lint: no error, no warning"
  else
    cat "$work/lint.log"
    result lint 1 "redocly lint reported problems (above)"
  fi
}

check_mock() {
  local status=0
  start prism-mock "Prism is listening" "$bin/prism" mock -h 127.0.0.1 -p 0 "$document"
  "$cli" replay "$corpus" --base-url "$url" --tag positive --check status,schema -j 1 \
    >"$work/mock-replay.log" 2>&1 || status=$?
  cat "$work/mock-replay.log"
  result mock "$status" "Prism mocking openapi.json answers the positive scenarios by status and schema"
}

# Prism's log, one request at a time (-j 1): "[HTTP SERVER] <method> <path> ... Request received"
# opens a request, "has returned <status>" gives the mock's status, "Violation: request..." and
# "Violation: response..." are its findings. Prints one line per request: status, the number of
# request violations, the number of response violations, method and path.
prism_requests() {
  awk '
    function flush() { if (open) print status, requests, responses, what; open = 0 }
    /\[HTTP SERVER\]/ && /Request received/ {
      flush(); open = 1; status = "none"; requests = 0; responses = 0
      what = $0; sub(/.*\[HTTP SERVER\] /, "", what); sub(/ +[^ ]+ +info +Request received.*/, "", what)
    }
    /has returned [0-9]+/ { match($0, /has returned [0-9]+/); status = substr($0, RSTART + 13, RLENGTH - 13) }
    /Violation: request/ { requests++ }
    /Violation: response/ { responses++ }
    END { flush() }' "$1"
}

check_proxy() {
  local mock_url proxy_url status=0 exchanges requests
  start serve "listening on" "$cli" serve --port 0
  mock_url="$url"
  start prism-proxy "Prism is listening" "$bin/prism" proxy -h 127.0.0.1 -p 0 "$document" "$mock_url"
  proxy_url="$url"
  # The malformed scenarios send bytes no JSON parser should take (a cut-off body, a duplicate
  # key, nesting past our limit): Prism answers the first itself and re-serialises the second, so
  # the mock never sees them as sent. They test the mock's parser, which only a byte-exact
  # client reaches.
  "$cli" replay "$corpus" --base-url "$proxy_url" --exclude-tag malformed -j 1 --report "$work/proxy-report.json" \
    >"$work/proxy-replay.log" 2>&1 || status=$?
  cat "$work/proxy-replay.log"
  result proxy "$status" "the bundled corpus replays green through Prism's validating proxy"

  prism_requests "$work/prism-proxy.log" >"$work/requests.txt"
  exchanges="$(sed -n 's/.*(\([0-9]*\) exchanges with.*/\1/p' "$work/proxy-replay.log")"
  requests="$(wc -l <"$work/requests.txt")"
  if [ "$requests" != "$exchanges" ]; then
    result proxy 1 "Prism logged $requests requests where the replay made ${exchanges:-?} exchanges"
    return
  fi
  local bad_responses flagged_but_accepted flagged refused
  bad_responses="$(awk '$3 > 0' "$work/requests.txt")"
  flagged_but_accepted="$(awk '$2 > 0 && $1 !~ /^4/' "$work/requests.txt")"
  flagged="$(awk '$2 > 0' "$work/requests.txt" | wc -l)"
  refused="$(awk '$1 ~ /^4/' "$work/requests.txt" | wc -l)"
  if [ -n "$bad_responses" ]; then
    grep -a "Violation: response" "$work/prism-proxy.log" >&2 || true
    result proxy 1 "Prism found violations in the mock's answers to: $bad_responses"
  else
    result proxy 0 "Prism found no violation in any of the mock's $requests answers"
  fi
  if [ -n "$flagged_but_accepted" ]; then
    result proxy 1 "Prism calls these requests invalid, but the mock did not refuse them: $flagged_but_accepted"
  else
    # The mock refuses more than Prism flags: unknown ids and routes, idempotency conflicts and
    # our own formats (ISO codes, e-mail rules) are beyond what an OpenAPI validator knows.
    result proxy 0 "each of the $flagged requests Prism calls invalid is one of the $refused the mock refused (4xx)"
  fi
}

check_har() {
  local mock_url replay_url status=0
  if [ ! -f "$repo_root/scripts/interop/record-har.cjs" ]; then
    result har 1 "scripts/interop/record-har.cjs is missing"
    return
  fi
  start serve-har "listening on" "$cli" serve --port 0 --api-key "$ALGUNA_API_KEY"
  mock_url="$url"
  NODE_PATH="$node_dir/node_modules" node "$repo_root/scripts/interop/record-har.cjs" \
    --base-url "$mock_url" --api-key "$ALGUNA_API_KEY" --out "$work/session.har" >"$work/record.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$work/record.log"
    result har 1 "Playwright could not record a HAR"
    return
  fi
  "$cli" import-har "$work/session.har" -o "$work/session.jsonl" || status=$?
  if [ "$status" -ne 0 ]; then
    result har 1 "import-har failed"
    return
  fi
  if grep -q "$ALGUNA_API_KEY" "$work/session.jsonl"; then
    result har 1 "the imported scenarios hold the recorded API key"
    return
  fi
  # A recorded session is one account's history: replay it in order against a fresh mock, as one
  # account (one key), the way it was recorded.
  start serve-replay "listening on" "$cli" serve --port 0
  replay_url="$url"
  "$cli" replay "$work/session.jsonl" --base-url "$replay_url" -j 1 >"$work/har-replay.log" 2>&1 || status=$?
  cat "$work/har-replay.log"
  result har "$status" "a HAR that Playwright recorded from Chromium imports and replays green"
}

for check in "${checks[@]}"; do
  "check_$check"
done
exit "$failed"
