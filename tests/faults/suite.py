"""The fault-and-load suite (tests/faults/run.sh --size N): N calls and N/8 Stripe purchases of
many owners, every message delivered 1–3 times out of order, while a billing and a
telephony-webhook process are killed with SIGKILL, PostgreSQL is stopped for 30 s and the dev
broker is killed and started again with the services. Then, for every owner: each acknowledged
call stored once and charged once, each paid session credited once, refunds taken once, balance
equal to the ledger sum and to what the suite sent, no outbox row left unpublished, no dead letter
of the suite's events. Then the slow and abusive clients (abuse.py). Prints one line per check
and, last, "P passed, F failed"."""
import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "blackbox"))

from kxplatform import ROOT, STATE, Browser, eventually, metrics, psql, replica_pids  # noqa: E402
import abuse  # noqa: E402
import faults  # noqa: E402
import traffic  # noqa: E402

OUTAGE_SECONDS = 30
# How long billing lags behind before the broker dies.
LAG_SECONDS = 5


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def crashed(self, phase, error):
        traceback.print_exc()
        self.check(f"{phase} ran to its end", False, f"{type(error).__name__}: {error}")


def note(text):
    print(f"# {text}", flush=True)


def listed(items, limit=5):
    items = list(items)
    if not items:
        return "none"
    return ", ".join(str(i) for i in items[:limit]) + (f" … ({len(items)} in all)" if len(items) > limit else "")


def quoted(values):
    return ",".join("'" + v.replace("'", "''") + "'" for v in values)


def rows(sql):
    out = psql(sql)
    return [line.split("|") for line in out.splitlines()] if out else []


def unpublished():
    schemas = psql("SELECT string_agg(schemaname, ' ') FROM pg_tables WHERE tablename = 'outbox'").split()
    return {s: int(psql(f"SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL")) for s in schemas}


def dead_letters(owner_ids):
    """The dead letters on the broker now: (topic, key, kx_error) of the suite's owners, and how
    many belong to others (other tests' deliberately broken events)."""
    bootstrap = open(os.path.join(STATE, "kafka.bootstrap")).read().strip()
    topics = [name.rsplit(".v", 1)[0] + ".dlq"
              for name in sorted(os.listdir(os.path.join(ROOT, "proto-schemas/events"))) if name.endswith(".json")]

    def read(topic):
        out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-J", "-q"],
                             capture_output=True, text=True, timeout=60)
        return [(topic, json.loads(line)) for line in out.stdout.splitlines()]

    mine, others = [], 0
    with ThreadPoolExecutor(len(topics)) as pool:
        for topic, msg in (m for found in pool.map(read, topics) for m in found):
            headers = dict(zip(msg.get("headers", [])[0::2], msg.get("headers", [])[1::2]))
            if msg.get("key") in owner_ids:
                mine.append((topic, msg.get("key"), headers.get("kx_error", "")))
            else:
                others += 1
    return mine, others


class Faults:
    """Injects the faults at fixed points of the burst's progress and records what it saw."""

    def __init__(self, report, burst, browser):
        self.report = report
        self.burst = burst
        self.browser = browser  # an owner's, whose requests need the database
        self.log = []

    def at(self, fraction, what, fn):
        self.burst.wait_progress(fraction)
        started = time.time()
        progress = self.burst.progress()
        note(f"{what} at {progress:.0%} of the deliveries")
        try:
            fn()
        except Exception as e:
            self.report.crashed(what, e)
        self.log.append((what, progress, started, time.time()))

    def kill(self, service):
        name, port, killed, pid = faults.kill(service)
        self.report.check(f"{name} killed with SIGKILL mid-burst is serving again", faults.ready(port),
                          f"pid {killed} killed, {pid} started")

    def postgres_outage(self):
        before = {name: pid for name, _, pid in faults.every_process()}
        faults.postgres("down")
        down_at = time.time()
        answers = []
        while time.time() - down_at < OUTAGE_SECONDS:
            answers.append(self.browser.get("/api/credits").status)
            time.sleep(1)
        readiness = {name: faults.ready(port) for name, port, _ in faults.every_process()
                     if not name.startswith("gateway")}
        # The window ends before PostgreSQL is started again: an answer that arrives while
        # `postgres up` waits for it to accept connections may already be a 200.
        self.outage = (down_at + 2, time.time())
        faults.postgres("up")
        up_at = time.time()
        self.report.check("while PostgreSQL is down every service says it is not ready",
                          not any(readiness.values()), listed(p for p, r in readiness.items() if r))
        self.report.check("while PostgreSQL is down a client is answered 503",
                          answers and set(answers) == {503}, f"answers {collections.Counter(answers)}")
        try:
            eventually(faults.all_ready, timeout=60, interval=0.5)
            recovered = time.time() - up_at
        except AssertionError:
            recovered = None
        after = {name: pid for name, _, pid in faults.every_process()}
        self.report.check("after PostgreSQL is back every process is ready again without a restart",
                          recovered is not None and after == before,
                          f"ready {recovered and round(recovered, 1)} s after the start; "
                          f"restarted: {listed(k for k in before if after.get(k) != before[k])}")

    def broker_restart(self, owner_ids):
        """Billing falls behind (its processes paused) while calls keep coming, so the broker
        holds acknowledged events nobody has consumed when it dies: the loss the platform must
        notice and repair by itself."""
        self.dead_before = dead_letters(owner_ids)
        ids = quoted(owner_ids)
        paused = list(replica_pids("billing").values())
        note(f"billing paused at {self.burst.progress():.0%} of the deliveries")
        for pid in paused:
            os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(LAG_SECONDS)
            faults.kill_broker()
            note(f"broker killed at {self.burst.progress():.0%} of the deliveries")
        finally:
            for pid in paused:
                os.kill(pid, signal.SIGCONT)
        stranded = int(psql(f"SELECT count(*) FROM telephony_webhook.calls c WHERE c.user_id IN ({ids}) "
                            "AND c.completed_published AND NOT EXISTS "
                            "(SELECT 1 FROM billing.call_charges cc WHERE cc.call_id = c.id)"))
        note(f"{stranded} calls published but not charged when the broker died")
        time.sleep(3)  # the services run on without a broker for a moment
        stopping = faults.start_broker_with_services()
        self.report.check("every service stops on SIGTERM within 20 s while the broker is gone (none is SIGKILLed)",
                          stopping < 20, f"the services took {stopping} s to stop")
        self.report.check("after the broker and the services restarted every process is ready", faults.all_ready())


def setup(report, size):
    calls, purchases = size, max(6, size // 8)
    owners_count = max(4, min(40, size // 25))
    report.check("the suite's Stripe signatures are what Stripe's library accepts",
                 traffic.signature_matches_stripe_library())
    report.check("every process of the platform is ready", faults.all_ready(),
                 listed(f"{name}:{pid}" for name, _, pid in faults.every_process()))
    started = time.time()
    owners = traffic.create_owners(owners_count, calls, purchases)
    note(f"{owners_count} owners with an agent and {purchases} checkout sessions ready in "
         f"{time.time() - started:.0f} s")
    return owners


def run_burst(report, owners, rng):
    deliveries = traffic.build_deliveries(owners, rng)
    rate = max(5.0, len(deliveries) / 45)
    burst = traffic.Burst(deliveries, rate)
    note(f"burst: {len(deliveries)} deliveries at up to {rate:.0f}/s")
    sender = threading.Thread(target=burst.run)
    started = time.time()
    sender.start()
    f = Faults(report, burst, owners[0].browser)
    owner_ids = {o.id for o in owners}
    f.at(0.10, "kill billing", lambda: f.kill("billing"))
    f.at(0.20, "kill telephony-webhook", lambda: f.kill("telephony-webhook"))
    f.at(0.30, f"stop PostgreSQL for {OUTAGE_SECONDS} s", f.postgres_outage)
    f.at(0.55, "kill the broker, restart it with the services", lambda: f.broker_restart(owner_ids))
    sender.join()
    note(f"burst done in {time.time() - started:.0f} s")
    report.check("every fault hit the burst before its end", all(p < 1 for _, p, _, _ in f.log),
                 listed(f"{w} at {p:.0%}" for w, p, _, _ in f.log))

    statuses = collections.Counter(code for d in deliveries for _, code in d.statuses)
    note(f"answers: {dict(statuses)}")
    timeline = collections.Counter(int((t - started) // 5) for d in deliveries for t, code in d.statuses if code == 200)
    note("acknowledged per 5 s: " + " ".join(str(timeline[i]) for i in range(max(timeline, default=0) + 1)))
    for what, progress, t0, t1 in f.log:
        note(f"{what}: {t0 - started:.0f}–{t1 - started:.0f} s")
    lost = [d for d in deliveries if not d.acknowledged]
    report.check("every delivery was acknowledged in the end (retrying 502/503/504 and broken connections)",
                 not lost, listed(f"{d.kind}:{d.statuses[-1][1]}" for d in lost))
    wrong = collections.Counter(code for d in deliveries for _, code in d.statuses
                                if code not in traffic.TRANSIENT and code != 200)
    report.check("no delivery was answered with anything but 200, 502, 503 or 504", not wrong, str(dict(wrong)))
    if hasattr(f, "outage"):
        during = collections.Counter(code for d in deliveries for t, code in d.statuses
                                     if f.outage[0] <= t <= f.outage[1])
        report.check("webhook deliveries while PostgreSQL was down were answered 503",
                     during and set(during) <= {503}, str(dict(during)))
    return deliveries, f


def converge(owners, timeout):
    """Waits until every stored call of the suite is charged and every outbox is empty; returns
    the seconds it took or None."""
    ids = quoted([o.id for o in owners])
    started = time.time()

    def settled():
        uncharged = int(psql(f"SELECT count(*) FROM telephony_webhook.calls c WHERE c.user_id IN ({ids}) "
                             "AND NOT EXISTS (SELECT 1 FROM billing.call_charges cc WHERE cc.call_id = c.id)"))
        return uncharged == 0 and not any(unpublished().values())

    try:
        eventually(settled, timeout=timeout, interval=1)
        return time.time() - started
    except AssertionError:
        return None


def consumer_lag():
    """kx_consumer_lag of every service process: {(process, topic, partition): lag}."""
    out = {}
    for name, port, _ in faults.every_process():
        if name.startswith("gateway"):
            continue
        for (metric, labels), value in metrics(f"http://127.0.0.1:{port}").items():
            if metric == "kx_consumer_lag":
                label = dict(labels)
                out[(name, label.get("topic"), label.get("partition"))] = value
    return out


def lag_checks(report):
    try:
        eventually(lambda: not any(consumer_lag().values()), timeout=60, interval=1)
    except AssertionError:
        pass
    lag = consumer_lag()
    services = {name.rsplit("-", 1)[0] if name[-1].isdigit() else name for name, _, _ in lag}
    report.check("every service exports kx_consumer_lag", services >= set(faults.SERVICES),
                 f"missing: {listed(set(faults.SERVICES) - services)}")
    behind = {k: v for k, v in lag.items() if v}
    report.check("every consumer has caught up (kx_consumer_lag 0 on every partition)", lag and not behind,
                 listed(f"{p} {t}[{n}]: {v:.0f}" for (p, t, n), v in behind.items()))


def end_checks(report, owners, per_minute, rounding, dead_before):
    ids = quoted([o.id for o in owners])
    calls = {c.vapi_id: c for o in owners for c in o.calls}
    stored = {r[0]: r for r in rows(
        "SELECT c.vapi_call_id, c.id, c.status, c.duration_seconds, cc.cost_cents, cc.charged_cents, cc.outcome, "
        "(SELECT count(*) FROM billing.ledger_entries le WHERE le.reference = 'call:' || c.id) "
        f"FROM telephony_webhook.calls c LEFT JOIN billing.call_charges cc ON cc.call_id = c.id "
        f"WHERE c.user_id IN ({ids})")}
    acked = [c for c in calls.values() if c.acknowledged]
    missing = [c.vapi_id for c in acked if c.vapi_id not in stored]
    strangers = [v for v in stored if v not in calls]
    report.check(f"each of the {len(acked)} acknowledged calls is stored once", not missing and not strangers,
                 f"missing: {listed(missing)}; not sent by the suite: {listed(strangers)}")
    wrong_record = [v for v, r in stored.items() if v in calls and (r[2] != "completed" or int(r[3] or -1) != calls[v].seconds)]
    report.check("each stored call has the status and length of its report", not wrong_record, listed(wrong_record))
    uncharged = [v for v, r in stored.items() if not r[4]]
    wrong_charge = [v for v, r in stored.items() if r[4] and v in calls and (
        int(r[4]) != traffic.call_cost(calls[v].seconds, per_minute, rounding) or r[5] != r[4]
        or r[6] != "charged" or r[7] != "1")]
    report.check(f"each of the {len(stored)} stored calls is charged once, at its price",
                 not uncharged and not wrong_charge,
                 f"never charged: {listed(uncharged)}; charged wrongly or twice: {listed(wrong_charge)}")

    purchases = [p for o in owners for p in o.purchases]
    booked = {r[0]: r for r in rows(
        "SELECT substr(reference, 10), count(*), sum(amount_cents) FROM billing.ledger_entries "
        f"WHERE user_id IN ({ids}) AND kind = 'purchase' GROUP BY reference")}
    wrong_purchase = [p.session["id"] for p in purchases if p.acknowledged and
                      (booked.get(p.session["id"], [0, "0", "0"])[1:] != ["1", str(p.credits)])]
    report.check(f"each of the {len(purchases)} paid sessions is credited once", not wrong_purchase,
                 listed(wrong_purchase))
    refunded = {r[0]: r for r in rows(
        "SELECT session_id, count(*), sum(credits) FROM billing.refunds "
        f"WHERE user_id IN ({ids}) GROUP BY session_id")}
    wrong_refund = [p.session["id"] for p in purchases
                    if (refunded[p.session["id"]][2] if p.session["id"] in refunded else "0")
                    != str(p.refund_cents if p.refund_acknowledged else 0)]
    report.check(f"each of the {sum(1 for p in purchases if p.refund_cents)} refunds is taken once",
                 not wrong_refund, listed(wrong_refund))

    balances = {r[0]: (int(r[1]), int(r[2])) for r in rows(
        "SELECT a.user_id, a.balance_cents, (SELECT COALESCE(sum(amount_cents), 0) FROM billing.ledger_entries le "
        f"WHERE le.user_id = a.user_id) FROM billing.accounts a WHERE a.user_id IN ({ids})")}
    off = []
    for o in owners:
        expected = (traffic.START_CENTS + sum(p.credits for p in o.purchases if p.acknowledged)
                    - sum(p.refund_cents for p in o.purchases if p.refund_acknowledged)
                    - sum(traffic.call_cost(c.seconds, per_minute, rounding) for c in o.calls if c.vapi_id in stored))
        balance, ledger = balances.get(o.id, (None, None))
        if not (balance == ledger == expected):
            off.append(f"{o.id}: balance {balance}, ledger {ledger}, expected {expected}")
    report.check(f"each of the {len(owners)} owners' balance equals the ledger sum and what was sent", not off,
                 listed(off, 3))

    left = {s: n for s, n in unpublished().items() if n}
    report.check("no event is left unpublished in any outbox", not left, str(left))
    mine, others = dead_letters({o.id for o in owners})
    mine += dead_before[0]
    report.check("no event of the suite's owners is in a dead-letter topic", not mine,
                 listed(f"{t} {k}: {e}" for t, k, e in mine))
    note(f"dead letters of other tests' deliberately broken events: {others + dead_before[1]}")


def abuse_checks(report, owners, idle_total):
    browser = owners[0].browser

    def serve():
        latencies = []
        for _ in range(50):
            started = time.monotonic()
            res = browser.get("/api/credits")
            if res.status == 200:
                latencies.append(time.monotonic() - started)
            time.sleep(0.05)
        return latencies if len(latencies) == 50 else []

    def serve_from(ip):
        try:
            res = Browser(source_ip=ip).get("/readyz")
            return res.status
        except OSError:
            return None

    for name, ok, detail in abuse.run_all(idle_total, serve, serve_from):
        report.check(name, ok, detail)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100, help="calls (purchases: a eighth of it)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--settle-timeout", type=float, default=120,
                        help="seconds to wait for every call to be charged after the burst")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    report = Report()
    note(f"fault-and-load suite, size {args.size}, seed {seed}")
    started = time.time()
    try:
        per_minute, rounding = traffic.price()
        owners = setup(report, args.size)
        deliveries, f = run_burst(report, owners, rng)
        took = converge(owners, args.settle_timeout)
        report.check("every stored call is charged and every outbox empty after the burst", took is not None,
                     f"within {round(took, 1)} s" if took is not None else f"not within {args.settle_timeout:.0f} s")
        end_checks(report, owners, per_minute, rounding, getattr(f, "dead_before", ([], 0)))
        lag_checks(report)
        abuse_checks(report, owners, idle_total=max(2000, 4 * args.size))
    except Exception as e:
        report.crashed("the suite", e)
    note(f"took {time.time() - started:.0f} s")
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
