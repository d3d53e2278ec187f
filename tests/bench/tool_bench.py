#!/usr/bin/env python3
"""Setup and analysis for tests/bench/run_tool_bench.sh on the running local platform (infra/up.sh).

  tool_bench.py setup
      A fresh owner with Google connected through the sandbox's consent page and an agent open
      08:00–20:00 every day in Berlin, routed by telephony-webhook and known to integrations (the
      black-box tests' BookingAgent). A second grant for the same Google account, obtained
      straight from the sandbox, lets the script send the same freeBusy request without us in
      between. Prints one JSON line: assistant_id, phone_number_id, e164, access_token,
      free_busy (the request body integrations sends for "morgen").
  tool_bench.py sandbox-time LOG SINCE PATH_PREFIX
      p50/p99 of the sandbox's own time (its request log's duration_ms, from the header read to
      the answer written) for requests under PATH_PREFIX logged at or after SINCE (ISO UTC).
  tool_bench.py hops GATEWAY_LOG INTEGRATIONS_LOG SINCE
      Per tool call (matched by request id): the gateway's whole time and integrations' time;
      their difference is what the gateway and telephony-webhook add.
"""
import datetime
import json
import os
import sys
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
# The black-box helpers read the platform's addresses from the test environment.
os.environ.setdefault("KX_TEST_GATEWAY_URL", os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"))
sys.path.insert(0, os.path.join(ROOT, "tests/blackbox"))


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(p * (len(sorted_values) - 1) + 0.5))]


def summary(values):
    values = sorted(values)
    return {"count": len(values), "p50_ms": round(percentile(values, 0.5), 3),
            "p99_ms": round(percentile(values, 0.99), 3), "max_ms": round(values[-1], 3) if values else 0}


def log_lines(path, since):
    with open(path, errors="replace") as f:
        for line in f:
            if '"msg":"request"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("ts", "") >= since:
                yield entry


def setup():
    from test_integrations import SANDBOX, BookingAgent, ConsentForm, sandbox_call, tomorrow_at

    agent = BookingAgent()
    query = urllib.parse.urlencode({
        "client_id": os.environ["GOOGLE_CLIENT_ID"], "redirect_uri": os.environ["GOOGLE_REDIRECT_URI"],
        "response_type": "code", "state": "bench", "access_type": "offline",
        "scope": "openid email https://www.googleapis.com/auth/calendar.freebusy"})
    status, _, page = sandbox_call("GET", "/google/o/oauth2/v2/auth?" + query)
    assert status == 200, page[:300]
    form = ConsentForm(page.decode())
    status, headers, _ = sandbox_call("POST", form.action, form=dict(
        form.hidden, email=agent.email, decision="allow", granted=form.scopes))
    assert status == 302, status
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(headers["Location"]).query)["code"][0]
    status, _, body = sandbox_call("POST", "/google/token", form={
        "grant_type": "authorization_code", "code": code, "redirect_uri": os.environ["GOOGLE_REDIRECT_URI"],
        "client_id": os.environ["GOOGLE_CLIENT_ID"], "client_secret": os.environ["GOOGLE_CLIENT_SECRET"]})
    assert status == 200, body
    day_start = tomorrow_at(0, 0)
    free_busy = {"timeMin": day_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "timeMax": (day_start + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "items": [{"id": "primary"}]}
    print(json.dumps({"assistant_id": agent.assistant_id, "phone_number_id": agent.number_id,
                      "e164": agent.e164, "access_token": json.loads(body)["access_token"],
                      "free_busy": json.dumps(free_busy), "sandbox": SANDBOX}))


def sandbox_time(log, since, prefix):
    durations = [e["duration_ms"] for e in log_lines(log, since) if e.get("path", "").startswith(prefix)]
    print(json.dumps(dict({"measure": f"sandbox's own time for {prefix}"}, **summary(durations))))


def hops(gateway_log, integrations_log, since):
    gateway = {e["request_id"]: e["duration_ms"] for e in log_lines(gateway_log, since)
               if e.get("path") == "/webhooks/vapi" and e.get("status") == 200}
    integrations = {e["request_id"]: e["duration_ms"] for e in log_lines(integrations_log, since)
                    if e.get("path") == "/internal/tools/execute" and e.get("status") == 200}
    both = [rid for rid in integrations if rid in gateway]
    print(json.dumps(dict({"measure": "gateway + telephony-webhook (gateway's time minus integrations')"},
                          **summary([gateway[r] - integrations[r] for r in both]))))
    print(json.dumps(dict({"measure": "integrations' time (with its Google requests)"},
                          **summary([integrations[r] for r in both]))))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "setup":
        setup()
    elif command == "sandbox-time" and len(sys.argv) == 5:
        sandbox_time(*sys.argv[2:])
    elif command == "hops" and len(sys.argv) == 5:
        hops(*sys.argv[2:])
    else:
        sys.exit(__doc__)
