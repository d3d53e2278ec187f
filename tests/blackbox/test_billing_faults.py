"""Billing under faults: a billing process killed (SIGKILL) while it charges a stream of calls, and
two billing instances charging one owner at once. Both restart or add billing processes on the
test platform, so ctest runs this file on its own (RUN_SERIAL)."""
import os
import signal
import unittest
import uuid

from kxplatform import alive, eventually, psql, start_service, stop
from test_billing import adjust, admin, balance, open_account, publish_calls

STATE = os.environ.get("KX_TEST_STATE_DIR", "")


def start_billing(port, log_name):
    return start_service("billing", port, log_name)


def read_log(name):
    with open(os.path.join(STATE, "logs", name), errors="replace") as f:
        return f.read()


def charged_calls(user_id, prefix):
    return int(psql(f"SELECT count(*) FROM billing.call_charges WHERE user_id = '{user_id}' "
                    f"AND call_id LIKE '{prefix}-%'"))


def assert_ledger_consistent(test, browser, user_id, expected_balance):
    test.assertEqual(balance(browser), expected_balance)
    ledger_sum = int(psql(f"SELECT COALESCE(sum(amount_cents), 0) FROM billing.ledger_entries "
                          f"WHERE user_id = '{user_id}'"))
    test.assertEqual(ledger_sum, expected_balance)
    rec = admin().get("/api/admin/billing/reconciliation").json()
    test.assertTrue(rec["ok"], rec)


class BillingFaultTest(unittest.TestCase):
    def test_killed_in_the_middle_of_charging_then_restarted_charges_every_call_once(self):
        b, user = open_account("kill")
        adjust(user["id"], 100_000)
        prefix = f"kill-{uuid.uuid4().hex[:8]}"
        publish_calls(user["id"], prefix, calls=1000, seconds=95, copies=2)
        # SIGKILL while the consumer is busy: it is inside a transaction almost all the time.
        eventually(lambda: charged_calls(user["id"], prefix) >= 150, timeout=60, interval=0.02)
        pid_file = os.path.join(STATE, "pids", "billing.pid")
        with open(pid_file) as f:
            killed = int(f.read().strip())
        os.kill(killed, signal.SIGKILL)
        eventually(lambda: not alive(killed), timeout=10, interval=0.01)
        at_kill = charged_calls(user["id"], prefix)
        self.assertLess(at_kill, 1000, "the stream was done before the kill; nothing was tested")
        print(f"\nkilled billing after {at_kill} of 1000 calls", flush=True)
        pid = start_billing(int(os.environ["BILLING_PORT"]), "billing.log")
        with open(pid_file, "w") as f:  # so the platform's stop takes this one down
            f.write(str(pid))
        eventually(lambda: charged_calls(user["id"], prefix) == 1000, timeout=120, interval=0.5)
        # One more call for the same owner lands behind every copy in the owner's partition: once
        # it is charged, billing has finished with all of them, so a double charge would show.
        sentinel = f"sentinel-{uuid.uuid4().hex[:8]}"
        publish_calls(user["id"], sentinel, calls=1, seconds=60)
        eventually(lambda: charged_calls(user["id"], sentinel) == 1, timeout=60)
        self.assertEqual(charged_calls(user["id"], prefix), 1000)
        entries = int(psql(f"SELECT count(*) FROM billing.ledger_entries WHERE user_id = '{user['id']}' "
                           f"AND reference LIKE 'call:{prefix}-%'"))
        self.assertEqual(entries, 1000)
        assert_ledger_consistent(self, b, user["id"], 100_000 - 1000 * 30 - 15)

    def test_two_instances_charge_one_owner_at_once(self):
        b, user = open_account("two")
        adjust(user["id"], 100_000)
        port = int(os.environ["BILLING_PORT"]) + 100
        second = start_billing(port, "billing-second.log")
        try:
            prefix = f"two-{uuid.uuid4().hex[:8]}"
            # Every call twice, on different partitions, paced so both instances are busy: two
            # processes book the same owner (and the same calls) concurrently.
            report = publish_calls(user["id"], prefix, calls=1000, seconds=95, copies=2, spread=True,
                                   rate=250, wait=True, timeout=180)
            self.assertEqual(report["deducted"], 1000, report)
            self.assertEqual(report["charged_more_than_once"], 0, report)
            assert_ledger_consistent(self, b, user["id"], 100_000 - 1000 * 30)
            self.assertEqual(charged_calls(user["id"], prefix), 1000)
            # Both processes did part of the work.
            print(f"\ntwo instances: {report}", flush=True)
            self.assertIn(f'"call_id":"{prefix}-', read_log("billing-second.log"))
            self.assertIn(f'"call_id":"{prefix}-', read_log("billing.log"))
        finally:
            stop(second)


if __name__ == "__main__":
    unittest.main()
