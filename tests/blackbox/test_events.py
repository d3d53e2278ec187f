"""GET /api/events through the running gateway: a signed-in owner's stream carries their own
events from Kafka (and no one else's), reconnects with Last-Event-ID, is capped per user and
ends when the session is revoked."""
import http.client
import json
import queue
import threading
import unittest
import urllib.parse
import uuid

from kxplatform import GATEWAY, Browser, assert_error, signed_up
from test_calls import produce


class Stream:
    """One open event stream; frames arrive on a queue from a reader thread."""

    def __init__(self, browser, last_event_id=None):
        url = urllib.parse.urlparse(GATEWAY)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        headers = {"Accept": "text/event-stream",
                   "Cookie": f"kx_session={browser.cookie('kx_session')}"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self.conn.request("GET", "/api/events", headers=headers)
        self.res = self.conn.getresponse()
        self.frames = queue.Queue()
        self.ended = threading.Event()
        if self.res.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        frame = {}
        try:
            for raw in self.res:
                line = raw.decode().rstrip("\n")
                if line == "":
                    if "event" in frame:
                        self.frames.put(frame)
                    frame = {}
                elif not line.startswith(":") and ":" in line:
                    key, value = line.split(":", 1)
                    frame[key] = value.strip()
        except OSError:
            pass
        self.ended.set()

    def next_of(self, event_type, timeout=15):
        """The next frame of that type (others are skipped)."""
        while True:
            frame = self.frames.get(timeout=timeout)
            if frame["event"] == event_type:
                return frame

    def close(self):
        self.conn.close()


def low_balance(user_id, cents):
    produce("credits.low", user_id, user_id,
            {"user_id": user_id, "balance_cents": cents, "threshold_cents": 500}, source="billing")


class EventStreamTest(unittest.TestCase):
    def test_needs_a_session(self):
        assert_error(self, Browser().get("/api/events"), 401, "unauthorized")

    def test_own_events_only_then_last_event_id_then_revocation(self):
        anna, _, anna_user = signed_up("events-anna")
        bert, _, bert_user = signed_up("events-bert")
        stream = Stream(anna)
        self.assertEqual(stream.res.status, 200)
        self.assertTrue(stream.res.getheader("Content-Type").startswith("text/event-stream"))
        other = Stream(bert)

        low_balance(bert_user["id"], 111)
        low_balance(anna_user["id"], 222)
        frame = stream.next_of("credits.low")
        self.assertEqual(json.loads(frame["data"])["balance_cents"], 222, "Bert's event first would be a leak")
        self.assertEqual(json.loads(other.next_of("credits.low")["data"])["balance_cents"], 111)
        first_id = frame["id"]
        uuid.UUID(first_id)

        low_balance(anna_user["id"], 333)
        self.assertEqual(json.loads(stream.next_of("credits.low")["data"])["balance_cents"], 333)
        # A reconnect with the first id gets what came after it.
        again = Stream(anna, last_event_id=first_id)
        self.assertEqual(json.loads(again.next_of("credits.low")["data"])["balance_cents"], 333)

        # Logging out revokes the session: the user's streams end, the next attempt is 401.
        self.assertEqual(anna.post("/api/auth/logout").status, 200)
        self.assertTrue(stream.ended.wait(15), "the stream did not end on logout")
        self.assertTrue(again.ended.wait(15))
        self.assertFalse(other.ended.is_set())
        refused = Stream(anna)
        self.assertEqual(refused.res.status, 401)
        for s in (stream, again, other, refused):
            s.close()

    def test_streams_per_user_are_capped(self):
        owner, _, _ = signed_up("events-cap")
        streams = [Stream(owner) for _ in range(5)]
        self.assertEqual([s.res.status for s in streams], [200] * 5)
        sixth = Stream(owner)
        self.assertEqual(sixth.res.status, 429)
        self.assertEqual(json.loads(sixth.res.read())["error"]["code"], "too_many_streams")
        for s in streams + [sixth]:
            s.close()


if __name__ == "__main__":
    unittest.main()
