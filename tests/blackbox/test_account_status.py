"""A suspended owner's agent stops answering, through the running platform: an admin suspends
the account (PATCH /api/admin/users/{id}), the agent service pauses the agent (its assistant
declines) and telephony-webhook declines calls to its number; reactivation brings both back."""
import unittest

from kxplatform import eventually, psql, signed_up
from test_agents import assistant_answer, create_agent, routed, simulate, synced, vapi
from test_billing import admin
from test_calls import SANDBOX, SECRET


def set_status(user, status):
    res = admin().request("PATCH", f"/api/admin/users/{user}", {"status": status})
    assert res.status == 200, res.body
    assert res.json()["user"]["status"] == status, res.body


def answers(e164):
    """Whether a simulated call to the number reaches the agent's own assistant (an assistant id
    in the assistant-request answer; a declining call gets a transient assistant instead)."""
    answer = assistant_answer(simulate({"phone_number": e164})) or {}
    return "assistantId" in answer


class SuspensionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not SECRET or not SANDBOX:
            raise unittest.SkipTest("VAPI_WEBHOOK_SECRET or SANDBOX_URL is not set")

    def test_a_suspended_owners_agent_declines_calls_until_reactivated(self):
        b, email, user = signed_up("status")
        agent = synced(b, create_agent(b, name="Salon Sperrprobe")["id"])
        e164 = agent["phone_number"]
        routed(agent["id"], e164)
        eventually(lambda: answers(e164), timeout=30)

        set_status(user["id"], "suspended")
        eventually(lambda: psql(f"SELECT status FROM telephony_webhook.owners "
                                f"WHERE user_id = '{user['id']}'") == "suspended", timeout=30)
        eventually(lambda: psql(f"SELECT account_status FROM agent.owners "
                                f"WHERE user_id = '{user['id']}'") == "suspended", timeout=30)
        self.assertFalse(answers(e164))
        # The assistant in Vapi follows too, and the admin sees the agent paused for the
        # account's status.
        eventually(lambda: vapi("GET", f"/assistant/{agent['vapi_assistant_id']}")[1]["metadata"]
                   ["kametrix_status"] == "paused", timeout=30)
        res = admin().get(f"/api/admin/agents/{agent['id']}")
        self.assertEqual(res.status, 200, res.body)
        self.assertEqual(res.json()["status"], "paused", res.body)
        self.assertEqual(res.json()["paused_reason"], "account_suspended", res.body)

        set_status(user["id"], "active")
        eventually(lambda: answers(e164), timeout=45)


if __name__ == "__main__":
    unittest.main()
