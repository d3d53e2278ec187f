"""Agents through the running platform: an owner's agent from the API to a live assistant in the
Vapi sandbox on a pool number, calls to that number answered by it, edits, deactivation,
deletion, pauses when the credit runs out and resumption after a purchase, wizard drafts, and
bad input. Vapi is the provider sandbox; everything else is the real platform."""
import json
import os
import unittest
import urllib.error
import urllib.request
import uuid

from kxplatform import GATEWAY, Browser, assert_error, eventually, psql, signed_up
from test_billing import admin, sandbox_request

SANDBOX = os.environ.get("SANDBOX_URL", "")
VAPI_KEY = os.environ.get("VAPI_API_KEY", "")


def vapi(method, path, body=None):
    """Vapi's REST API in the sandbox, as the agent service calls it: (status, parsed body)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{SANDBOX}/vapi{path}", data=data, method=method)
    req.add_header("Authorization", f"Bearer {VAPI_KEY}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def simulate(scenario):
    """Plays a whole call in the sandbox (assistant-request, status, report through the gateway)."""
    req = urllib.request.Request(f"{SANDBOX}/vapi/simulate/call", data=json.dumps(scenario).encode(),
                                 method="POST")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.loads(res.read())


def definition(name="Salon Sonnenschein", **extra):
    d = {
        "name": name,
        "business_type": "salon",
        "language": "de",
        "timezone": "Europe/Berlin",
        "business": {
            "description": "Friseursalon in Berlin-Mitte für Damen und Herren.",
            "opening_hours": {"tue": [{"start": "09:00", "end": "13:00"}, {"start": "14:00", "end": "18:30"}],
                              "sat": [{"start": "09:00", "end": "14:00"}]},
            "services": ["Damenhaarschnitt", "Herrenhaarschnitt", "Färben"],
        },
        "faqs": [{"question": "Muss ich einen Termin machen?", "answer": "Ja, wir arbeiten nur mit Termin."}],
        "policies": "Bitte sagen Sie Termine spätestens 24 Stunden vorher ab.",
        "assistant_name": "Lena",
        "greeting": f"{name}, guten Tag! Hier ist Lena. Wie kann ich Ihnen helfen?",
        "farewell": "Vielen Dank für Ihren Anruf. Auf Wiederhören!",
        "escalation": {"enabled": True, "forwarding_number": "030 1234567",
                       "business_hours": {"days": ["tue", "wed", "thu", "fri", "sat"],
                                          "start": "09:00", "end": "18:00"}},
    }
    d.update(extra)
    return d


def create_agent(browser, **extra):
    res = browser.post("/api/agents", definition(**extra))
    assert res.status == 201, res.body
    return res.json()


def synced(browser, agent_id, timeout=45):
    """The agent once Vapi has its latest state and it holds a number announced to telephony."""
    def ready():
        a = browser.get(f"/api/agents/{agent_id}").json()
        return a if a["sync_state"] == "synced" and a["vapi_assistant_id"] else None
    return eventually(ready, timeout=timeout)


def sandbox_number(e164):
    # Vapi lists the newest 100 by default; a number back from the pool can be older than that.
    status, numbers = vapi("GET", "/phone-number?limit=1000")
    assert status == 200, numbers
    return next(n for n in numbers if n["number"] == e164)


def routed(agent_id, e164):
    """Telephony-webhook routes the number to the agent (phone_number.assigned consumed)."""
    return eventually(lambda: psql("SELECT count(*) FROM telephony_webhook.phone_numbers "
                                   f"WHERE e164 = '{e164}' AND agent_id = '{agent_id}'") == "1", timeout=45)


def assistant_answer(result):
    """What our assistant-request answer was in a simulated call."""
    for step in result.get("steps", []):
        if step.get("message") == "assistant-request":
            return step.get("response")
    return None


class AgentLifecycleTest(unittest.TestCase):
    def test_an_agent_gets_a_number_answers_calls_follows_edits_and_releases_its_number(self):
        b, _, user = signed_up("agent")
        agent = create_agent(b)
        self.assertEqual(agent["status"], "active")
        self.assertEqual(agent["escalation"]["forwarding_number"], "+49301234567")
        self.assertRegex(agent["phone_number"] or "", r"^\+49")
        agent = synced(b, agent["id"])
        e164 = agent["phone_number"]
        # Grouped by the numbering plan for people: Berlin's area code 30 set apart.
        self.assertEqual(agent["phone_number_display"], "+49 30 " + e164[5:])

        # The assistant in Vapi is the agent's, with the greeting, farewell and our server.
        status, assistant = vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")
        self.assertEqual(status, 200, assistant)
        self.assertEqual(assistant["firstMessage"], agent["greeting"])
        self.assertEqual(assistant["endCallMessage"], agent["farewell"])
        self.assertEqual(assistant["metadata"]["kametrix_agent_id"], agent["id"])
        self.assertEqual(assistant["server"]["url"], GATEWAY + "/webhooks/vapi")
        system = assistant["model"]["messages"][0]["content"]
        self.assertIn("{{kx_date}}", system)
        self.assertIn("Salon Sonnenschein", system)
        # The number is pushed once its agent is announced, by whichever replica of the agent
        # service takes it, so it may follow the assistant by a moment.
        number = eventually(lambda: (lambda n: n if n["name"] == "Salon Sonnenschein" else None)(
            sandbox_number(e164)), timeout=30)
        self.assertNotIn("assistantId", {k for k, v in number.items() if v})
        self.assertEqual(number["server"]["url"], GATEWAY + "/webhooks/vapi")

        # A call to the number is answered by this agent's assistant and lands in the call list.
        routed(agent["id"], e164)
        result = simulate({"phone_number": e164, "duration_seconds": 42})
        answer = assistant_answer(result)
        self.assertEqual(answer["assistantId"], agent["vapi_assistant_id"], result)
        self.assertEqual(answer["assistantOverrides"]["variableValues"]["kx_timezone"], "Europe/Berlin")
        calls = eventually(lambda: b.get(f"/api/calls?agent_id={agent['id']}").json()["items"], timeout=30)
        self.assertEqual(calls[0]["vapi_call_id"], result["call_id"])

        # An edit reaches the live assistant.
        res = b.request("PATCH", f"/api/agents/{agent['id']}",
                        {"greeting": "Salon Sonnenschein, schön dass Sie anrufen!"})
        self.assertEqual(res.status, 200, res.body)
        eventually(lambda: vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")[1]["firstMessage"]
                   == "Salon Sonnenschein, schön dass Sie anrufen!")

        # Deactivated: the next call gets the unavailable line; the assistant itself declines too.
        self.assertEqual(b.post(f"/api/agents/{agent['id']}/deactivate").json()["status"], "inactive")
        eventually(lambda: "assistant" in (assistant_answer(simulate({"phone_number": e164})) or {}),
                   timeout=30)
        meta = vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")[1]["metadata"]
        self.assertEqual(meta["kametrix_status"], "inactive")
        # Activated again: answered again.
        b.post(f"/api/agents/{agent['id']}/activate")
        eventually(lambda: "assistantId" in (assistant_answer(simulate({"phone_number": e164})) or {}),
                   timeout=30)

        # Deleted: the assistant is gone, the number is free again, the call history stays.
        self.assertEqual(b.request("DELETE", f"/api/agents/{agent['id']}").status, 204)
        assert_error(self, b.get(f"/api/agents/{agent['id']}"), 404, "not_found")
        eventually(lambda: vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")[0] == 404)
        eventually(lambda: sandbox_number(e164)["name"] == "Kametrix (frei)")
        pool = admin().get(f"/api/admin/phone-numbers?q={e164[1:]}").json()["phone_numbers"]
        self.assertIsNone(next(n for n in pool if n["e164"] == e164)["agent_id"])
        self.assertEqual(b.get(f"/api/calls?agent_id={agent['id']}").json()["items"][0]["vapi_call_id"],
                         result["call_id"])
        self.assertEqual(psql(f"SELECT count(*) FROM agent.agents WHERE user_id = '{user['id']}'"), "0")

    def test_credit_running_out_pauses_the_agents_and_a_purchase_resumes_them(self):
        b, _, _ = signed_up("agent-credit")
        agent = synced(b, create_agent(b, name="Praxis Dr. Weber", business_type="medical")["id"])
        e164 = agent["phone_number"]
        routed(agent["id"], e164)
        credits = eventually(lambda: (lambda c: c if c.get("account_open") else None)(b.get("/api/credits").json()),
                             timeout=30)
        # One long call uses the whole balance and the grace: billing publishes credits.exhausted.
        minutes = (credits["balance_cents"] + credits["grace_limit_cents"]) // credits["price_per_minute_cents"] + 2
        simulate({"phone_number": e164, "duration_seconds": minutes * 60})
        paused = eventually(lambda: (lambda a: a if a["status"] == "paused" else None)(
            b.get(f"/api/agents/{agent['id']}").json()), timeout=45)
        self.assertEqual(paused["paused_reason"], "credits_exhausted")
        eventually(lambda: vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")[1]["metadata"]
                   ["kametrix_status"] == "paused")
        eventually(lambda: "assistant" in (assistant_answer(simulate({"phone_number": e164})) or {}),
                   timeout=30)

        # A purchase through the Stripe sandbox lifts the balance: the agent resumes by itself.
        res = b.post("/api/checkout", {"pack_id": "popular"})
        self.assertEqual(res.status, 201, res.body)
        status, _, _ = sandbox_request("POST", res.json()["url"] + "/pay", data=b"")
        self.assertEqual(status, 200)
        eventually(lambda: b.get(f"/api/agents/{agent['id']}").json()["status"] == "active", timeout=45)
        eventually(lambda: vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")[1]["metadata"]
                   ["kametrix_status"] == "active")
        eventually(lambda: "assistantId" in (assistant_answer(simulate({"phone_number": e164})) or {}),
                   timeout=30)

    def test_a_simulated_test_call_plays_the_agents_greeting(self):
        b, _, _ = signed_up("agent-test-call")
        agent = synced(b, create_agent(b, name="Bäckerei Korn", business_type="gastronomy")["id"])
        routed(agent["id"], agent["phone_number"])
        res = b.post(f"/api/agents/{agent['id']}/test-call")
        self.assertEqual(res.status, 200, res.body)
        played = res.json()
        self.assertEqual(played["mode"], "simulated")
        self.assertEqual(played["transcript"][0]["text"], agent["greeting"])
        self.assertEqual(played["transcript"][-1]["text"], agent["farewell"])


class DraftsTest(unittest.TestCase):
    def test_drafts_save_by_version_resume_and_publish(self):
        b, _, _ = signed_up("drafts")
        res = b.post("/api/agents/drafts", {"step": 1, "state": {"name": "Autohaus Kraft"}})
        self.assertEqual(res.status, 201, res.body)
        draft = res.json()
        self.assertEqual((draft["version"], draft["name"]), (1, "Autohaus Kraft"))
        second = b.post("/api/agents/drafts", {}).json()
        self.assertEqual(len(b.get("/api/agents/drafts").json()["drafts"]), 2)

        state = definition(name="Autohaus Kraft", business_type="trades")
        saved = b.request("PUT", f"/api/agents/drafts/{draft['id']}", {"version": 1, "step": 5, "state": state})
        self.assertEqual(saved.status, 200, saved.body)
        self.assertEqual(saved.json()["version"], 2)
        self.assertEqual(saved.json()["state"]["escalation"]["forwarding_number"], "+49301234567")
        # A second tab still on version 1 cannot overwrite it: 409 with the newer draft.
        stale = b.request("PUT", f"/api/agents/drafts/{draft['id']}",
                          {"version": 1, "step": 2, "state": {"name": "Alt"}})
        err = assert_error(self, stale, 409, "draft_conflict")
        self.assertIn("anderen Tab", err["message"])
        self.assertEqual(stale.json()["draft"]["version"], 2)
        self.assertEqual(b.get(f"/api/agents/drafts/{draft['id']}").json()["step"], 5)

        # Half-filled drafts are fine; wrong shapes are not.
        assert_error(self, b.request("PUT", f"/api/agents/drafts/{second['id']}",
                                     {"version": 1, "state": {"faqs": "keine"}}), 422, "validation_failed")
        incomplete = b.post(f"/api/agents/drafts/{second['id']}/publish")
        self.assertEqual(incomplete.status, 422, incomplete.body)
        self.assertTrue(any(d["field"] == "name" for d in incomplete.json()["error"]["details"]))

        published = b.post(f"/api/agents/drafts/{draft['id']}/publish")
        self.assertEqual(published.status, 201, published.body)
        self.assertEqual(published.json()["name"], "Autohaus Kraft")
        assert_error(self, b.get(f"/api/agents/drafts/{draft['id']}"), 404, "not_found")
        self.assertEqual(b.request("DELETE", f"/api/agents/drafts/{second['id']}").status, 204)
        self.assertEqual(b.get("/api/agents/drafts").json()["drafts"], [])


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.owner, _, _ = signed_up("agent-input")
        cls.agent = create_agent(cls.owner, name="Blumen Lindner", business_type="retail")
        cls.other, _, _ = signed_up("agent-other")

    def details(self, res):
        err = assert_error(self, res, 422, "validation_failed")
        fields = {}
        for d in err["details"]:
            fields.setdefault(d["field"], []).append(d["message"])
        return fields

    def test_every_field_is_checked_with_a_german_message(self):
        b = self.owner
        fields = self.details(b.post("/api/agents", definition(
            name="", greeting="x" * 501, language="fr", timezone="Mars/Olympus", business_type="zoo",
            escalation={"enabled": True, "forwarding_number": "12", "max_clarifications": 11,
                        "business_hours": {"days": ["mon", "mon"], "start": "18:00", "end": "09:00"}},
            faqs=[{"question": "Frage?", "answer": ""}] * 31, voice_id="keine-stimme", farbe="blau")))
        for field in ("name", "greeting", "language", "timezone", "business_type", "faqs", "farbe",
                      "escalation.forwarding_number", "escalation.max_clarifications"):
            self.assertIn(field, fields, fields)
        # Each field's own problem is named, once, not also that a value is missing.
        self.assertEqual(fields["escalation.forwarding_number"], ["ist keine gültige Telefonnummer"])
        self.assertEqual(fields["greeting"], ["darf höchstens 500 Zeichen lang sein"])
        self.assertEqual(psql("SELECT count(*) FROM agent.agents WHERE name = ''"), "0")

    def test_malformed_wrong_types_and_oversized_bodies(self):
        b = self.owner
        assert_error(self, b.request("POST", "/api/agents", raw=b"{\"name\": "), 400, "invalid_json")
        assert_error(self, b.request("POST", "/api/agents", raw=b"{\"name\": \"a\", \"name\": \"b\"}"), 400)
        self.assertEqual(b.post("/api/agents", {"name": 42, "greeting": ["hallo"]}).status, 422)
        self.assertEqual(b.request("PATCH", f"/api/agents/{self.agent['id']}", {"escalation": "aus"}).status, 422)
        huge = b.request("POST", "/api/agents", raw=json.dumps(definition(policies="x" * 300_000)).encode())
        self.assertEqual(huge.status, 413, huge.body[:200])

    def test_another_owners_agent_and_draft_are_not_found(self):
        agent_id = self.agent["id"]
        draft = self.owner.post("/api/agents/drafts", {}).json()
        other = self.other
        for method, path in (("GET", f"/api/agents/{agent_id}"), ("PATCH", f"/api/agents/{agent_id}"),
                             ("DELETE", f"/api/agents/{agent_id}"), ("POST", f"/api/agents/{agent_id}/activate"),
                             ("POST", f"/api/agents/{agent_id}/deactivate"),
                             ("POST", f"/api/agents/{agent_id}/test-call"),
                             ("GET", f"/api/agents/drafts/{draft['id']}"),
                             ("DELETE", f"/api/agents/drafts/{draft['id']}"),
                             ("POST", f"/api/agents/drafts/{draft['id']}/publish"),
                             ("GET", "/api/agents/not-a-uuid")):
            body = {"name": "Fremd"} if method == "PATCH" else None
            assert_error(self, other.request(method, path, body), 404, "not_found")
        self.assertEqual(self.owner.get(f"/api/agents/{agent_id}").json()["name"], "Blumen Lindner")
        self.assertEqual(other.get("/api/agents").json()["agents"], [])
        # Owners never reach the admin endpoints.
        assert_error(self, other.get("/api/admin/agents"), 403)
        assert_error(self, Browser().get("/api/agents"), 401)


class AdminTest(unittest.TestCase):
    def test_admins_see_all_agents_and_manage_the_pool(self):
        b, _, user = signed_up("agent-admin")
        agent = synced(b, create_agent(b, name="Kanzlei Roth", business_type="services")["id"])
        a = admin()
        listing = a.get(f"/api/admin/agents?user_id={user['id']}").json()
        self.assertEqual([x["id"] for x in listing["agents"]], [agent["id"]])
        self.assertEqual(listing["agents"][0]["user_id"], user["id"])
        self.assertEqual(a.post(f"/api/admin/agents/{agent['id']}/deactivate").json()["status"], "inactive")
        self.assertEqual(b.get(f"/api/agents/{agent['id']}").json()["status"], "inactive")
        audit = eventually(lambda: psql("SELECT count(*) FROM agent.outbox WHERE topic = 'admin.action' "
                                        f"AND data LIKE '%{agent['id']}%'") != "0")
        self.assertTrue(audit)

        # A number bought in Vapi joins the pool; unknown and malformed numbers are refused.
        e164 = "+4940" + str(uuid.uuid4().int)[:8]
        status, created = vapi("POST", "/phone-number", {"provider": "byo-phone-number", "number": e164,
                                                         "credentialId": "cred-test"})
        self.assertEqual(status, 201, created)
        res = a.post("/api/admin/phone-numbers", {"e164": e164})
        self.assertEqual(res.status, 201, res.body)
        self.assertEqual(res.json()["e164"], e164)
        assert_error(self, a.post("/api/admin/phone-numbers", {"e164": e164}), 409)
        assert_error(self, a.post("/api/admin/phone-numbers", {"e164": "+4940999999999"}), 422)
        assert_error(self, a.post("/api/admin/phone-numbers", {"e164": "abc"}), 422)
        pool = a.get(f"/api/admin/phone-numbers?q={e164[1:]}").json()
        self.assertGreaterEqual(pool["summary"]["total"], 1)
        self.assertEqual(pool["total"], 1)
        listed = pool["phone_numbers"][0]
        self.assertEqual(listed["vapi_phone_number_id"], created["id"])
