-- wrk script: POSTs a GraphQL body, optionally with a bearer token, and prints one JSON line at the end.
-- Env: BENCH_BODY (the JSON body), BENCH_TOKEN (optional), BENCH_IDS (optional file, one id per line),
--      BENCH_TAG (a per-round prefix), BENCH_METHOD (GET: no body, e.g. a calendar feed; default POST).
-- With BENCH_IDS, "__ID__" in the body cycles through the ids and "__N__" becomes a value never sent
-- before, so every write really changes the document (the server skips writes that change nothing).
local body = os.getenv("BENCH_BODY") or "{}"
local token = os.getenv("BENCH_TOKEN") or ""
local ids_path = os.getenv("BENCH_IDS") or ""
local run_tag = os.getenv("BENCH_TAG") or "r"
local method = os.getenv("BENCH_METHOD") or "POST"

wrk.method = method
if method == "POST" then
  wrk.headers["Content-Type"] = "application/json"
end
if token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local ids = {}
if ids_path ~= "" then
  for line in io.lines(ids_path) do
    if line ~= "" then ids[#ids + 1] = line end
  end
end

if method ~= "POST" then
  wrk.body = nil
elseif #ids == 0 then
  wrk.body = body -- static: wrk builds the request once, no Lua per request
else
  local counter = 0
  function request()
    counter = counter + 1
    local id = ids[(counter % #ids) + 1]
    local value = run_tag .. "-" .. tostring(tid) .. "-" .. tostring(counter)
    local text = body:gsub("__ID__", id)
    text = text:gsub("__N__", value)
    return wrk.format(nil, nil, nil, text)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
