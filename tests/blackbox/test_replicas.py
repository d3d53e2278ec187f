"""Replicas: the test platform runs billing three times and telephony-webhook twice (infra/test.sh,
KX_SCALE). End-of-call reports of several owners go through the gateway, which spreads them over
both telephony-webhook replicas; one billing replica is killed (SIGKILL) mid-burst, and the other
two take over its partitions and charge every call exactly once. Then every replica of both
services is restarted one after the other while a keep-alive client keeps reading and reporting:
it sees no error, and every acknowledged report is stored and charged once. The test kills and
restarts processes of the test platform, so ctest runs it on its own (RUN_SERIAL)."""
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import threading
import time
import unittest
import urllib.parse
import uuid

from kxplatform import GATEWAY, eventually, kill_platform_service, metrics, psql, replica_pids, \
    replica_urls, replicas, start_service, stop
from test_billing import adjust
from test_calls import SECRET, Agent, report

CENTS = 1_000_000


def signed_report(agent):
    body = json.dumps({"message": report("eoc-" + uuid.uuid4().hex, agent.assistant_id)}).encode()
    return body, {"Content-Type": "application/json",
                  "X-Vapi-Signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}


class KeepAlive:
    """One persistent HTTP/1.1 connection to the gateway, as a browser or Vapi keeps one."""

    def __init__(self):
        url = urllib.parse.urlsplit(GATEWAY)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def request(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        res = self.conn.getresponse()
        return res.status, res.read()

    def close(self):
        self.conn.close()


def calls_of(owner):
    return int(psql(f"SELECT count(*) FROM telephony_webhook.calls WHERE user_id = '{owner}'"))


def charges_of(owner):
    return int(psql(f"SELECT count(*) FROM billing.call_charges WHERE user_id = '{owner}'"))


def ledger_matches(owner):
    balance = int(psql(f"SELECT balance_cents FROM billing.accounts WHERE user_id = '{owner}'"))
    ledger = int(psql(f"SELECT COALESCE(sum(amount_cents), 0) FROM billing.ledger_entries "
                      f"WHERE user_id = '{owner}'"))
    return balance == ledger


def requests_served(url):
    return sum(v for (name, _), v in metrics(url).items() if name == "kx_http_requests_total")


def assigned(urls, topic):
    """Partition -> how many of the given processes consume it (kx_consumer_assigned)."""
    owners = {}
    for url in urls:
        for (name, labels), value in metrics(url).items():
            if name == "kx_consumer_assigned" and ("topic", topic) in labels:
                p = int(dict(labels)["partition"])
                owners[p] = owners.get(p, 0) + int(value)
    return owners


class ReplicasTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if len(replica_urls("billing")) < 3 or len(replica_urls("telephony-webhook")) < 2:
            raise unittest.SkipTest("needs KX_TEST_SCALE with billing=3,telephony-webhook=2")
        # Several owners, so their calls fall on several of call.completed's partitions.
        cls.agents = [Agent() for _ in range(4)]
        for a in cls.agents:
            adjust(a.owner, CENTS)

    def assert_every_call_charged_once(self, acknowledged):
        for a in self.agents:
            eventually(lambda: charges_of(a.owner) >= acknowledged[a.owner], timeout=120, interval=0.5)
        time.sleep(2)  # a double charge arriving late would show now
        for a in self.agents:
            self.assertEqual(calls_of(a.owner), acknowledged[a.owner], a.owner)
            self.assertEqual(charges_of(a.owner), acknowledged[a.owner], a.owner)
            self.assertTrue(ledger_matches(a.owner), a.owner)

    def test_1_a_killed_billing_replica_leaves_its_partitions_to_the_others(self):
        before = {a.owner: charges_of(a.owner) for a in self.agents}
        served = [requests_served(u) for u in replica_urls("telephony-webhook")]
        acknowledged = dict(before)
        lock = threading.Lock()
        per_owner = 150
        progress = threading.Event()

        def burst(agent):
            client = KeepAlive()
            for i in range(per_owner):
                body, headers = signed_report(agent)
                status, text = client.request("POST", "/webhooks/vapi", body, headers)
                self.assertEqual(status, 200, text[:300])
                with lock:
                    acknowledged[agent.owner] += 1
                if i == per_owner // 3:
                    progress.set()
            client.close()

        with concurrent.futures.ThreadPoolExecutor(len(self.agents)) as pool:
            futures = [pool.submit(burst, a) for a in self.agents]
            progress.wait(timeout=120)
            # The replica that consumes the most of call.completed's partitions.
            urls = replica_urls("billing")
            names = [name for name, _, _ in replicas("billing")]
            mine = [sum(v for p, v in assigned([u], "call.completed").items()) for u in urls]
            victim = names[mine.index(max(mine))]
            restart = kill_platform_service("billing", victim)
            print(f"\nkilled {victim} (it had {max(mine)} partitions of call.completed) mid-burst",
                  flush=True)
            for f in futures:
                f.result()

        try:
            self.assertGreater(sum(acknowledged.values()) - sum(before.values()), 0)
            # Without the killed replica: the other two own every partition, each exactly once.
            rest = [u for n, u in zip(names, urls) if n != victim]
            # (kx_consumer_assigned lists every partition of the topic, 0 or 1 per process.)
            def taken_over():
                owners = assigned(rest, "call.completed")
                return owners if owners and all(n == 1 for n in owners.values()) else None
            eventually(taken_over, timeout=60, interval=0.5)
            self.assert_every_call_charged_once(acknowledged)
            # The gateway spread the reports over both telephony-webhook replicas.
            now = [requests_served(u) for u in replica_urls("telephony-webhook")]
            for old, new in zip(served, now):
                self.assertGreater(new - old, 50, (served, now))
        finally:
            restart()

    def test_2_a_rolling_restart_of_every_replica_loses_no_request(self):
        acknowledged = {a.owner: charges_of(a.owner) for a in self.agents}
        owner_browser = self.agents[0].browser
        stop_flag = threading.Event()
        errors = []
        counts = {"reads": 0, "reports": 0}

        def reader():
            client = KeepAlive()
            cookie = "; ".join(f"{c.name}={c.value}" for c in owner_browser.jar)
            while not stop_flag.is_set():
                for path in ("/api/credits", "/api/calls?limit=5"):
                    try:
                        status, body = client.request("GET", path, headers={"Cookie": cookie})
                    except (OSError, http.client.HTTPException) as e:
                        errors.append(f"GET {path}: {e!r}")
                        client.close()
                        client = KeepAlive()
                        continue
                    if status != 200:
                        errors.append(f"GET {path}: {status} {body[:200]!r}")
                    counts["reads"] += 1
            client.close()

        def reporter(agent):
            client = KeepAlive()
            while not stop_flag.is_set():
                body, headers = signed_report(agent)
                try:
                    status, text = client.request("POST", "/webhooks/vapi", body, headers)
                except (OSError, http.client.HTTPException) as e:
                    errors.append(f"report: {e!r}")
                    client.close()
                    client = KeepAlive()
                    continue
                if status == 200:
                    acknowledged[agent.owner] += 1
                    counts["reports"] += 1
                else:
                    errors.append(f"report: {status} {text[:200]!r}")
                time.sleep(0.02)
            client.close()

        threads = [threading.Thread(target=reader)] + \
                  [threading.Thread(target=reporter, args=(a,)) for a in self.agents[:2]]
        for t in threads:
            t.start()
        try:
            time.sleep(1)
            for service in ("telephony-webhook", "billing"):
                for name, port, pid_file in replicas(service):
                    pid = replica_pids(service)[name]
                    stop(pid)  # SIGTERM: it drains, the gateway sends its requests elsewhere
                    new = start_service(service, port, f"{name}.log")
                    with open(pid_file, "w") as f:
                        f.write(str(new))
                    time.sleep(1)
        finally:
            stop_flag.set()
            for t in threads:
                t.join(timeout=60)
        print(f"\nrolling restart: {counts['reads']} reads, {counts['reports']} reports, "
              f"{len(errors)} errors", flush=True)
        self.assertEqual(errors, [])
        self.assertGreater(counts["reads"], 50)
        self.assertGreater(counts["reports"], 20)
        self.assert_every_call_charged_once(acknowledged)


if __name__ == "__main__":
    unittest.main()
