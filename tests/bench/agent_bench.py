#!/usr/bin/env python3
"""Agents at scale on the running local platform (infra/up.sh), through the real API:

1. puts AGENTS numbers into the Vapi sandbox and imports them into the pool (admin API),
2. creates AGENTS agents for AGENTS/20 owners, measuring how long until every assistant exists
   in the sandbox and every agent is in telephony-webhook's routing copy,
3. measures the time from an edit (PATCH /api/agents/{id}) to the sandbox assistant having it,
   EDITS times, one edit at a time.

Prints one JSON line per measurement; run_agent_bench.sh then drives kx-vapi-bench against one of
the numbers. Not a test: the numbers depend on the machine (docs/performance.md records them).
  tests/bench/agent_bench.py [AGENTS] [EDITS]
"""
import http.cookiejar
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080")
SANDBOX = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8090")
VAPI_KEY = os.environ["VAPI_API_KEY"]
PASSWORD = "Bench-Passwort-2026-lang"
PER_OWNER = 20


class Session:
    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = None

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(GATEWAY + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.csrf:
            req.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(req, timeout=60) as res:
                status, raw = res.status, res.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        return status, (json.loads(raw) if raw else None)

    def csrf_from(self):
        for h in self.opener.handlers:
            if isinstance(h, urllib.request.HTTPCookieProcessor):
                for c in h.cookiejar:
                    if c.name == "kx_csrf":
                        self.csrf = c.value


def signed_up():
    s = Session()
    status, body = s.call("POST", "/api/auth/register", {"email": f"bench-{uuid.uuid4().hex[:10]}@example.de",
                                                         "password": PASSWORD, "name": "Bench"})
    assert status == 201, body
    s.csrf_from()
    return s


def admin():
    email = f"bench-admin-{uuid.uuid4().hex[:8]}@example.de"
    out = subprocess.run([os.path.join(ROOT, "infra/admin.sh"), "create-admin", "--email", email],
                         capture_output=True, text=True, check=True)
    password = out.stdout.strip().splitlines()[-1].split(": ")[-1]
    s = Session()
    status, body = s.call("POST", "/api/auth/login", {"email": email, "password": password})
    assert status == 200, body
    s.csrf_from()
    return s


def vapi(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{SANDBOX}/vapi{path}", data=data, method=method)
    req.add_header("Authorization", f"Bearer {VAPI_KEY}")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.loads(res.read() or b"null")


def psql(sql):
    uri = open(os.path.join(ROOT, ".run/postgres.uri")).read().strip().rsplit("/", 1)[0] + "/kametrix"
    return subprocess.run(["psql", "-X", "-q", "-t", "-A", uri, "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    agents_wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    edits = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    run = uuid.uuid4().hex[:6]
    # 1. Numbers in Vapi (bought or connected there), imported into the pool.
    free = int(psql("SELECT count(*) FROM agent.phone_numbers WHERE agent_id IS NULL AND removed_at IS NULL"))
    for i in range(max(0, agents_wanted - free)):
        vapi("POST", "/phone-number", {"provider": "byo-phone-number", "number": f"+4989{run_digits(run)}{i:05d}",
                                       "credentialId": "bench-credential"})
    a = admin()
    status, imported = a.call("POST", "/api/admin/phone-numbers/sync")
    assert status == 200, imported

    # 2. Agents through the API, then wait for Vapi and the routing copy.
    start = time.monotonic()
    created = []
    create_ms = []
    owner = None
    for i in range(agents_wanted):
        if i % PER_OWNER == 0:
            owner = signed_up()
        t = time.monotonic()
        status, agent = owner.call("POST", "/api/agents", {
            "name": f"Bench {run} {i}", "greeting": "Guten Tag, hier ist der Bench-Empfang.",
            "business_type": "services"})
        create_ms.append((time.monotonic() - t) * 1000)
        assert status == 201, agent
        created.append((owner, agent["id"]))
    ids = "','".join(a_id for _, a_id in created)
    while int(psql(f"SELECT count(*) FROM agent.agents WHERE id IN ('{ids}') AND sync_state = 'synced' "
                   "AND vapi_assistant_id IS NOT NULL")) < agents_wanted:
        time.sleep(0.2)
    synced_s = time.monotonic() - start
    while int(psql(f"SELECT count(*) FROM telephony_webhook.phone_numbers WHERE agent_id IN ('{ids}')")) \
            < agents_wanted:
        time.sleep(0.2)
    routed_s = time.monotonic() - start
    print(json.dumps({"measure": "create", "agents": agents_wanted,
                      "post_p50_ms": round(percentile(create_ms, 50), 1),
                      "post_p99_ms": round(percentile(create_ms, 99), 1),
                      "all_synced_s": round(synced_s, 1), "all_routed_s": round(routed_s, 1),
                      "routing_copy_agents": int(psql("SELECT count(*) FROM telephony_webhook.agents"))}))

    # 3. Edit → the sandbox assistant has it, one edit at a time.
    owner, agent_id = created[0]
    _, agent = owner.call("GET", f"/api/agents/{agent_id}")
    assistant = agent["vapi_assistant_id"]
    lag_ms = []
    for i in range(edits):
        greeting = f"Guten Tag, Fassung {i}."
        t = time.monotonic()
        status, _ = owner.call("PATCH", f"/api/agents/{agent_id}", {"greeting": greeting})
        assert status == 200
        while vapi("GET", f"/assistant/{assistant}")["firstMessage"] != greeting:
            time.sleep(0.005)
        lag_ms.append((time.monotonic() - t) * 1000)
    print(json.dumps({"measure": "edit_to_vapi", "edits": edits,
                      "p50_ms": round(percentile(lag_ms, 50), 1), "p99_ms": round(percentile(lag_ms, 99), 1),
                      "max_ms": round(max(lag_ms), 1), "mean_ms": round(statistics.mean(lag_ms), 1)}))
    # For run_agent_bench.sh: one of the numbers.
    _, last = created[-1][0].call("GET", f"/api/agents/{created[-1][1]}")
    number_id = psql(f"SELECT vapi_phone_number_id FROM agent.phone_numbers WHERE e164 = '{last['phone_number']}'")
    print(json.dumps({"measure": "target", "assistant_id": last["vapi_assistant_id"],
                      "phone_number_id": number_id, "e164": last["phone_number"]}))


def run_digits(run):
    return str(int(run, 16) % 1000).zfill(3)


if __name__ == "__main__":
    main()
