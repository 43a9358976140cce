-- wrk script for bench/run.sh: POSTs a fixed JSON body and, when the run ends, prints one line
--   BENCHJSON {...}
-- with the request count, error counts and latency percentiles in microseconds.
--
-- Environment:
--   BENCH_BODY_FILE     request body (JSON) for every request (required)
--   BENCH_AUTH          value of the Authorization header (optional)
--   BENCH_MIX_PATH      soak mode: every BENCH_MIX_EVERY-th request (default 4) goes to this path
--   BENCH_MIX_BODY_FILE   ... with this body (the streaming request)
--   BENCH_MIX_EVERY

local function slurp(path)
  local f = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
  local s = f:read("*a")
  f:close()
  return s
end

wrk.method = "POST"
wrk.body = slurp(assert(os.getenv("BENCH_BODY_FILE"), "BENCH_BODY_FILE is not set"))
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "*/*"
local auth = os.getenv("BENCH_AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local mix_path = os.getenv("BENCH_MIX_PATH")
if mix_path and mix_path ~= "" then
  -- Only defined in soak mode: a Lua request() costs wrk a little per request.
  local every = tonumber(os.getenv("BENCH_MIX_EVERY") or "4")
  local mix_body = slurp(os.getenv("BENCH_MIX_BODY_FILE"))
  local plain, mixed, n
  function init(args)
    plain = wrk.format(nil, nil, nil, wrk.body)
    mixed = wrk.format(nil, mix_path, nil, mix_body)
    n = 0
  end
  function request()
    n = n + 1
    if n % every == 0 then return mixed end
    return plain
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local function p(q) return math.floor(latency:percentile(q) + 0.5) end
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"p99_9":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency.min, latency.mean, latency.stdev, p(50), p(90), p(99), p(99.9), latency.max))
end
