"""Calls through the running platform: Vapi server messages into the gateway, the call record,
call.completed on the broker, the call history API, and the sandbox's simulated calls.

Each test's agent is created through the agent API: the agent service creates its assistant in
the Vapi sandbox, gives it a pool number and announces both to telephony-webhook's routing copy
(agent.created, phone_number.assigned)."""
import concurrent.futures
import hashlib
import hmac
import json
import os
import subprocess
import time
import unittest
import urllib.error
import urllib.request
import uuid

import jsonschema

from kxplatform import GATEWAY, ROOT, STATE, Browser, assert_error, eventually, psql, signed_up
from test_agents import sandbox_number, synced

SECRET = os.environ.get("VAPI_WEBHOOK_SECRET", "")
SANDBOX = os.environ.get("SANDBOX_URL", "")


def bootstrap():
    with open(os.path.join(STATE, "kafka.bootstrap")) as f:
        return f.read().strip()


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def produce(event_type, key, subject, data, source="agent", event_id=None):
    """Publishes one event in CloudEvents binary mode, as a service's outbox relay does (the same
    event_id again: a redelivery)."""
    headers = {"ce_specversion": "1.0", "ce_id": event_id or str(uuid.uuid4()), "ce_source": source,
               "ce_type": f"{event_type}.v1", "ce_time": now_iso(), "ce_subject": subject,
               "content-type": "application/json"}
    args = ["kcat", "-P", "-b", bootstrap(), "-t", event_type, "-k", key]
    for k, v in headers.items():
        args += ["-H", f"{k}={v}"]
    subprocess.run(args, input=json.dumps(data), text=True, check=True, timeout=30)


def post_vapi(message, headers=None, sign=True):
    """POSTs a server message to the gateway like Vapi does; returns (status, parsed body)."""
    body = json.dumps({"message": message}).encode()
    req = urllib.request.Request(GATEWAY + "/webhooks/vapi", data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    if sign:
        req.add_header("X-Vapi-Signature", hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest())
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def call_obj(call_id, assistant_id, status, web=False):
    c = {"id": call_id, "orgId": "org-test", "type": "webCall" if web else "inboundPhoneCall",
         "status": status, "assistantId": assistant_id,
         "createdAt": now_iso(), "updatedAt": now_iso()}
    if not web:
        c["customer"] = {"number": "+4915112345678"}
    return c


def report(call_id, assistant_id, reason="customer-ended-call", web=False):
    return {"type": "end-of-call-report", "endedReason": reason,
            "startedAt": "2026-01-01T08:00:02.000Z", "endedAt": "2026-01-01T08:01:37.000Z",
            "cost": 0.12, "call": call_obj(call_id, assistant_id, "ended", web),
            "artifact": {"messages": [
                {"role": "bot", "message": "Guten Tag, wie kann ich helfen?", "time": 1767254402000},
                {"role": "user", "message": "Ich brauche einen Termin.", "time": 1767254404000}]},
            "analysis": {"summary": "Terminwunsch.", "successEvaluation": "true"}}


def status(call_id, assistant_id, value):
    return {"type": "status-update", "status": value, "call": call_obj(call_id, assistant_id, value)}


class Agent:
    """An agent of a fresh owner, created through the API and routed by telephony-webhook."""

    def __init__(self, status="active", language="de"):
        self.browser, self.email, self.user = signed_up("calls")
        self.owner = self.user["id"]
        every_day = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59"}
        res = self.browser.post("/api/agents", {
            "name": "Empfang Test", "business_type": "services", "language": language,
            "greeting": "Empfang Test, guten Tag!" if language == "de" else "Reception, good morning!",
            # The same number in and outside business hours: transfers go there at any time.
            "escalation": {"enabled": True, "forwarding_number": "+493012345600",
                           "after_hours_number": "+493012345600", "business_hours": every_day}})
        assert res.status == 201, res.body
        self.agent_id = res.json()["id"]
        if status == "inactive":
            assert self.browser.post(f"/api/agents/{self.agent_id}/deactivate").status == 200
        agent = synced(self.browser, self.agent_id)
        self.assistant_id = agent["vapi_assistant_id"]
        self.e164 = agent["phone_number"]
        self.number_id = sandbox_number(self.e164)["id"]
        eventually(lambda: psql(f"SELECT count(*) FROM telephony_webhook.phone_numbers "
                                f"WHERE vapi_phone_number_id = '{self.number_id}' "
                                f"AND agent_id = '{self.agent_id}'") == "1", timeout=45)
        eventually(lambda: psql(f"SELECT status FROM telephony_webhook.agents "
                                f"WHERE agent_id = '{self.agent_id}'") == status, timeout=45)

    def assistant_request(self):
        return post_vapi({"type": "assistant-request",
                          "phoneNumber": {"id": self.number_id, "number": self.e164},
                          "call": {"id": "ar-" + uuid.uuid4().hex[:8], "type": "inboundPhoneCall",
                                   "status": "ringing", "phoneNumberId": self.number_id,
                                   "customer": {"number": "+4915112345678"}}})


def completed_events(vapi_call_ids):
    out = subprocess.run(["kcat", "-C", "-b", bootstrap(), "-t", "call.completed", "-o", "beginning",
                          "-e", "-J", "-q"], capture_output=True, text=True, timeout=30)
    found = []
    for line in out.stdout.splitlines():
        msg = json.loads(line)
        data = json.loads(msg["payload"])
        if data.get("vapi_call_id") in vapi_call_ids:
            found.append(msg)
    return found


def db_count(sql):
    return int(psql(sql))


class CallsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not SECRET:
            raise unittest.SkipTest("VAPI_WEBHOOK_SECRET is not set")
        cls.agent = Agent()

    def test_assistant_request_answers_with_the_agents_assistant(self):
        code, body = self.agent.assistant_request()
        self.assertEqual(code, 200)
        self.assertEqual(body["assistantId"], self.agent.assistant_id)
        self.assertEqual(set(body["assistantOverrides"]["variableValues"]),
                         {"kx_date", "kx_time", "kx_date_iso", "kx_timezone"})
        code, body = post_vapi({"type": "assistant-request",
                                "phoneNumber": {"id": "pn-nobody", "number": "+49309999999"},
                                "call": {"id": "ar-x", "phoneNumberId": "pn-nobody"}})
        self.assertEqual(code, 200)
        self.assertIn("nicht erreichbar", body["assistant"]["firstMessage"])
        self.assertEqual(body["assistant"]["serverMessages"], [])

    def test_one_call_and_one_event_however_often_the_report_comes(self):
        a = self.agent
        seq, conc, early = (f"{name}-{uuid.uuid4().hex[:10]}" for name in ("seq", "conc", "early"))
        for _ in range(3):
            self.assertEqual(post_vapi(report(seq, a.assistant_id))[0], 200)
        self.assertEqual(post_vapi(status(conc, a.assistant_id, "in-progress"))[0], 200)
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            codes = list(pool.map(lambda _: post_vapi(report(conc, a.assistant_id))[0], range(3)))
        self.assertEqual(codes, [200, 200, 200])
        # A report before any status update, then the late updates.
        self.assertEqual(post_vapi(report(early, a.assistant_id))[0], 200)
        self.assertEqual(post_vapi(status(early, a.assistant_id, "in-progress"))[0], 200)
        self.assertEqual(post_vapi(status(early, a.assistant_id, "ended"))[0], 200)

        ids = [seq, conc, early]
        quoted = ",".join(f"'{i}'" for i in ids)
        self.assertEqual(db_count(f"SELECT count(*) FROM telephony_webhook.calls WHERE vapi_call_id IN ({quoted})"), 3)
        with open(os.path.join(ROOT, "proto-schemas/events/call.completed.v1.json")) as f:
            schema = json.load(f)

        def all_published():
            found = completed_events(ids)
            return found if len(found) >= 3 else None

        eventually(all_published, timeout=30)
        # Once telephony's outbox has nothing left to publish, a second call.completed for any of
        # these calls would already be on the topic.
        eventually(lambda: psql("SELECT count(*) FROM telephony_webhook.outbox "
                                "WHERE published_at IS NULL") == "0", timeout=30)
        found = completed_events(ids)
        self.assertEqual(sorted(json.loads(m["payload"])["vapi_call_id"] for m in found), sorted(ids))
        for msg in found:
            headers = dict(zip(msg["headers"][0::2], msg["headers"][1::2]))
            self.assertEqual(headers["ce_type"], "call.completed.v1")
            self.assertEqual(headers["ce_source"], "telephony-webhook")
            self.assertEqual(msg["key"], a.owner)
            data = json.loads(msg["payload"])
            jsonschema.validate(data, schema)
            self.assertEqual(data["agent_id"], a.agent_id)
            self.assertEqual(data["status"], "completed")
            self.assertEqual(data["duration_seconds"], 95)
            self.assertEqual(data["summary"], "Terminwunsch.")
            self.assertFalse(data["test"])

    def test_forged_missing_or_wrong_credentials_are_401_and_store_nothing(self):
        a = self.agent
        cid = "forged-" + uuid.uuid4().hex[:10]
        msg = report(cid, a.assistant_id)
        for headers, sign in (({}, False),
                              ({"X-Vapi-Signature": "0" * 64}, False),
                              ({"Authorization": "Bearer wrong-secret-value"}, False),
                              ({"X-Vapi-Secret": "wrong"}, False)):
            code, body = post_vapi(msg, headers, sign)
            self.assertEqual(code, 401)
            self.assertEqual(body["error"]["code"], "invalid_signature")
        self.assertEqual(db_count(f"SELECT count(*) FROM telephony_webhook.calls WHERE vapi_call_id = '{cid}'"), 0)
        self.assertEqual(db_count("SELECT count(*) FROM telephony_webhook.outbox "
                                  f"WHERE data LIKE '%{cid}%'"), 0)

    def test_tool_call_is_answered_in_german_within_the_deadline(self):
        # This owner has not connected Google: the caller still gets a German sentence.
        a = self.agent
        cid = "tool-" + uuid.uuid4().hex[:10]
        started = time.time()
        code, body = post_vapi({"type": "tool-calls", "call": call_obj(cid, a.assistant_id, "in-progress"),
                                "toolCallList": [{"id": "call_1", "type": "function",
                                                  "function": {"name": "check_availability",
                                                               "arguments": {"date": "morgen"}}}]})
        self.assertLess(time.time() - started, 7.5)
        self.assertEqual(code, 200)
        result = body["results"][0]
        self.assertEqual(result["toolCallId"], "call_1")
        self.assertRegex(result["result"], r"(Anliegen|Kalender)")

    def test_transfer_request_forwards_and_publishes_call_escalated(self):
        a = self.agent
        cid = "transfer-" + uuid.uuid4().hex[:10]
        code, body = post_vapi({"type": "transfer-destination-request",
                                "call": call_obj(cid, a.assistant_id, "in-progress")})
        self.assertEqual(code, 200)
        self.assertEqual(body["destination"]["number"], "+493012345600")
        eventually(lambda: db_count("SELECT count(*) FROM telephony_webhook.outbox "
                                    f"WHERE topic = 'call.escalated' AND published_at IS NOT NULL "
                                    f"AND data LIKE '%{a.agent_id}%'") >= 1)

    def test_history_is_scoped_to_the_owner(self):
        a = self.agent
        cid = "hist-" + uuid.uuid4().hex[:10]
        self.assertEqual(post_vapi(report(cid, a.assistant_id))[0], 200)
        listing = a.browser.get("/api/calls")
        self.assertEqual(listing.status, 200, listing.body)
        mine = [c for c in listing.json()["items"] if c["vapi_call_id"] == cid]
        self.assertEqual(len(mine), 1)
        call_id = mine[0]["id"]
        detail = a.browser.get(f"/api/calls/{call_id}")
        self.assertEqual(detail.status, 200)
        self.assertEqual(detail.json()["call"]["transcript"][1]["text"], "Ich brauche einen Termin.")

        other, _, _ = signed_up("other")
        assert_error(self, other.get(f"/api/calls/{call_id}"), 404, "not_found")
        self.assertNotIn(call_id, other.get("/api/calls/export.csv").body.decode())
        self.assertEqual(other.get("/api/calls").json()["total"], 0)
        self.assertEqual(other.get("/api/escalations/stats").json()["total"], 0)
        anonymous = Browser()
        for path in ("/api/calls", f"/api/calls/{call_id}", "/api/calls/export.csv", "/api/calls/stats",
                     "/api/escalations", "/api/escalations/stats", "/api/admin/calls"):
            assert_error(self, anonymous.get(path), 401, "unauthorized")
        assert_error(self, a.browser.get("/api/admin/calls"), 403, "forbidden")

    def test_cursor_pages_show_every_call_once_while_calls_arrive(self):
        a = self.agent
        for _ in range(3):
            self.assertEqual(post_vapi(report("page-" + uuid.uuid4().hex[:10], a.assistant_id))[0], 200)
        before = [c["id"] for c in a.browser.get("/api/calls?limit=200").json()["items"]]
        self.assertGreaterEqual(len(before), 3)

        def arrive(call_id, created_at=None):
            message = report(call_id, a.assistant_id)
            if created_at:
                message["call"]["createdAt"] = created_at
            self.assertEqual(post_vapi(message)[0], 200)

        seen, old, cursor = [], [], None
        for page_no in range(1, 400):
            page = a.browser.get("/api/calls?limit=2" + (f"&cursor={cursor}" if cursor else ""))
            self.assertEqual(page.status, 200, page.body)
            body = page.json()
            self.assertLessEqual(body["total"], 1000)
            seen += [c["id"] for c in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
            # A newer call lands in front of the cursor (not on this walk), an older one behind it.
            arrive("new-" + uuid.uuid4().hex[:10])
            if page_no <= 3:
                old_id = "old-" + uuid.uuid4().hex[:10]
                arrive(old_id, f"2020-01-{20 - page_no:02d}T08:00:00.000Z")
                old.append(old_id)
        old_ids = [psql(f"SELECT id FROM telephony_webhook.calls WHERE vapi_call_id = '{v}'") for v in old]
        self.assertEqual(seen, before + old_ids)

        first = a.browser.get("/api/calls?limit=1").json()
        other, _, _ = signed_up("other")
        assert_error(self, other.get(f"/api/calls?cursor={first['next_cursor']}"), 422, "validation_failed")
        for bad in ("kaputt!", "aGFsbG8", "YzEfeB95H3k"):
            res = a.browser.get(f"/api/calls?cursor={bad}")
            assert_error(self, res, 422, "validation_failed")
            self.assertEqual([d["field"] for d in res.json()["error"]["details"]], ["cursor"])

    def test_sandbox_simulates_a_whole_call(self):
        if not SANDBOX:
            self.skipTest("SANDBOX_URL is not set")
        a = self.agent
        req = urllib.request.Request(
            SANDBOX + "/vapi/simulate/call", method="POST",
            data=json.dumps({"phone_number_id": a.number_id, "phone_number": a.e164,
                             "tools": [{"name": "check_availability", "arguments": {"date": "morgen"}}],
                             "transfer": True, "duration_seconds": 125}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as res:
            result = json.loads(res.read())
        self.assertEqual(result["outcome"], "simulated", result)
        self.assertEqual(result["assistant_id"], a.assistant_id)
        self.assertEqual([s["status"] for s in result["steps"]], [200] * len(result["steps"]))
        self.assertEqual([s["message"] for s in result["steps"]],
                         ["assistant-request", "ringing", "in-progress", "tool-calls", "transfer-destination-request",
                          "ended", "end-of-call-report"])
        vapi_id = result["call_id"]

        def listed():
            items = a.browser.get("/api/calls?limit=200").json()["items"]
            return next((c for c in items if c["vapi_call_id"] == vapi_id), None)

        call = eventually(listed)
        self.assertEqual(call["status"], "transferred")
        self.assertEqual(call["duration_seconds"], 125)
        self.assertTrue(call["escalated"])
        detail = a.browser.get(f"/api/calls/{call['id']}").json()["call"]
        self.assertTrue(any(t["role"] == "tool_call" for t in detail["transcript"]))
        self.assertTrue(detail["recording_url"].startswith(SANDBOX))

    def test_dashboard_test_calls_are_recorded_as_tests(self):
        if not SANDBOX:
            self.skipTest("SANDBOX_URL is not set")
        a = self.agent
        req = urllib.request.Request(
            SANDBOX + "/vapi/simulate/call", method="POST",
            data=json.dumps({"assistant_id": a.assistant_id, "web": True}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as res:
            vapi_id = json.loads(res.read())["call_id"]
        items = a.browser.get("/api/calls?test=true&limit=200").json()["items"]
        call = next(c for c in items if c["vapi_call_id"] == vapi_id)
        self.assertTrue(call["test"])
        self.assertIsNone(call["caller_number"])
        found = eventually(lambda: completed_events([vapi_id]), timeout=30)
        self.assertTrue(json.loads(found[0]["payload"])["test"])

    def test_inactive_agent_and_suspended_owner_get_the_unavailable_line(self):
        inactive = Agent(status="inactive", language="en")
        code, body = inactive.assistant_request()
        self.assertEqual(code, 200)
        self.assertIn("not available", body["assistant"]["firstMessage"])

        active = Agent()
        self.assertIn("assistantId", active.assistant_request()[1])
        produce("user.status_changed", active.owner, active.owner,
                {"user_id": active.owner, "status": "suspended", "previous_status": "active",
                 "changed_by": "admin-test"}, source="auth")
        body = eventually(lambda: (lambda b: b if "assistant" in b else None)(active.assistant_request()[1]),
                          timeout=45)
        self.assertIn("nicht erreichbar", body["assistant"]["firstMessage"])


if __name__ == "__main__":
    unittest.main()
