-- wrk script for scripts/bench-mock.sh: PATCH /customers/cust_abc123 with a small valid body, the
-- headers the endpoint requires, and a count of every answer that is not 200.
--
--   wrk -t2 -c8 -d10s --latency -s bench/mock_load.lua http://127.0.0.1:PORT [-- fixed]
--
-- By default every request renames the customer ("Acme Corp <thread>-<n>"), so each PATCH really
-- changes it (a PATCH that changes nothing may take a shorter path in the mock). `-- fixed` sends
-- the same body every time. The same script is run against the trivial server, so the client's own
-- cost is the same on both sides.
--
-- At the end it prints, besides wrk's own report, one line for the script that drives it:
--   RESULT requests=N duration_us=N rps=X p50_us=N p99_us=N max_us=N non200=N statuses=CODE:N,...
--          connect_errors=N read_errors=N write_errors=N timeouts=N
-- A run with any non-200 answer or socket error is a failed run, not a fast one.

wrk.method = "PATCH"
wrk.path = "/customers/cust_abc123"
wrk.headers["Authorization"] = "Bearer sk_test_bench"
wrk.headers["Alguna-Version"] = "2026-04-01"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"Acme Corp","currency":"EUR"}'

-- Main state: collects the threads so that done() can read their counters.
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

-- Thread states from here on (each wrk thread has its own Lua state).
local fixed_request = nil
local sent = 0
non200 = 0
statuses = {}

function init(args)
  if args[1] == "fixed" then
    fixed_request = wrk.format()
  elseif args[1] ~= nil then
    error("mock_load.lua: unknown argument '" .. tostring(args[1]) .. "' (expected: fixed)")
  end
end

function request()
  if fixed_request then
    return fixed_request
  end
  sent = sent + 1
  local body = string.format('{"name":"Acme Corp %d-%d","currency":"EUR"}', thread_id or 0, sent)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non200") or 0)
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  local codes = {}
  for status, _ in pairs(by_status) do
    table.insert(codes, status)
  end
  table.sort(codes)
  local parts = {}
  for _, status in ipairs(codes) do
    table.insert(parts, string.format("%d:%d", status, by_status[status]))
  end
  local status_text = #parts > 0 and table.concat(parts, ",") or "-"

  local seconds = summary.duration / 1e6
  local rps = seconds > 0 and summary.requests / seconds or 0
  local e = summary.errors
  if bad > 0 then
    io.write(string.format("mock_load.lua: %d answers were not 200 (%s)\n", bad, status_text))
  end
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d non200=%d statuses=%s " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, rps,
    latency:percentile(50), latency:percentile(99), latency.max,
    bad, status_text, e.connect, e.read, e.write, e.timeout))
end
