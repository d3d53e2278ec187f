"""Billing under faults: a billing process killed (SIGKILL) while it charges a stream of calls, and
several billing processes charging one owner at once. The test platform runs billing as replicas
(infra/test.sh); with one billing process (KX_TEST_SCALE="") the tests add a second one. Both kill
or add billing processes of the test platform, so ctest runs this file on its own (RUN_SERIAL)."""
import os
import unittest
import uuid

from kxplatform import eventually, kill_platform_service, metrics, psql, replica_urls, replicas, \
    start_service, stop
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
        processes = replicas("billing")
        # The owner's calls share one partition: kill the process that is charging them.
        victim = next(name for name, _, _ in processes if f'"call_id":"{prefix}-' in read_log(f"{name}.log"))
        restart = kill_platform_service("billing", victim)
        at_kill = charged_calls(user["id"], prefix)
        self.assertLess(at_kill, 1000, "the stream was done before the kill; nothing was tested")
        print(f"\nkilled {victim} after {at_kill} of 1000 calls", flush=True)
        if len(processes) > 1:
            # The other replicas take over the killed one's partitions (once the broker has seen
            # its session end) and charge everything without it.
            eventually(lambda: charged_calls(user["id"], prefix) == 1000, timeout=120, interval=0.5)
            owners = assigned_partitions([replica_url(name) for name, _, _ in processes
                                          if name != victim], "call.completed")
            self.assertEqual(sorted(owners), sorted(set(owners)), f"a partition owned twice: {owners}")
            self.assertEqual(len(owners), partitions_of("call.completed"), owners)
        restart()
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

    def test_several_instances_charge_one_owner_at_once(self):
        b, user = open_account("two")
        adjust(user["id"], 100_000)
        logs = [f"{name}.log" for name, _, _ in replicas("billing")]
        second = None
        if len(logs) == 1:
            # Off the replicas' port scheme (+100 each), so it never takes a replica's port.
            second = start_billing(int(os.environ["BILLING_PORT"]) + 50, "billing-second.log")
            logs.append("billing-second.log")
        try:
            prefix = f"two-{uuid.uuid4().hex[:8]}"
            # Every call twice, on different partitions, paced so every instance is busy: several
            # processes book the same owner (and the same calls) concurrently.
            report = publish_calls(user["id"], prefix, calls=1000, seconds=95, copies=2, spread=True,
                                   rate=250, wait=True, timeout=180)
            self.assertEqual(report["deducted"], 1000, report)
            self.assertEqual(report["charged_more_than_once"], 0, report)
            assert_ledger_consistent(self, b, user["id"], 100_000 - 1000 * 30)
            self.assertEqual(charged_calls(user["id"], prefix), 1000)
            # Every process did part of the work.
            print(f"\n{len(logs)} instances: {report}", flush=True)
            for log in logs:
                self.assertIn(f'"call_id":"{prefix}-', read_log(log), log)
        finally:
            if second:
                stop(second)


def replica_url(name):
    """The base URL of a billing process by its name (billing, billing-2, ...)."""
    index = 0 if name == "billing" else int(name.rsplit("-", 1)[1]) - 1
    return replica_urls("billing")[index]


def assigned_partitions(urls, topic):
    """The partitions of `topic` the given processes consume, from kx_consumer_assigned (refreshed
    every LAG_METRICS_INTERVAL_MS); one entry per owner, so a partition owned twice shows twice."""
    def current():
        owned = []
        for url in urls:
            for (name, labels), value in metrics(url).items():
                if name == "kx_consumer_assigned" and ("topic", topic) in labels and value == 1:
                    owned.append(int(dict(labels)["partition"]))
        return owned if len(set(owned)) == partitions_of(topic) else None
    return eventually(current, timeout=30, interval=0.5)


def partitions_of(topic):
    """How many partitions `topic` has, from any billing process's kx_consumer_lag series."""
    for url in replica_urls("billing"):
        try:
            series = metrics(url)
        except OSError:
            continue  # a killed replica
        return len([1 for (name, lbl) in series if name == "kx_consumer_lag" and ("topic", topic) in lbl])
    raise AssertionError("no billing process answers /metrics")


if __name__ == "__main__":
    unittest.main()
