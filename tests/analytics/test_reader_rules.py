"""The example reader's rules without a broker: envelope, schema, key and subject checks, the
inbox that stores an event id once, and dead letters kept apart."""
import json
import os
import sqlite3
import unittest
import uuid

from reader import Reader, Schemas, check

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
SCHEMAS = Schemas(os.path.join(ROOT, "proto-schemas/events"))
OWNER = str(uuid.uuid4())


def low_balance(topic="credits.low", key=OWNER, data=None, **header_values):
    """A credits.low event as billing's outbox relay publishes it, with `header_values` replaced
    (None: left out): (topic, key, headers, value)."""
    headers = {"ce_specversion": "1.0", "ce_id": str(uuid.uuid4()), "ce_source": "billing",
               "ce_type": "credits.low.v1", "ce_time": "2026-05-01T09:30:00.123Z", "ce_subject": OWNER,
               "content-type": "application/json"}
    headers.update(header_values)
    data = data if data is not None else {"user_id": OWNER, "balance_cents": 120, "threshold_cents": 500}
    return topic, key, {k: v for k, v in headers.items() if v is not None}, json.dumps(data).encode()


class FakeMessage:
    def __init__(self, topic, key, headers, value, partition=0, offset=0):
        self._topic, self._key, self._value = topic, key, value
        self._headers = [(k, v.encode()) for k, v in headers.items()]
        self._partition, self._offset = partition, offset

    def topic(self):
        return self._topic

    def key(self):
        return self._key.encode() if self._key is not None else None

    def value(self):
        return self._value

    def headers(self):
        return self._headers

    def partition(self):
        return self._partition

    def offset(self):
        return self._offset


class CheckTest(unittest.TestCase):
    def problems(self, **override):
        return check(SCHEMAS, *low_balance(**override))[1]

    def test_an_event_as_the_platform_publishes_it_passes(self):
        data, problems = check(SCHEMAS, *low_balance())
        self.assertEqual(problems, [])
        self.assertEqual(data["balance_cents"], 120)

    def test_envelope_rules(self):
        self.assertEqual(self.problems(ce_id=None), ["header ce_id missing"])
        self.assertIn("ce_specversion '0.3', not 1.0", self.problems(ce_specversion="0.3"))
        self.assertIn("ce_id 'abc' is no UUID", self.problems(ce_id="abc"))
        self.assertIn("ce_time '2026-05-01 09:30' is no ISO-8601 UTC time", self.problems(ce_time="2026-05-01 09:30"))
        self.assertIn("ce_source 'agent' does not publish credits.low.v1", self.problems(ce_source="agent"))
        self.assertIn("ce_type 'credits.low.v9' has no schema", self.problems(ce_type="credits.low.v9"))
        self.assertIn("ce_type 'credits.low.v1' on topic 'credits.restored'", self.problems(topic="credits.restored"))

    def test_data_key_and_subject_rules(self):
        self.assertIn("(data): 'threshold_cents' is a required property",
                      self.problems(data={"user_id": OWNER, "balance_cents": 1}))
        self.assertIn(f"key 'someone-else' is not the owner '{OWNER}'", self.problems(key="someone-else"))
        self.assertIn(f"ce_subject 'x' is not user_id '{OWNER}'", self.problems(ce_subject="x"))

    def test_times_in_the_data_are_utc(self):
        headers = {"ce_specversion": "1.0", "ce_id": str(uuid.uuid4()), "ce_source": "auth",
                   "ce_type": "user.deleted.v1", "ce_time": "2026-05-01T09:30:00Z", "ce_subject": OWNER,
                   "content-type": "application/json"}
        ok = json.dumps({"user_id": OWNER, "deleted_at": "2026-05-01T09:30:00Z"}).encode()
        local = json.dumps({"user_id": OWNER, "deleted_at": "2026-05-01T11:30:00+02:00"}).encode()
        self.assertEqual(check(SCHEMAS, "user.deleted", OWNER, headers, ok)[1], [])
        self.assertTrue(any("deleted_at" in p for p in check(SCHEMAS, "user.deleted", OWNER, headers, local)[1]))

    def test_admin_actions_without_an_owner_are_keyed_by_the_admin(self):
        admin = str(uuid.uuid4())
        data = {"admin_id": admin, "action": "catalog.update", "target_type": "pack", "target_id": "starter",
                "before": None, "after": {"cents": 1000}, "ip": "127.0.0.1", "user_agent": "t",
                "at": "2026-05-01T09:30:00Z"}
        headers = {"ce_specversion": "1.0", "ce_id": str(uuid.uuid4()), "ce_source": "billing",
                   "ce_type": "admin.action.v1", "ce_time": "2026-05-01T09:30:00Z", "ce_subject": "starter",
                   "content-type": "application/json"}
        self.assertEqual(check(SCHEMAS, "admin.action", admin, headers, json.dumps(data).encode())[1], [])


class ReaderTest(unittest.TestCase):
    def setUp(self):
        self.db = sqlite3.connect(":memory:")
        self.reader = Reader(consumer=None, schemas=SCHEMAS, db=self.db)

    def test_an_event_id_is_stored_once(self):
        topic, key, headers, value = low_balance()
        self.assertEqual(self.reader.handle(FakeMessage(topic, key, headers, value, offset=7)), "events")
        # The outbox relay published it again after a crash: same id, a later offset.
        self.assertEqual(self.reader.handle(FakeMessage(topic, key, headers, value, offset=9)), "duplicates")
        self.assertEqual(self.db.execute("SELECT count(*), min(\"offset\") FROM events").fetchone(), (1, 7))
        self.assertEqual(self.db.execute("SELECT ce_id, \"offset\" FROM duplicates").fetchall(),
                         [(headers["ce_id"], 9)])
        self.assertEqual(self.reader.summary["events"], {"credits.low": 1})
        self.assertEqual(self.reader.summary["duplicates"], {"credits.low": 1})

    def test_a_broken_event_is_rejected_with_the_reason(self):
        topic, key, headers, value = low_balance(ce_source="agent")
        self.assertEqual(self.reader.handle(FakeMessage(topic, key, headers, value)), "rejected")
        (reason,) = self.db.execute("SELECT reason FROM rejected").fetchone()
        self.assertIn("does not publish", reason)
        self.assertEqual(self.db.execute("SELECT count(*) FROM events").fetchone(), (0,))

    def test_one_key_stays_in_one_partition(self):
        topic, key, headers, value = low_balance()
        self.reader.handle(FakeMessage(topic, key, headers, value, partition=1))
        _, _, other, value2 = low_balance()
        self.assertEqual(self.reader.handle(FakeMessage(topic, key, other, value2, partition=2)), "rejected")

    def test_dead_letters_are_kept_apart_with_their_error(self):
        topic, key, headers, value = low_balance(data={"user_id": OWNER})
        headers.update({"kx_error": "rejected: threshold_cents missing", "kx_attempts": "0",
                        "kx_consumer": "integrations", "kx_origin": "2@41"})
        self.assertEqual(self.reader.handle(FakeMessage(topic + ".dlq", key, headers, value)), "dead_letters")
        row = self.db.execute("SELECT ce_type, key, error, consumer, origin FROM dead_letters").fetchone()
        self.assertEqual(row, ("credits.low.v1", OWNER, "rejected: threshold_cents missing", "integrations", "2@41"))
        self.assertEqual(self.db.execute("SELECT count(*) FROM events").fetchone(), (0,))


if __name__ == "__main__":
    unittest.main()
