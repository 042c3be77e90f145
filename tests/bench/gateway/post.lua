-- wrk script of tests/bench/gateway.sh: POSTs $BENCH_BODY with the headers of $BENCH_HEADERS (one "Name: value" a
-- line). With $BENCH_REQUESTS set, each thread stops after that many responses (a fixed-size run).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

local limit = tonumber(os.getenv("BENCH_REQUESTS") or "")
if limit then
  local done = 0
  function response()
    done = done + 1
    if done >= limit then wrk.thread:stop() end
  end
end
