"""The load of the fault-and-load suite: owners with a routed agent and an open billing account,
their calls as Vapi server messages and their purchases (and refunds) as Stripe events, every
message delivered 1–3 times in a shuffled order by several senders that retry what the platform
did not acknowledge, the way Vapi and Stripe retry.

The payloads are the black-box tests' (tests/blackbox/test_calls.py, test_billing.py,
test_billing_stripe_order.py), which follow Vapi's server-message and Stripe's SDK types."""
import hashlib
import hmac
import os
import random
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from kxplatform import eventually, psql
from test_billing import STRIPE_NODE, WEBHOOK_SECRET, adjust, event, paid_session, post_webhook
from test_billing_stripe_order import charge
from test_calls import Agent, post_vapi, report, status

# Enough for every call an owner gets, so no charge is capped by the grace limit and every
# owner's balance can be predicted to the cent.
START_CENTS = 1_000_000
# Answers a sender retries, as Vapi and Stripe do: the platform (or a part of it) is down,
# restarting or draining. 0 stands for a connection that failed or broke.
TRANSIENT = {0, 502, 503, 504}
PACKS = {"starter": 1000, "popular": 2500}
# The part of the burst over which the messages of one call or purchase are spread.
SPREAD = 0.1


def stripe_header(payload, timestamp=None):
    """The Stripe-Signature header for payload, computed as Stripe's library does (the suite
    checks it once against the library itself: see signature_matches_stripe_library)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def signature_matches_stripe_library():
    payload = event("evt_signature_check", "checkout.session.completed", {"id": "cs_check"})
    out = subprocess.run(["node", os.path.join(STRIPE_NODE, "sign.js"), "--verify", WEBHOOK_SECRET,
                          stripe_header(payload)], input=payload, capture_output=True, timeout=30)
    return out.returncode == 0


class Call:
    def __init__(self, owner, n):
        self.owner = owner
        self.vapi_id = f"flt-{uuid.uuid4().hex[:16]}"
        # Lengths from 5 s to 5 min, so a call charged twice or with the wrong length shows in
        # the owner's balance.
        self.seconds = 5 + (n * 37) % 296
        self.acknowledged = False

    def messages(self):
        end = report(self.vapi_id, self.owner.agent.assistant_id)
        # As Vapi sends them: the call ended just now (the reconciliation compares recent days).
        ended = int(time.time())
        end["startedAt"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ended - self.seconds))
        end["endedAt"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ended))
        return [("vapi", status(self.vapi_id, self.owner.agent.assistant_id, "in-progress"), None),
                ("vapi", end, self)]


class Purchase:
    def __init__(self, owner, pack, refund_cents):
        self.owner = owner
        self.pack = pack
        self.credits = PACKS[pack]
        self.session = paid_session(owner.browser, pack=pack)
        self.refund_cents = refund_cents
        self.acknowledged = False
        self.refund_acknowledged = False

    def messages(self):
        out = [("stripe", ("checkout.session.completed", self.session), self)]
        if self.refund_cents:
            out.append(("stripe", ("charge.refunded", charge(self.session, self.refund_cents)), self))
        return out


class Owner:
    """A signed-up owner with an agent routed by telephony-webhook and an open billing account."""

    def __init__(self):
        self.agent = Agent()
        self.id = self.agent.owner
        self.browser = self.agent.browser
        eventually(lambda: self.browser.get("/api/credits").json().get("account_open"), timeout=60)
        adjust(self.id, START_CENTS, reason="Lasttest")
        self.calls = []
        self.purchases = []


class Delivery:
    """One message as a provider sends it (same bytes for a retry of one delivery)."""

    def __init__(self, kind, body, subject, event_id=None):
        self.kind = kind
        self.body = body
        self.subject = subject
        self.event_id = event_id
        self.statuses = []  # (time, status) of every attempt
        self.acknowledged = False


def build_deliveries(owners, rng):
    """Every message of every call and purchase 1–3 times. Calls and purchases happen all through
    the burst; the copies and messages of one of them arrive in any order within a tenth of the
    burst (a report before its status update, a refund before its purchase). Stripe resends an
    event under its own id or, now and then, under a new one."""
    out = []
    for owner in owners:
        for thing in owner.calls + owner.purchases:
            at = rng.random()
            for kind, body, subject in thing.messages():
                copies = rng.randint(1, 3)
                event_id = f"evt_{uuid.uuid4().hex}" if kind == "stripe" else None
                for _ in range(copies):
                    out.append((at + rng.random() * SPREAD, Delivery(kind, body, subject, event_id)))
                    if kind == "stripe" and rng.random() < 0.5:
                        event_id = f"evt_{uuid.uuid4().hex}"
    out.sort(key=lambda entry: entry[0])
    return [d for _, d in out]


def send_once(d):
    """One attempt; returns the HTTP status or 0 when the connection failed."""
    try:
        if d.kind == "vapi":
            return post_vapi(d.body)[0]
        event_type, obj = d.body
        payload = event(d.event_id, event_type, obj)
        return post_webhook(payload, stripe_header(payload)).status
    except (OSError, ValueError):
        return 0


class Burst:
    """Sends the deliveries with `senders` threads at about `rate` a second, retrying transient
    failures for up to `patience` seconds per delivery. Progress is visible while it runs, so
    the faults can be timed to hit the middle of the burst."""

    def __init__(self, deliveries, rate, senders=8, patience=240):
        self.deliveries = deliveries
        self.rate = rate
        self.senders = senders
        self.patience = patience
        self.done = 0
        self.lock = threading.Lock()
        self.next_slot = time.monotonic()
        self.finished = threading.Event()

    def progress(self):
        with self.lock:
            return self.done / max(1, len(self.deliveries))

    def wait_progress(self, fraction):
        while self.progress() < fraction and not self.finished.is_set():
            time.sleep(0.05)

    def _pace(self):
        with self.lock:
            slot = self.next_slot
            self.next_slot = max(slot, time.monotonic()) + 1.0 / self.rate
        delay = slot - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def _deliver(self, d):
        self._pace()
        deadline = time.monotonic() + self.patience
        backoff = 0.2
        while True:
            code = send_once(d)
            d.statuses.append((time.time(), code))
            if code == 200:
                d.acknowledged = True
                break
            if time.monotonic() > deadline:
                break
            time.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
        if d.acknowledged and d.subject is not None:
            if d.kind == "vapi":
                d.subject.acknowledged = True
            elif d.body[0] == "charge.refunded":
                d.subject.refund_acknowledged = True
            else:
                d.subject.acknowledged = True
        with self.lock:
            self.done += 1

    def run(self):
        try:
            with ThreadPoolExecutor(self.senders) as pool:
                list(pool.map(self._deliver, self.deliveries))
        finally:
            self.finished.set()


def create_owners(count, calls, purchases):
    """`count` owners sharing `calls` calls and `purchases` purchases (every third refunded, in
    part or in full), created a few at a time."""
    with ThreadPoolExecutor(4) as pool:
        owners = list(pool.map(lambda _: Owner(), range(count)))
    for n in range(calls):
        owner = owners[n % count]
        owner.calls.append(Call(owner, n))

    def buy(n):
        owner = owners[n % count]
        pack = "starter" if n % 2 == 0 else "popular"
        refund = 0 if n % 3 else (PACKS[pack] if n % 2 else 400)
        return owner, Purchase(owner, pack, refund)

    with ThreadPoolExecutor(4) as pool:
        for owner, purchase in pool.map(buy, range(purchases)):
            owner.purchases.append(purchase)
    return owners


def price():
    """Billing's call price (per minute, rounding), read once before the burst."""
    cents, rounding = psql("SELECT price_per_minute_cents, rounding FROM billing.settings").split("|")
    return int(cents), rounding


def call_cost(seconds, per_minute, rounding):
    if rounding == "per_started_minute":
        return (seconds + 59) // 60 * per_minute
    return (seconds * per_minute + 59) // 60
