"""Black-box tests of the audit log: admin actions in auth, billing, agent and telephony-webhook
arrive in auth's log with before/after, the exports parse, the compliance report counts, and only
admins get in. (integrations' audited action, retrying a failed mail, needs a mail that failed
for good; kx_integrations_test covers it.)"""
import csv
import datetime
import io
import json
import unittest
import uuid

from kxplatform import Browser, assert_error, eventually, signed_up
from test_agents import create_agent, synced
from test_billing import adjust, admin, open_account
from test_calls import post_vapi, report


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def entries(query):
    res = admin().get("/api/admin/audit?" + query)
    assert res.status == 200, res.body
    return res.json()


class AuditLogTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.started = now_iso()
        cls.owner, cls.user = open_account("audit")
        cls.admin_id = admin().get("/api/auth/me").json()["user"]["id"]
        adjust(cls.user["id"], 500, "Kulanz =SUMME(A1)")
        adjust(cls.user["id"], -200, "Korrektur")
        cls.agent = synced(cls.owner, create_agent(cls.owner, name="Praxis Audit")["id"])
        # A call of the owner, which the admin then opens (telephony-webhook audits the access).
        vapi_call = "audit-" + uuid.uuid4().hex[:10]
        assert post_vapi(report(vapi_call, cls.agent["vapi_assistant_id"]))[0] == 200
        cls.call_id = eventually(lambda: [c["id"] for c in cls.owner.get("/api/calls").json()["items"]
                                          if c["vapi_call_id"] == vapi_call], timeout=30)[0]
        res = admin().post(f"/api/admin/agents/{cls.agent['id']}/deactivate")
        assert res.status == 200, res.body
        res = admin().get(f"/api/admin/calls/{cls.call_id}")
        assert res.status == 200, res.body
        res = admin().request("PATCH", f"/api/admin/users/{cls.user['id']}", {"name": "Audit Inhaberin"})
        assert res.status == 200, res.body
        # Five admin actions of this process' admin; the log is filled by auth's consumer.
        eventually(lambda: entries(f"admin_id={cls.admin_id}&from={cls.started}")["total"] >= 5,
                   timeout=60)

    def test_admin_actions_of_billing_and_agent_appear_with_before_and_after(self):
        items = entries(f"admin_id={self.admin_id}&from={self.started}")["items"]
        by_action = {}
        for item in items:
            by_action.setdefault(item["action"], []).append(item)
        credits = by_action["credits.adjust"]
        self.assertEqual(len(credits), 2)
        for item in credits:
            self.assertEqual(item["service"], "billing")
            self.assertEqual(item["user_id"], self.user["id"])
            self.assertIn("@", item["admin_email"])
            self.assertTrue(item["request_id"])
            self.assertTrue(item["ip"])
            self.assertIsNotNone(item["after"])
        agent = [i for i in by_action["agent.deactivate"] if i["target_id"] == self.agent["id"]]
        self.assertEqual(len(agent), 1)
        self.assertEqual(agent[0]["service"], "agent")
        self.assertNotEqual(agent[0]["before"]["status"], "inactive")
        self.assertEqual(agent[0]["after"]["status"], "inactive")
        view = [i for i in by_action["call.view"] if i["target_id"] == self.call_id]
        self.assertEqual(len(view), 1)
        self.assertEqual(view[0]["service"], "telephony-webhook")
        self.assertEqual(view[0]["user_id"], self.user["id"])
        self.assertIsNotNone(view[0]["after"])
        update = [i for i in by_action["user.update"] if i["target_id"] == self.user["id"]]
        self.assertEqual(len(update), 1)
        self.assertEqual(update[0]["service"], "auth")
        self.assertNotEqual(update[0]["before"]["name"], "Audit Inhaberin")
        self.assertEqual(update[0]["after"]["name"], "Audit Inhaberin")
        # Filters narrow the list.
        only = entries(f"action=agent.deactivate&target_id={self.agent['id']}")
        self.assertEqual(only["total"], 1)
        self.assertEqual(entries(f"user_id={self.user['id']}&action=credits.adjust")["total"], 2)

    def test_exports_parse(self):
        query = f"admin_id={self.admin_id}&from={self.started}"
        res = admin().get("/api/admin/audit.csv?" + query)
        self.assertEqual(res.status, 200, res.body[:300])
        self.assertIn('attachment; filename="kametrix-audit.csv"', res.headers["Content-Disposition"])
        rows = list(csv.reader(io.StringIO(res.body.decode("utf-8-sig")), delimiter=";"))
        self.assertEqual(rows[0][:4], ["Zeitpunkt (UTC)", "Admin-ID", "Admin-E-Mail", "Aktion"])
        self.assertEqual(len(rows) - 1, entries(query)["total"])
        actions = {r[3] for r in rows[1:]}
        self.assertTrue({"credits.adjust", "agent.deactivate"} <= actions)
        # A cell that would start a formula is shown as text.
        for r in rows[1:]:
            for cell in r:
                self.assertFalse(cell[:1] in ("=", "+", "-", "@"), cell)

        res = admin().get("/api/admin/audit.json?" + query)
        self.assertEqual(res.status, 200)
        self.assertIn('attachment; filename="kametrix-audit.json"', res.headers["Content-Disposition"])
        doc = json.loads(res.body)
        self.assertEqual(doc["total"], len(doc["items"]))
        self.assertEqual(len(doc["items"]), len(rows) - 1)

    def test_report_counts_and_lists_sensitive_actions(self):
        res = admin().get(f"/api/admin/audit/report?from={self.started}")
        self.assertEqual(res.status, 200, res.body)
        report = res.json()
        self.assertEqual(report["from"], self.started)
        mine = [a for a in report["by_admin"] if a["admin_id"] == self.admin_id]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["count"], 5)
        self.assertEqual(report["total"], sum(a["count"] for a in report["by_action"]))
        self.assertEqual(report["total"], sum(a["count"] for a in report["by_admin"]))
        counts = {a["action"]: a["count"] for a in report["by_action"]}
        self.assertGreaterEqual(counts["credits.adjust"], 2)
        sensitive = [e for e in report["sensitive"] if e["admin_id"] == self.admin_id]
        # Credit adjustments are sensitive; so is the agent's status change.
        self.assertEqual(sorted(e["action"] for e in sensitive),
                         ["agent.deactivate", "credits.adjust", "credits.adjust"])

    def test_only_admins(self):
        owner, _, _ = signed_up("audit-owner")
        for path in ("/api/admin/audit", "/api/admin/audit.csv", "/api/admin/audit.json",
                     "/api/admin/audit/report"):
            assert_error(self, owner.get(path), 403, "forbidden")
            assert_error(self, Browser().get(path), 401)

    def test_bad_filters(self):
        for query in ("from=gestern", "from=2026-11-05&to=2026-11-01", "limit=0", "limit=abc",
                      "action=x%20y", "to=2026-02-30"):
            error = assert_error(self, admin().get("/api/admin/audit?" + query), 422, "validation_failed")
            self.assertTrue(error["details"], query)
        assert_error(self, admin().get("/api/admin/audit/report?from=2020-01-01&to=2026-01-01"), 422)
        assert_error(self, admin().get("/api/admin/audit.csv?from=kaputt"), 422)


if __name__ == "__main__":
    unittest.main()
