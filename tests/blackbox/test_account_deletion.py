"""Account deletion through the running platform, checked from the database's side.

An owner with a distinctive name, e-mail address and phone numbers gets data in every service:
an agent with forwarding numbers and a draft (agent), a booked and transferred call from a
distinctive caller (telephony-webhook), the call charged (billing), Google connected with the
same address, the booking, the call-log row, notification mails and a webhook endpoint with its
deliveries (integrations). Then the owner deletes the account (DELETE /api/account with the
password). Once every service has consumed user.deleted, every text, JSON, array and bytea
column of every table of every schema is searched for the address, the name and the numbers;
any hit outside EXCEPTIONS fails (docs/privacy.md lists what is kept and why).

Also checked outside the database: the agent's Vapi assistant is deleted and its number
released, and the Google grant is revoked."""
import json
import unittest
import urllib.request
import uuid

from kxplatform import PASSWORD, Browser, eventually, psql, verify_email
from test_agents import definition, sandbox_number, synced, vapi
from test_calls import SANDBOX, SECRET
from test_integrations import EVERY_DAY, connect_google, google_state

# (schema, table) -> why the owner's identifiers may stay there. Empty: the bookkeeping that
# billing keeps (§ 147 AO / § 257 HGB) holds pseudonymous ids only, never an address, name or
# number (docs/privacy.md).
EXCEPTIONS = {}

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


def random_digits(n):
    return str(uuid.uuid4().int)[:n]


def delete_account(browser):
    res = browser.request("DELETE", "/api/account", {"password": PASSWORD})
    assert res.status == 204, res.body


def text_columns():
    """{(schema, table): [bytea columns]} for every table whose rows can hold text."""
    rows = psql("SELECT c.table_schema, c.table_name, c.column_name, c.data_type "
                "FROM information_schema.columns c JOIN information_schema.tables t "
                "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                "AND t.table_type = 'BASE TABLE' "
                f"WHERE c.table_schema NOT IN {SYSTEM_SCHEMAS} "
                "ORDER BY 1, 2, 3").splitlines()
    tables = {}
    for row in rows:
        schema, table, column, kind = row.split("|")
        tables.setdefault((schema, table), [])
        if kind == "bytea":
            tables[(schema, table)].append(column)
    return tables


def find(terms):
    """[(schema.table, term)] for every table holding one of the terms anywhere in a row (the
    row as text covers text, JSON and arrays; bytea columns are read as UTF-8 besides)."""
    values = ", ".join("'" + t.replace("'", "''") + "'" for t in terms)
    parts = []
    for (schema, table), bytea in text_columns().items():
        where = ["t::text ILIKE '%' || term || '%'"]
        where += [f"encode(t.\"{c}\", 'escape') ILIKE '%' || term || '%'" for c in bytea]
        parts.append(f"SELECT DISTINCT '{schema}.{table}', term FROM \"{schema}\".\"{table}\" t, "
                     f"unnest(ARRAY[{values}]) term WHERE " + " OR ".join(where))
    out = psql(" UNION ALL ".join(parts))
    return [tuple(line.split("|")) for line in out.splitlines() if line]


class AccountDeletionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not SECRET or not SANDBOX:
            raise unittest.SkipTest("VAPI_WEBHOOK_SECRET or SANDBOX_URL is not set")

    def test_after_deletion_no_schema_holds_the_owners_address_name_or_numbers(self):
        tag = uuid.uuid4().hex[:8]
        name = f"Quirina Zelbsthaler-{tag}"
        email = f"loeschtest-{tag}@salon-beispiel.de"
        forwarding = "+4930" + random_digits(8)
        after_hours = "+4940" + random_digits(8)
        caller = "+49151" + random_digits(8)
        caller_name = f"Ottokar Brennwald-{tag}"
        # The numbers are searched by their national digits, so "030 …" and "+4930…" both count.
        terms = [email, name, f"Zelbsthaler-{tag}", caller_name, forwarding[3:], after_hours[3:],
                 caller[3:]]

        b = Browser()
        b.get("/")
        res = b.post("/api/auth/register", {"email": email, "password": PASSWORD, "name": name})
        self.assertEqual(res.status, 201, res.body)
        user = res.json()["user"]["id"]
        verify_email(b, email)

        # integrations: Google with the same address, notification mails, a webhook endpoint
        # (nothing listens there: its deliveries wait with their payloads).
        connect_google(b, email)
        res = b.request("PUT", "/api/settings/notifications", {"call_summary": True, "new_booking": True})
        self.assertEqual(res.status, 200, res.body)
        res = b.post("/api/webhooks/endpoints",
                     {"url": "http://127.0.0.1:19199/hook", "description": f"Für {name}",
                      "event_types": ["call.completed", "appointment.booked"]})
        self.assertEqual(res.status, 201, res.body)

        # agent: an agent with the owner's numbers, and a draft with their name.
        body = definition(f"Salon {tag}", timezone="Europe/Berlin",
                          business={"description": f"Friseursalon von {name} in Berlin.",
                                    "opening_hours": EVERY_DAY, "services": ["Haarschnitt"]})
        body["escalation"] = {"enabled": True, "forwarding_number": forwarding,
                              "after_hours_number": after_hours,
                              "business_hours": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                                 "start": "00:00", "end": "23:59"}}
        res = b.post("/api/agents", body)
        self.assertEqual(res.status, 201, res.body)
        agent = synced(b, res.json()["id"])
        res = b.post("/api/agents/drafts", {"step": 1, "state": {"name": f"Zweitsalon {name}"}})
        self.assertEqual(res.status, 201, res.body)
        number = sandbox_number(agent["phone_number"])
        eventually(lambda: psql("SELECT count(*) FROM telephony_webhook.phone_numbers "
                                f"WHERE vapi_phone_number_id = '{number['id']}' "
                                f"AND agent_id = '{agent['id']}'") == "1", timeout=45)
        eventually(lambda: psql(f"SELECT count(*) FROM integrations.agents WHERE agent_id = '{agent['id']}' "
                                "AND opening_hours <> '{}'") == "1", timeout=45)

        # telephony-webhook, billing, integrations: a call that books and is transferred.
        scenario = {"phone_number_id": number["id"], "phone_number": agent["phone_number"],
                    "customer_number": caller, "transfer": True,
                    "tools": [{"name": "book_appointment",
                               "arguments": {"date": "morgen", "time": "halb drei", "name": caller_name}}]}
        req = urllib.request.Request(SANDBOX + "/vapi/simulate/call", data=json.dumps(scenario).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=90) as r:
            result = json.loads(r.read())
        self.assertEqual(result["outcome"], "simulated", result)

        def where(sql):
            return lambda: int(psql(sql)) > 0
        eventually(where(f"SELECT count(*) FROM telephony_webhook.calls WHERE user_id = '{user}' "
                         f"AND caller_number = '{caller}' AND completed_published"), timeout=60)
        eventually(where(f"SELECT count(*) FROM telephony_webhook.escalations WHERE user_id = '{user}'"))
        eventually(where(f"SELECT count(*) FROM integrations.bookings WHERE user_id = '{user}'"), timeout=60)
        eventually(where(f"SELECT count(*) FROM billing.call_charges WHERE user_id = '{user}'"), timeout=60)
        eventually(where(f"SELECT count(*) FROM integrations.sheet_rows WHERE user_id = '{user}'"), timeout=60)
        eventually(where(f"SELECT count(*) FROM integrations.webhook_deliveries WHERE user_id = '{user}'"),
                   timeout=60)
        eventually(where(f"SELECT count(*) FROM integrations.mails WHERE user_id = '{user}' "
                         "AND kind = 'call_summary'"), timeout=60)
        # Every service holds the owner's identifiers now: the search finds what it looks for.
        before = {table for table, _ in find(terms)}
        for expected in ("agent.agents", "agent.drafts", "telephony_webhook.calls",
                         "telephony_webhook.agents", "billing.accounts", "integrations.bookings",
                         "integrations.google_connections", "integrations.mail_owners",
                         "integrations.webhook_endpoints"):
            self.assertIn(expected, before)

        delete_account(b)

        # auth deleted its part before answering; every service has consumed user.deleted, and
        # the agent service has deleted the assistant in Vapi (its rows go once Vapi confirmed).
        waits = [
            f"SELECT count(*) FROM agent.owners WHERE user_id = '{user}' AND deleted_at IS NOT NULL",
            f"SELECT count(*) = 0 FROM agent.agents WHERE user_id = '{user}'",
            f"SELECT count(*) FROM telephony_webhook.owners WHERE user_id = '{user}' AND status = 'deleted'",
            f"SELECT count(*) FROM billing.accounts WHERE user_id = '{user}' AND closed_at IS NOT NULL",
            f"SELECT count(*) FROM integrations.mail_owners WHERE user_id = '{user}' AND deleted",
        ]
        for sql in waits:
            eventually(lambda sql=sql: psql(sql) in ("1", "t"), timeout=90)

        status, _ = vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")
        self.assertEqual(status, 404)
        eventually(lambda: not sandbox_number(agent["phone_number"]).get("assistantId"), timeout=45)
        grants = [g for g in google_state()["grants"] if g["email"] == email]
        self.assertTrue(grants and all(g["revoked"] for g in grants), grants)

        hits = [(table, term) for table, term in find(terms) if table not in EXCEPTIONS]
        self.assertEqual(hits, [], "the deleted owner's identifiers are still stored")


if __name__ == "__main__":
    unittest.main()
