"""The Vapi sync under faults: the Vapi sandbox answering 500, 429 with Retry-After and too slowly,
and the agent service killed (SIGKILL) while it creates an assistant. After recovery Vapi holds
exactly one assistant per agent, with the latest settings. Faults are injected into the shared
sandbox and the agent process is restarted, so ctest runs this file on its own (RUN_SERIAL)."""
import json
import os
import time
import unittest
import urllib.request

from kxplatform import eventually, kill_platform_service, signed_up
from test_agents import create_agent, synced, vapi

SANDBOX = os.environ.get("SANDBOX_URL", "")


def control(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{SANDBOX}/_control{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as res:
        raw = res.read()
        return json.loads(raw) if raw else None


def fault(**kw):
    control("POST", "/faults", kw)


def requests(route):
    return control("GET", "/stats")["requests"].get(route, 0)


def assistants_of(agent_id):
    status, listing = vapi("GET", "/assistant?limit=1000")
    assert status == 200, listing
    return [a for a in listing if (a.get("metadata") or {}).get("kametrix_agent_id") == agent_id]


class SyncFaultsTest(unittest.TestCase):
    def setUp(self):
        control("DELETE", "/faults")

    def tearDown(self):
        control("DELETE", "/faults")

    def test_server_errors_rate_limits_and_timeouts_are_retried_until_vapi_has_the_latest(self):
        b, _, _ = signed_up("sync-faults")
        control("DELETE", "/stats")
        # Creation fails twice with 500, then succeeds: one assistant.
        fault(method="POST", path_prefix="/vapi/assistant", status=500, count=2)
        agent = create_agent(b, name="Pizzeria Da Enzo", business_type="gastronomy")
        agent = synced(b, agent["id"], timeout=60)
        self.assertGreaterEqual(requests("POST /vapi/assistant"), 3)
        self.assertEqual(len(assistants_of(agent["id"])), 1)

        # While Vapi rate-limits, the card says so; three edits in a row end with the last one.
        fault(method="PATCH", path_prefix="/vapi/assistant", status=429, retry_after=1, count=3)
        for greeting in ("Erste Fassung.", "Zweite Fassung.", "Pizzeria Da Enzo, buongiorno!"):
            res = b.request("PATCH", f"/api/agents/{agent['id']}", {"greeting": greeting})
            self.assertEqual(res.status, 200, res.body)
        synced(b, agent["id"], timeout=60)
        eventually(lambda: vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")[1]["firstMessage"]
                   == "Pizzeria Da Enzo, buongiorno!", timeout=30)

        # Vapi too slow (longer than the client's timeout) once: retried, then applied.
        fault(method="PATCH", path_prefix="/vapi/assistant", delay_ms=12_000, count=1)
        b.request("PATCH", f"/api/agents/{agent['id']}", {"farewell": "Arrivederci und bis bald!"})
        eventually(lambda: vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")[1]["endCallMessage"]
                   == "Arrivederci und bis bald!", timeout=90)
        self.assertEqual(len(assistants_of(agent["id"])), 1)

        # A persistent rejection shows the owner a German error and keeps the edit.
        fault(method="PATCH", path_prefix="/vapi/assistant", status=400, count=-1)
        b.request("PATCH", f"/api/agents/{agent['id']}", {"greeting": "Nach dem Fehler."})
        failed = eventually(lambda: (lambda a: a if a["sync_state"] == "error" else None)(
            b.get(f"/api/agents/{agent['id']}").json()), timeout=30)
        self.assertIn("Vapi", failed["sync_error"])
        control("DELETE", "/faults")
        # Any later change (or the periodic retry) brings Vapi to the stored state.
        b.request("PATCH", f"/api/agents/{agent['id']}", {"name": "Pizzeria Da Enzo"})
        synced(b, agent["id"], timeout=60)
        self.assertEqual(vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")[1]["firstMessage"],
                         "Nach dem Fehler.")

    def test_killed_while_creating_the_assistant_leaves_exactly_one(self):
        b, _, _ = signed_up("sync-kill")
        # The create reaches Vapi and Vapi creates the assistant, but answers slowly: the agent
        # service dies before it learns the id.
        fault(method="POST", path_prefix="/vapi/assistant", delay_ms=4_000, count=1)
        control("DELETE", "/stats")
        agent = create_agent(b, name="Tischlerei Holm", business_type="trades")
        eventually(lambda: requests("POST /vapi/assistant") >= 1, timeout=30, interval=0.05)
        restart = kill_platform_service("agent")
        time.sleep(4.5)  # the sandbox finishes the creation meanwhile
        self.assertEqual(len(assistants_of(agent["id"])), 1)
        # Edits while the service is down are kept by the database... and pushed after restart.
        restart()
        res = b.request("PATCH", f"/api/agents/{agent['id']}", {"greeting": "Tischlerei Holm, moin!"})
        self.assertEqual(res.status, 200, res.body)
        agent = synced(b, agent["id"], timeout=90)
        found = assistants_of(agent["id"])
        self.assertEqual([a["id"] for a in found], [agent["vapi_assistant_id"]])
        self.assertEqual(found[0]["firstMessage"], "Tischlerei Holm, moin!")


if __name__ == "__main__":
    unittest.main()
