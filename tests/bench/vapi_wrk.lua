-- wrk script: POSTs pre-signed Vapi server messages, each once, and checks the answers.
--   kx-vapi-bench --emit N ... > requests.tsv    (one "signature<TAB>body" per line)
--   VAPI_REQUESTS=requests.tsv VAPI_THREADS=2 VAPI_CHECK=tool wrk -t2 -c32 -d10s -s vapi_wrk.lua URL
-- VAPI_THREADS must equal wrk's -t (a thread's Lua state cannot see how many there are when it
-- reads its share of the file).
-- The messages are signed before the run, so the load generator spends its share of the cores
-- on sending, as the original's wrk scripts did, not on JSON and HMAC. Thread i of n sends lines
-- i, i+n, ...; a thread that runs out stops sending (wrk then counts fewer requests, and
-- `exhausted` in the result says so: emit more). VAPI_CHECK=tool counts an answer as an error
-- unless it is a sentence with a time in it other than telephony-webhook's apology; otherwise
-- every status but 200 is one.
-- The last line printed is JSON: throughput_rps, p50_ms, p99_ms, errors, requests (answered),
-- sent (written, answered or not when the time ran out) and exhausted.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local signed = {}
local next_request = 1

function init(args)
  local file = assert(io.open(assert(os.getenv("VAPI_REQUESTS"), "VAPI_REQUESTS"), "r"))
  local n = tonumber(os.getenv("VAPI_THREADS") or "2")
  local line_number = 0
  for line in file:lines() do
    if line_number % n == index then
      local tab = line:find("\t", 1, true)
      signed[#signed + 1] = wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["X-Vapi-Signature"] = line:sub(1, tab - 1),
      }, line:sub(tab + 1))
    end
    line_number = line_number + 1
  end
  file:close()
  check_tool = os.getenv("VAPI_CHECK") == "tool"
  bad = 0
  sent = 0
  exhausted = 0
end

function request()
  if next_request > #signed then
    exhausted = 1
    wrk.thread:stop()
    return signed[#signed]  -- wrk needs a request; the run counts as failed anyway
  end
  local r = signed[next_request]
  next_request = next_request + 1
  sent = sent + 1
  return r
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  elseif check_tool and (not body:find("Uhr", 1, true) or body:find("Kalender", 1, true)) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total, sent_total, exhausted_any = 0, 0, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    sent_total = sent_total + thread:get("sent")
    exhausted_any = math.max(exhausted_any, thread:get("exhausted"))
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    '{"throughput_rps":%.1f,"p50_ms":%.2f,"p99_ms":%.2f,"errors":%d,"requests":%d,"sent":%d,"exhausted":%s}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, bad_total + socket_errors, summary.requests, sent_total,
    exhausted_any == 1 and "true" or "false"))
end
