"""Google Calendar booking by phone and the Sheets call log through the running platform.

An owner connects Google on the sandbox's consent page, an agent books by phone in simulated
calls (gateway → telephony-webhook → integrations → the sandbox's Google), the event lands in
the sandbox calendar, the booking in the list and the call's row in the spreadsheet. Google and
Vapi are the provider sandbox; everything else is the real platform. Assertions read the APIs,
the sandbox's state and the database."""
import concurrent.futures
import datetime
import html.parser
import json
import os
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
from zoneinfo import ZoneInfo

from kxplatform import GATEWAY, Browser, assert_error, eventually, psql, signed_up
from test_agents import definition, sandbox_number, synced, vapi
from test_calls import SECRET, SANDBOX, now_iso, post_vapi

BERLIN = ZoneInfo("Europe/Berlin")
CALLER_A = "+4915111111111"
CALLER_B = "+4915122222222"
CALENDAR_TOOLS = {"check_availability", "check_conflicts", "book_appointment",
                  "reschedule_appointment", "cancel_appointment", "find_next_free_slot"}
EVERY_DAY = {day: [{"start": "08:00", "end": "20:00"}]
             for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def no_redirect_get(browser, url):
    """GET without following redirects, with (and into) the browser's cookie jar: (status,
    headers, body). `url` may be a gateway path or an absolute URL."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(browser.jar), _NoRedirect)
    req = urllib.request.Request(url if url.startswith("http") else GATEWAY + url)
    try:
        with opener.open(req, timeout=30) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def sandbox_call(method, path, body=None, form=None):
    """A request to the sandbox without following redirects: (status, headers, body bytes)."""
    data, ctype = None, None
    if form is not None:
        data, ctype = urllib.parse.urlencode(form, doseq=True).encode(), "application/x-www-form-urlencoded"
    elif body is not None:
        data, ctype = json.dumps(body).encode(), "application/json"
    req = urllib.request.Request(SANDBOX + path, data=data, method=method)
    if ctype:
        req.add_header("Content-Type", ctype)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=30) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def google_state():
    status, _, body = sandbox_call("GET", "/google/_state")
    assert status == 200, body
    return json.loads(body)


def fault(method, path_prefix, status, count=-1, delay_ms=0):
    code, _, body = sandbox_call("POST", "/_control/faults",
                                 {"method": method, "path_prefix": path_prefix, "status": status,
                                  "delay_ms": delay_ms, "count": count})
    assert code in (200, 201), body


def clear_faults():
    sandbox_call("DELETE", "/_control/faults")


class ConsentForm(html.parser.HTMLParser):
    """The fields of the sandbox's consent form: hidden fields, the e-mail, the scope boxes."""

    def __init__(self, page):
        super().__init__()
        self.action = None
        self.hidden = {}
        self.scopes = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action")
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("name") == "granted":
            self.scopes.append(a["value"])


def consent(browser, email, decision="allow", untick=()):
    """Starts the flow at the gateway and answers the sandbox's consent page; returns the
    callback URL (a gateway path) Google sends the browser to."""
    status, headers, body = no_redirect_get(browser, "/api/integrations/google/connect")
    assert status == 302, (status, body[:300])
    location = headers["Location"]
    assert location.startswith(SANDBOX + "/google/o/oauth2/v2/auth?"), location
    assert any(c.startswith("kx_google_oauth=") for c in headers.get_all("Set-Cookie") or []), headers
    status, _, page = sandbox_call("GET", location[len(SANDBOX):])
    assert status == 200, page[:300]
    form = ConsentForm(page.decode())
    assert form.action == "/google/o/oauth2/v2/auth/decision", form.action
    assert form.hidden.get("state") and form.hidden.get("code_challenge_method") == "S256", form.hidden
    fields = dict(form.hidden, email=email, decision=decision)
    fields["granted"] = [s for s in form.scopes if not any(s.endswith(u) for u in untick)]
    status, headers, body = sandbox_call("POST", form.action, form=fields)
    assert status == 302, (status, body[:300])
    back = urllib.parse.urlsplit(headers["Location"])
    assert back.path == "/api/integrations/google/callback", headers["Location"]
    return f"{back.path}?{back.query}"


def callback(browser, path):
    """Opens the callback in the browser; returns the outcome (`google=` of the redirect)."""
    status, headers, body = no_redirect_get(browser, path)
    assert status == 302, (status, body[:300])
    target = urllib.parse.urlsplit(headers["Location"])
    assert target.path == "/integrations", headers["Location"]
    return urllib.parse.parse_qs(target.query)["google"][0]


def connect_google(browser, email):
    """The whole consent flow with every scope granted; returns GET /api/integrations/google."""
    outcome = callback(browser, consent(browser, email))
    assert outcome == "connected", outcome
    res = browser.get("/api/integrations/google")
    assert res.status == 200, res.body
    body = res.json()
    assert body["connected"] and body["status"] == "connected" and body["google_email"] == email, body
    return body


def google_email():
    return f"kalender-{uuid.uuid4().hex[:10]}@example.com"


def tomorrow_at(hour, minute):
    """Tomorrow's local time in Berlin as an aware UTC datetime."""
    day = datetime.datetime.now(BERLIN).date() + datetime.timedelta(days=1)
    local = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)
    return local.astimezone(datetime.timezone.utc)


def parse_instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)


class BookingAgent:
    """A fresh owner with Google connected and an agent open 08:00–20:00 every day in Berlin,
    routed by telephony-webhook and known to integrations."""

    def __init__(self):
        self.browser, _, user = signed_up("kalender")
        self.owner = user["id"]
        self.email = google_email()
        connect_google(self.browser, self.email)
        body = definition("Praxis Kalender", timezone="Europe/Berlin",
                          business={"description": "Physiotherapie-Praxis in Berlin.",
                                    "opening_hours": EVERY_DAY, "services": ["Krankengymnastik"]})
        res = self.browser.post("/api/agents", body)
        assert res.status == 201, res.body
        self.agent_id = res.json()["id"]
        agent = synced(self.browser, self.agent_id)
        self.assistant_id = agent["vapi_assistant_id"]
        self.e164 = agent["phone_number"]
        self.number_id = sandbox_number(self.e164)["id"]
        eventually(lambda: psql("SELECT count(*) FROM telephony_webhook.phone_numbers "
                                f"WHERE vapi_phone_number_id = '{self.number_id}' "
                                f"AND agent_id = '{self.agent_id}'") == "1", timeout=45)
        eventually(lambda: psql("SELECT count(*) FROM integrations.agents "
                                f"WHERE agent_id = '{self.agent_id}' AND opening_hours <> '{{}}'") == "1",
                   timeout=45)

    def call(self, caller, tools, **extra):
        """A whole simulated inbound call; returns (simulator result, [tool results])."""
        scenario = dict({"phone_number_id": self.number_id, "phone_number": self.e164,
                         "customer_number": caller,
                         "tools": [{"name": n, "arguments": a} for n, a in tools]}, **extra)
        req = urllib.request.Request(SANDBOX + "/vapi/simulate/call", data=json.dumps(scenario).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=90) as res:
            result = json.loads(res.read())
        assert result["outcome"] == "simulated", result
        answers = [s["response"]["results"][0]["result"] for s in result["steps"] if s["message"] == "tool-calls"]
        assert len(answers) == len(tools), result["steps"]
        return result, answers

    def tool(self, name, arguments, caller=CALLER_A, vapi_call_id=None, tool_call_id="call_1"):
        """One tool-calls message posted like Vapi does; returns (seconds, result text)."""
        call = {"id": vapi_call_id or f"tool-{uuid.uuid4().hex[:12]}", "orgId": "org-test",
                "type": "inboundPhoneCall", "status": "in-progress", "assistantId": self.assistant_id,
                "phoneNumberId": self.number_id, "customer": {"number": caller},
                "createdAt": now_iso(), "updatedAt": now_iso()}
        started = time.time()
        code, body = post_vapi({"type": "tool-calls", "call": call,
                                "toolCallList": [{"id": tool_call_id, "type": "function",
                                                  "function": {"name": name, "arguments": arguments}}]})
        elapsed = time.time() - started
        assert code == 200, body
        return elapsed, body["results"][0]["result"]

    def listed_call(self, vapi_call_id):
        """The call in the owner's call history, once telephony-webhook recorded it."""
        def listed():
            items = self.browser.get("/api/calls?limit=200").json()["items"]
            return next((c for c in items if c["vapi_call_id"] == vapi_call_id), None)
        return eventually(listed)

    def bookings_at(self, start, status=None):
        extra = f" AND status = '{status}'" if status else ""
        return int(psql(f"SELECT count(*) FROM integrations.bookings WHERE user_id = '{self.owner}' "
                        f"AND start_at = '{start.isoformat()}'{extra}"))

    def events_at(self, start):
        account = google_state()["accounts"].get(self.email, {})
        events = account.get("calendar", {}).get("events", [])
        return [e for e in events if e.get("status") != "cancelled"
                and parse_instant(e["start"]["dateTime"]) == start]

    def spreadsheets(self):
        return [s for s in google_state()["spreadsheets"] if s["owner"] == self.email]


def rows_of(sheet):
    return [[str(c["value"]) for c in row] for row in sheet["sheets"][0]["rows"]]


def row_with(sheet, *needles):
    return next((r for r in rows_of(sheet) if all(any(n in c for c in r) for n in needles)), None)


class BookingByPhoneTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not SECRET or not SANDBOX:
            raise unittest.SkipTest("VAPI_WEBHOOK_SECRET or SANDBOX_URL is not set")
        cls.agent = BookingAgent()

    def tearDown(self):
        clear_faults()

    def test_a_caller_books_by_phone_another_hears_belegt_and_cannot_cancel_it(self):
        a = self.agent
        start = tomorrow_at(14, 30)
        result, (slots, booked) = a.call(CALLER_A, [
            ("check_availability", {"date": "morgen", "preference": "nachmittags"}),
            ("book_appointment", {"date": "morgen", "time": "halb drei", "name": "Erika Muster"})])
        self.assertRegex(slots, r"\b1[3-7]:[03]0 Uhr\b")
        self.assertIn("eingetragen", booked)
        self.assertIn("14:30 Uhr", booked)

        # The event in the owner's Google calendar, tomorrow 14:30 in Berlin.
        events = a.events_at(start)
        self.assertEqual(len(events), 1, google_state()["accounts"].get(a.email))
        # The booking in the list, with the caller.
        listing = a.browser.get("/api/bookings")
        self.assertEqual(listing.status, 200, listing.body)
        mine = [b for b in listing.json()["bookings"] if parse_instant(b["start"]) == start]
        self.assertEqual(len(mine), 1, listing.body)
        self.assertEqual(mine[0]["caller_name"], "Erika Muster")
        self.assertEqual(mine[0]["caller_number"], CALLER_A)
        self.assertEqual(mine[0]["status"], "booked")
        self.assertEqual(mine[0]["agent_id"], a.agent_id)
        self.assertEqual(mine[0]["timezone"], "Europe/Berlin")
        self.assertEqual(parse_instant(mine[0]["end"]) - start, datetime.timedelta(minutes=30))

        # The call is marked as having booked, and its row (Anruf-ID: our call id) lands in a new
        # spreadsheet.
        call = a.listed_call(result["call_id"])
        self.assertTrue(call["appointment_booked"], call)
        sheets = eventually(lambda: (lambda s: s if s and row_with(s[0], call["id"]) else None)(a.spreadsheets()),
                            timeout=60)
        self.assertEqual(len(sheets), 1)
        first = sheets[0]
        self.assertEqual(rows_of(first)[0], ["Datum", "Uhrzeit", "Anrufer", "Agent", "Dauer", "Status",
                                             "Zusammenfassung", "Termin gebucht", "Anruf-ID"])
        row = row_with(first, call["id"])
        self.assertIn("Ja", row)
        self.assertTrue(any("4915111111111" in c for c in row), row)
        status = eventually(lambda: (lambda g: g if g["sheet_url"] else None)(
            a.browser.get("/api/integrations/google").json()))
        self.assertIn(first["id"], status["sheet_url"])

        # The owner deletes the spreadsheet; the next call's row goes into a new one.
        code, _, body = sandbox_call("POST", f"/google/sheets/{first['id']}/delete")
        self.assertEqual(code, 303, body)

        # A second caller: the slot is "belegt", nothing about the first caller, no cancelling.
        other, (conflict, again, cancelled) = a.call(CALLER_B, [
            ("check_conflicts", {"date": "morgen", "time": "halb drei"}),
            ("book_appointment", {"date": "morgen", "time": "halb drei", "name": "Max Anders"}),
            ("cancel_appointment", {"name": "Erika Muster"})])
        for text in (conflict, again):
            self.assertIn("belegt", text)
            self.assertNotIn("Erika", text)
            self.assertNotIn("Muster", text)
        self.assertNotIn("eingetragen", again)
        self.assertIn("finde ich keinen", cancelled)
        self.assertEqual(a.bookings_at(start, "booked"), 1)
        self.assertEqual(a.bookings_at(start), 1)
        self.assertEqual(len(a.events_at(start)), 1)

        other_call = a.listed_call(other["call_id"])
        self.assertFalse(other_call["appointment_booked"], other_call)

        def new_sheet():
            sheets = [s for s in a.spreadsheets() if s["id"] != first["id"]]
            return sheets if sheets and row_with(sheets[0], other_call["id"]) else None

        fresh = eventually(new_sheet, timeout=60)
        self.assertEqual(len(fresh), 1)
        self.assertEqual(rows_of(fresh[0])[0][0], "Datum")
        self.assertIn("Nein", row_with(fresh[0], other_call["id"]))
        self.assertIsNone(row_with(fresh[0], call["id"]))
        self.assertIn(first["id"], google_state()["deleted_spreadsheets"])
        eventually(lambda: fresh[0]["id"] in (a.browser.get("/api/integrations/google").json()["sheet_url"] or ""))

    def test_two_calls_booking_the_same_slot_at_once_make_one_booking(self):
        a = self.agent
        start = tomorrow_at(16, 0)
        args = {"date": "morgen", "time": "16:00", "name": "Hans Gleichzeitig"}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda caller: a.tool("book_appointment", args, caller=caller)[1],
                                    ["+4915133333331", "+4915133333332"]))
        self.assertEqual(sum("eingetragen" in t for t in answers), 1, answers)
        self.assertEqual(sum("belegt" in t for t in answers), 1, answers)
        self.assertEqual(a.bookings_at(start), 1)
        self.assertEqual(len(a.events_at(start)), 1)

    def test_a_repeated_tool_call_books_once(self):
        a = self.agent
        start = tomorrow_at(17, 0)
        vapi_id = f"repeat-{uuid.uuid4().hex[:10]}"
        args = {"date": "morgen", "time": "17:00", "name": "Rita Wiederholt"}
        _, first = a.tool("book_appointment", args, caller="+4915144444444", vapi_call_id=vapi_id)
        _, second = a.tool("book_appointment", args, caller="+4915144444444", vapi_call_id=vapi_id)
        self.assertIn("eingetragen", first)
        self.assertEqual(first, second)
        self.assertEqual(a.bookings_at(start), 1)
        self.assertEqual(len(a.events_at(start)), 1)

    def test_google_failures_give_the_apology_in_time_and_book_nothing(self):
        a = self.agent
        start = tomorrow_at(18, 0)
        fault("POST", "/google/calendar/v3/calendars", 500)
        elapsed, text = a.tool("book_appointment", {"date": "morgen", "time": "18:00", "name": "Paul Pech"},
                               caller="+4915155555555")
        self.assertIn("Kalender", text)
        self.assertNotIn("eingetragen", text)
        self.assertLess(elapsed, 6.0)
        self.assertEqual(a.bookings_at(start), 0)
        self.assertEqual(a.events_at(start), [])
        clear_faults()

        fault("POST", "/google/calendar/v3/freeBusy", 429)
        elapsed, text = a.tool("check_availability", {"date": "morgen"}, caller="+4915155555555")
        self.assertIn("Kalender", text)
        self.assertNotRegex(text, r"\d:\d\d Uhr")
        self.assertLess(elapsed, 6.0)
        clear_faults()

        # Google back: the same slot is free and books.
        _, text = a.tool("book_appointment", {"date": "morgen", "time": "18:00", "name": "Paul Pech"},
                         caller="+4915155555555")
        self.assertIn("eingetragen", text)
        self.assertEqual(a.bookings_at(start), 1)

    def test_arguments_of_wrong_types_or_absurd_dates_are_answered_and_store_nothing(self):
        a = self.agent
        before = psql(f"SELECT count(*) FROM integrations.bookings WHERE user_id = '{a.owner}'")
        expected = {"2026-13-45": "Dieses Datum gibt es nicht", "31. Februar": "Dieses Datum gibt es nicht",
                    "in 900 Tagen": "So weit im Voraus", 12: "Für welchen Tag", None: "Für welchen Tag",
                    # Not text at all: counts as not said, the caller is asked again.
                    "object": "Für welchen Tag", "array": "Für welchen Tag"}
        for key, sentence in expected.items():
            date = {"object": {"x": 1}, "array": ["morgen"]}.get(key, key)
            for tool in ("check_availability", "book_appointment"):
                _, text = a.tool(tool, {"date": date, "time": "10:00", "name": "Falsch Datum"},
                                 caller="+4915166666666")
                self.assertIn(sentence, text, (tool, date))
                self.assertNotIn("eingetragen", text, (tool, date))
                self.assertNotRegex(text, r"\d:\d\d Uhr", (tool, date))
        _, text = a.tool("book_appointment", {"date": "morgen", "time": {"x": 1}, "name": "Falsch Zeit"},
                         caller="+4915166666666")
        self.assertNotIn("eingetragen", text)
        self.assertEqual(psql(f"SELECT count(*) FROM integrations.bookings WHERE user_id = '{a.owner}'"), before)


class OAuthTest(unittest.TestCase):
    """Bad input on the OAuth flow: nothing stored, a clear outcome for the dashboard."""

    @classmethod
    def setUpClass(cls):
        if not SANDBOX:
            raise unittest.SkipTest("SANDBOX_URL is not set")

    def assert_not_connected(self, browser, user_id):
        body = browser.get("/api/integrations/google").json()
        self.assertFalse(body["connected"], body)
        self.assertEqual(body["status"], "not_connected", body)
        self.assertIsNone(body["google_email"])
        self.assertEqual(psql(f"SELECT count(*) FROM integrations.google_connections "
                              f"WHERE user_id = '{user_id}'"), "0")

    def test_a_forged_state_is_refused(self):
        b, _, user = signed_up("forged")
        no_redirect_get(b, "/api/integrations/google/connect")
        outcome = callback(b, f"/api/integrations/google/callback?code=4/0Sbxforged&state={uuid.uuid4().hex}"
                              "&scope=openid")
        self.assertEqual(outcome, "invalid_state")
        self.assert_not_connected(b, user["id"])

    def test_a_replayed_callback_is_refused(self):
        b, _, user = signed_up("replay")
        path = consent(b, google_email())
        self.assertEqual(callback(b, path), "connected")
        self.assertEqual(callback(b, path), "invalid_state")
        self.assertTrue(b.get("/api/integrations/google").json()["connected"])

    def test_another_owners_callback_is_refused(self):
        victim, _, _ = signed_up("victim")
        path = consent(victim, google_email())
        thief, _, thief_user = signed_up("thief")
        no_redirect_get(thief, "/api/integrations/google/connect")
        self.assertEqual(callback(thief, path), "invalid_state")
        self.assert_not_connected(thief, thief_user["id"])
        # The same owner in another browser (no flow cookie) is refused as well.
        other_browser = Browser()
        for c in victim.jar:
            if c.name != "kx_google_oauth":
                other_browser.jar.set_cookie(c)
        self.assertEqual(callback(other_browser, path), "invalid_state")

    def test_deny_and_a_missing_scope(self):
        b, _, user = signed_up("deny")
        self.assertEqual(callback(b, consent(b, google_email(), decision="deny")), "denied")
        self.assert_not_connected(b, user["id"])
        email = google_email()
        self.assertEqual(callback(b, consent(b, email, untick=("calendar.freebusy",))), "missing_scopes")
        self.assert_not_connected(b, user["id"])
        grants = [g for g in google_state()["grants"] if g["email"] == email]
        self.assertEqual(len(grants), 1)
        self.assertTrue(grants[0]["revoked"], grants)

    def test_settings_and_bookings_validate_and_are_the_owners_own(self):
        b, _, _ = signed_up("settings")
        for bad in (17, 10, 121, "30", {}, 30.5, None):
            assert_error(self, b.request("PUT", "/api/settings/appointments", {"duration_minutes": bad}),
                         422, "validation_failed")
        assert_error(self, b.request("PUT", "/api/settings/appointments", {}), 422, "validation_failed")
        res = b.request("PUT", "/api/settings/appointments", {"duration_minutes": 45})
        self.assertEqual(res.status, 200, res.body)
        self.assertEqual(res.json()["duration_minutes"], 45)
        self.assertEqual(b.get("/api/settings/appointments").json()["duration_minutes"], 45)
        assert_error(self, b.get("/api/bookings?when=x"), 422, "validation_failed")
        assert_error(self, b.get("/api/bookings?limit=0"), 422, "validation_failed")
        # A fresh owner sees none of the other owners' bookings (there are some by now or later).
        listing = b.get("/api/bookings?when=all&limit=200").json()
        self.assertEqual((listing["total"], listing["bookings"]), (0, []))
        assert_error(self, Browser().get("/api/bookings"), 401, "unauthorized")


class DisconnectTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not SECRET or not SANDBOX:
            raise unittest.SkipTest("VAPI_WEBHOOK_SECRET or SANDBOX_URL is not set")

    def calendar_tools(self, assistant_id):
        status, assistant = vapi("GET", f"/assistant/{assistant_id}")
        self.assertEqual(status, 200, assistant)
        return {t["function"]["name"] for t in assistant["model"].get("tools", [])
                if t.get("type") == "function"} & CALENDAR_TOOLS

    def test_disconnect_revokes_at_google_and_the_assistant_loses_its_calendar_tools(self):
        a = BookingAgent()
        eventually(lambda: self.calendar_tools(a.assistant_id) == CALENDAR_TOOLS, timeout=45)
        res = a.browser.request("DELETE", "/api/integrations/google")
        self.assertEqual(res.status, 200, res.body)
        self.assertFalse(res.json()["connected"])
        self.assertEqual(a.browser.get("/api/integrations/google").json()["status"], "not_connected")
        grants = [g for g in google_state()["grants"] if g["email"] == a.email]
        self.assertTrue(grants and all(g["revoked"] for g in grants), grants)
        eventually(lambda: not self.calendar_tools(a.assistant_id), timeout=45)
        _, text = a.tool("check_availability", {"date": "morgen"})
        self.assertIn("nicht", text)
        self.assertNotRegex(text, r"\d:\d\d Uhr")
        assert_error(self, a.browser.request("DELETE", "/api/integrations/google"), 404, "not_found")


if __name__ == "__main__":
    unittest.main()
