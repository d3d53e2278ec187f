"""Nothing lost silently between services: billing's reconciliation with telephony-webhook.

The dev broker keeps everything in memory, so killing it loses events it had already acknowledged;
a real broker can do the same after an unclean failover. These tests lose call.completed events
on purpose and check that billing notices (admin view, metrics) and has telephony-webhook publish
them again from its own records, under their original event ids, until every call is charged
exactly once. The platform runs with RECONCILE_INTERVAL_MS / RECONCILE_SETTLE_MS from
infra/dev/dev.env (a few seconds)."""
import concurrent.futures
import datetime
import os
import subprocess
import threading
import time
import unittest
import urllib.request
import uuid

import kxplatform
from kxplatform import ROOT, eventually, kill_broker, psql
from test_billing import admin
from test_calls import Agent, call_obj, post_vapi

STATE = os.environ["KX_TEST_STATE_DIR"]
CALLS = 1000
KILL_AFTER = 400  # acknowledged reports before the broker dies
SERVICES = ["gateway", "auth", "agent", "telephony-webhook", "billing", "integrations"]
# 94 s of talk: two started minutes at the default 15 cents.
CALL_SECONDS = 94
CALL_CENTS = 30


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def report(vapi_call_id, assistant_id, web=False):
    """An answered call that ended just now (the reconciliation looks at recent days); a web call
    is a free test call."""
    ended = datetime.datetime.now(datetime.timezone.utc)
    started = ended - datetime.timedelta(seconds=CALL_SECONDS)
    return {"type": "end-of-call-report", "endedReason": "customer-ended-call",
            "startedAt": iso(started), "endedAt": iso(ended), "cost": 0.1,
            "call": call_obj(vapi_call_id, assistant_id, "ended", web),
            "artifact": {"messages": [{"role": "bot", "message": "Guten Tag!",
                                       "time": int(started.timestamp() * 1000)}]},
            "analysis": {"summary": "Kurzer Anruf."}}


def vapi_call_id(owner, i):
    return f"recon-{owner[:8]}-{i:04d}"


def lib(script, env=None):
    """Runs infra/lib.sh functions with the platform's environment (and `env` on top)."""
    full = dict(os.environ)
    full.update(env or {})
    full["STATE"] = STATE
    subprocess.run(["bash", "-c", f'set -e; . "{ROOT}/infra/lib.sh"; {script}'], env=full,
                   check=True, timeout=300)


def start_broker():
    """A new, empty dev broker the way infra/lib.sh starts it; returns its bootstrap servers."""
    bootstrap_file = os.path.join(STATE, "kafka.bootstrap")
    if os.path.exists(bootstrap_file):
        os.remove(bootstrap_file)
    binary = os.path.join(ROOT, "build/infra/dev-broker/kx-dev-broker")
    out = subprocess.run(
        ["bash", "-c", 'setsid "$0" --schemas "$1" --bootstrap-file "$2" >>"$3" 2>&1 </dev/null & echo $!',
         binary, os.path.join(ROOT, "proto-schemas/events"), bootstrap_file,
         os.path.join(STATE, "logs", "broker.log")],
        capture_output=True, text=True, check=True)
    with open(os.path.join(STATE, "pids", "broker.pid"), "w") as f:
        f.write(out.stdout.strip())

    def written():
        if not os.path.exists(bootstrap_file):
            return None
        with open(bootstrap_file) as f:
            return f.read().strip()
    return eventually(written, timeout=30)


def restart_broker_with_services():
    """The dev broker comes back empty on new ports, so every service restarts with it."""
    names = " ".join(SERVICES)
    lib(f'stop_services "$STATE" {names}')
    bootstrap = start_broker()
    os.environ["KAFKA_BOOTSTRAP"] = bootstrap
    os.environ["KX_TEST_KAFKA_BOOTSTRAP"] = bootstrap
    lib(f'start_services "$STATE" {names}', {"KAFKA_BOOTSTRAP": bootstrap})


def replica_urls(service):
    if hasattr(kxplatform, "replica_urls"):
        return kxplatform.replica_urls(service)
    return [kxplatform.service_url(service)]


def metric(url, name):
    """The value of `name` (any labels) summed, from one replica's /metrics."""
    with urllib.request.urlopen(url + "/metrics", timeout=5) as res:
        text = res.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{") or line.startswith(name + " "))


def charged(owner):
    return int(psql(f"SELECT count(*) FROM billing.call_charges WHERE user_id = '{owner}'"))


def recent_runs(limit=100):
    res = admin().get(f"/api/admin/billing/reconciliation/calls?limit={limit}")
    assert res.status == 200, res.body
    return res.json()["runs"]


class ReconciliationTest(unittest.TestCase):
    def test_broker_killed_mid_burst_every_call_charged_once(self):
        agent = Agent()
        owner = agent.owner
        res = admin().post("/api/admin/credits/adjust", {
            "user_id": owner, "cents": CALLS * CALL_CENTS * 2, "reason": "Testguthaben",
            "request_key": str(uuid.uuid4())})
        self.assertEqual(res.status, 201, res.body)

        # billing takes no part in the burst: everything the broker acknowledged before it dies
        # is then certainly lost for billing.
        lib('stop_services "$STATE" billing')
        acked = []
        lock = threading.Lock()
        killed = threading.Event()

        def published():  # call.completed events of this owner the relay handed to the broker
            return int(psql("SELECT count(*) FROM telephony_webhook.outbox WHERE topic = "
                            f"'call.completed' AND event_key = '{owner}' AND published_at IS NOT NULL"))

        def send(i):
            status, _ = post_vapi(report(vapi_call_id(owner, i), agent.assistant_id))
            with lock:
                if status == 200:
                    acked.append(i)
                # Only what the broker acknowledged is certainly lost with it: the kill waits
                # until the relay has published some (it may lag the answers by a moment).
                if len(acked) >= KILL_AFTER and not killed.is_set() and published() >= KILL_AFTER // 4:
                    killed.set()
                    kill_broker()
            return status

        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(send, range(CALLS)))
        self.assertTrue(killed.is_set())
        self.assertGreaterEqual(len(acked), KILL_AFTER)

        restart_broker_with_services()
        # What was not acknowledged while the broker was gone, Vapi would send again.
        for i, status in enumerate(statuses):
            if status != 200:
                eventually(lambda: post_vapi(report(vapi_call_id(owner, i), agent.assistant_id))[0]
                           == 200, timeout=30)
        completed = int(psql("SELECT count(*) FROM telephony_webhook.calls "
                             f"WHERE user_id = '{owner}' AND completed_published"))
        self.assertEqual(completed, CALLS)
        eventually(lambda: charged(owner) >= CALLS, timeout=240, interval=1)

        # Found and repaired by the reconciliation, shown to the admin per owner and day.
        runs = recent_runs()
        self.assertGreater(sum(r["republished"] for r in runs), 0)
        found = [r for r in runs if any(d["user_id"] == owner for d in r["drift"])]
        self.assertTrue(found, runs[:3])
        first = [d for d in found[-1]["drift"] if d["user_id"] == owner]
        self.assertGreater(sum(d["missing"] for d in first), 0)
        self.assertEqual(sum(d["republished"] for d in first), sum(d["missing"] for d in first))
        self.assertLessEqual(sum(d["charged"] for d in first), CALLS)
        self.assertEqual(sum(metric(u, "kx_reconciliation_republished_total")
                             for u in replica_urls("billing")) > 0, True)

        # Every call charged exactly once, and billing's books agree with themselves.
        time.sleep(8)  # further runs and redeliveries would show up as double charges now
        self.assertEqual(charged(owner), CALLS)
        rows = psql("SELECT count(*), count(DISTINCT reference), coalesce(sum(amount_cents), 0) "
                    f"FROM billing.ledger_entries WHERE user_id = '{owner}' AND kind = 'call_usage'")
        self.assertEqual(rows, f"{CALLS}|{CALLS}|{-CALLS * CALL_CENTS}")
        self.assertEqual(psql("SELECT a.balance_cents = coalesce(sum(e.amount_cents), 0) "
                              "FROM billing.accounts a JOIN billing.ledger_entries e USING (user_id) "
                              f"WHERE a.user_id = '{owner}' GROUP BY a.balance_cents"), "t")
        # Once repaired, the latest run on every replica reports no missing call.
        eventually(lambda: all(metric(u, "kx_reconciliation_missing") == 0
                               for u in replica_urls("billing")), timeout=30)

    def test_reconcile_now_republishes_under_the_original_event_id(self):
        agent = Agent()
        vapi_call_id = f"recon-now-{uuid.uuid4().hex[:12]}"
        self.assertEqual(post_vapi(report(vapi_call_id, agent.assistant_id, web=True))[0], 200)
        call_id, event_id = psql("SELECT id, completed_event_id FROM telephony_webhook.calls "
                                 f"WHERE vapi_call_id = '{vapi_call_id}'").split("|")
        eventually(lambda: charged(agent.owner) == 1, timeout=30)

        self.assertEqual(psql("SELECT outcome FROM billing.call_charges "
                              f"WHERE call_id = '{call_id}'"), "free_test_call")

        # As if billing had never seen the event: its decision and its inbox row are gone (a free
        # test call, so no ledger entry hangs on the decision).
        psql(f"DELETE FROM billing.call_charges WHERE call_id = '{call_id}'; "
             f"DELETE FROM billing.inbox WHERE event_id = '{event_id}'")
        time.sleep(6)  # older than RECONCILE_SETTLE_MS

        owner_browser = agent.browser
        self.assertEqual(owner_browser.post("/api/admin/billing/reconciliation/calls").status, 403)
        res = admin().post("/api/admin/billing/reconciliation/calls")
        if res.status == 409:  # the scheduled run was going on: it repairs the call as well
            res = eventually(lambda: (r := admin().post("/api/admin/billing/reconciliation/calls"))
                             .status == 200 and r, timeout=30)
        self.assertEqual(res.status, 200, res.body)
        eventually(lambda: charged(agent.owner) == 1, timeout=30)
        drift = [d for r in recent_runs(20) for d in r["drift"] if d["user_id"] == agent.owner]
        self.assertEqual([(d["missing"], d["republished"]) for d in drift], [(1, 1)])
        # The same event again, not a new one: the inbox holds the original id once more.
        self.assertEqual(psql(f"SELECT count(*) FROM billing.inbox WHERE event_id = '{event_id}'"), "1")
        audit = psql("SELECT count(*) FROM billing.outbox WHERE topic = 'admin.action' "
                     "AND data LIKE '%billing.reconcile%'")
        self.assertGreater(int(audit), 0)


if __name__ == "__main__":
    unittest.main()
