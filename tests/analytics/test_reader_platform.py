"""The example analytics reader (reader.py) against the running test platform, as an outside team
would run it: an owner signs up, creates an agent, takes a call, buys and is given credits, and
deletes the account, all through the public API (and Vapi's and Stripe's webhooks); the reader,
a consumer group of its own, reads every topic and dead-letter topic from the beginning,
validates every event against its schema and the envelope rules, and stores each event id once.
One event is then published again as the outbox relay does after a crash (same id): the reader
counts it as a duplicate and stores nothing new. Other tests' made-up events share the topics,
so only the rejected events of this test's owner fail it (the others are printed)."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../blackbox"))

from kxplatform import PASSWORD, ROOT, eventually  # noqa: E402
from test_billing import adjust, balance, bootstrap, sandbox_request  # noqa: E402
from test_calls import Agent, post_vapi, report, status  # noqa: E402

READER = os.path.join(HERE, "reader.py")

BEFORE_DELETION = {"user.registered", "user.updated", "agent.created", "phone_number.assigned",
                   "agent.updated", "call.started", "call.completed", "credits.deducted",
                   "credits.purchased", "credits.adjusted", "admin.action"}
AFTER_DELETION = {"user.deleted", "session.revoked"}


class AnalyticsReaderTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.mkdtemp(prefix="kx-analytics-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        self.db_path = os.path.join(tmp, "analytics.sqlite")
        self.group = f"analytics-test-{uuid.uuid4().hex[:8]}"

    def read(self):
        """One run of the reader up to the end of every partition (it resumes where the last
        run of the group committed); returns its summary."""
        out = subprocess.run(
            [sys.executable, READER, "--bootstrap", bootstrap(), "--schemas",
             os.path.join(ROOT, "proto-schemas/events"), "--db", self.db_path, "--group", self.group,
             "--dead-letters", "--until-end", "--max-seconds", "120"],
            capture_output=True, text=True, timeout=180)
        # Exit 1 means something was rejected; whose it was is judged from the database below.
        self.assertIn(out.returncode, (0, 1), out.stderr)
        return json.loads(out.stdout.strip().splitlines()[-1])

    def query(self, sql, *args):
        with sqlite3.connect(self.db_path) as db:
            return db.execute(sql, args).fetchall()

    def owner_types(self, owner):
        return {t.rsplit(".", 1)[0] for (t,) in self.query("SELECT ce_type FROM events WHERE key = ?", owner)}

    def read_until(self, owner, types):
        def seen():
            self.read()
            return types <= self.owner_types(owner)
        try:
            eventually(seen, timeout=120, interval=0.5)
        except AssertionError:
            self.fail(f"never read {sorted(types - self.owner_types(owner))} of owner {owner}")

    def test_every_topic_read_validated_and_deduplicated(self):
        agent = Agent()
        owner, b = agent.owner, agent.browser
        res = b.request("PATCH", f"/api/agents/{agent.agent_id}", {"greeting": "Praxis Analyse, guten Tag!"})
        self.assertEqual(res.status, 200, res.body)
        call_id = f"analytics-{uuid.uuid4().hex[:12]}"
        self.assertEqual(post_vapi(status(call_id, agent.assistant_id, "in-progress"))[0], 200)
        self.assertEqual(post_vapi(report(call_id, agent.assistant_id))[0], 200)
        checkout = b.post("/api/checkout", {"pack_id": "starter"})
        self.assertEqual(checkout.status, 201, checkout.body)
        self.assertEqual(sandbox_request("POST", checkout.json()["url"] + "/pay", data=b"")[0], 200)
        eventually(lambda: b.get("/api/credits").json().get("account_open"), timeout=30)
        adjust(owner, 250, "Analyse-Test")
        # The call is charged before the account goes, so credits.deducted is certain.
        eventually(lambda: balance(b) < 1250, timeout=60)

        self.read_until(owner, BEFORE_DELETION)
        completed = [json.loads(d) for (d,) in
                     self.query("SELECT data FROM events WHERE ce_type = 'call.completed.v1' AND key = ?", owner)]
        self.assertEqual([c["vapi_call_id"] for c in completed], [call_id])
        # Joined on the platform's call id, as docs/analytics.md advises.
        deducted = [json.loads(d) for (d,) in
                    self.query("SELECT data FROM events WHERE ce_type = 'credits.deducted.v1' AND key = ?", owner)]
        self.assertEqual([d["call_id"] for d in deducted], [completed[0]["call_id"]])
        purchased = [json.loads(d) for (d,) in
                     self.query("SELECT data FROM events WHERE ce_type = 'credits.purchased.v1' AND key = ?", owner)]
        self.assertEqual([p["checkout_session_id"] for p in purchased], [checkout.json()["checkout_session_id"]])

        # A redelivery, as the outbox relay makes one after a crash: the same event id again.
        ce_id, ce_source, ce_subject, ce_time, data = self.query(
            "SELECT ce_id, ce_source, ce_subject, ce_time, data FROM events "
            "WHERE ce_type = 'user.registered.v1' AND key = ?", owner)[0]
        headers = {"ce_specversion": "1.0", "ce_id": ce_id, "ce_source": ce_source, "ce_type": "user.registered.v1",
                   "ce_time": ce_time, "ce_subject": ce_subject, "content-type": "application/json"}
        # The relay's partitioner: kcat's default (CRC32) would put the key into another partition.
        args = ["kcat", "-P", "-b", bootstrap(), "-X", "partitioner=murmur2_random", "-t", "user.registered",
                "-k", owner]
        for k, v in headers.items():
            args += ["-H", f"{k}={v}"]
        subprocess.run(args, input=data, text=True, check=True, timeout=30)

        res = b.request("DELETE", "/api/account", {"password": PASSWORD})
        self.assertEqual(res.status, 204, res.body)
        self.read_until(owner, AFTER_DELETION)
        eventually(lambda: self.read() is not None and self.query(
            "SELECT count(*) FROM duplicates WHERE ce_id = ?", ce_id) == [(1,)], timeout=60)

        # Each event once, however often it was delivered; the owner's events all valid.
        self.assertEqual(self.query("SELECT count(*) FROM events WHERE ce_type = 'user.registered.v1' AND key = ?",
                                    owner), [(1,)])
        self.assertEqual(self.query("SELECT count(*) FROM events WHERE ce_type = 'user.deleted.v1' AND key = ?",
                                    owner), [(1,)])
        rejected = self.query("SELECT topic, partition, \"offset\", key, reason FROM rejected")
        for row in rejected:
            print("rejected (not this test's owner):" if row[3] != owner else "rejected:", row, file=sys.stderr)
        self.assertEqual([r for r in rejected if r[3] == owner], [])
        # One key, one partition per topic: the owner's events of a topic are in publishing order.
        spread = self.query("SELECT topic, count(DISTINCT partition) FROM events WHERE key = ? GROUP BY topic",
                            owner)
        self.assertEqual([t for t, partitions in spread if partitions != 1], [])


if __name__ == "__main__":
    unittest.main()
