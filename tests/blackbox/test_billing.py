"""Billing through the running platform: checkout with the Stripe sandbox, Stripe webhooks signed
with Stripe's official Node library, calls charged from call.completed on Kafka, grace and the
credits events on the broker, the admin endpoints."""
import json
import os
import subprocess
import time
import unittest
import urllib.error
import urllib.request
import uuid

from kxplatform import (GATEWAY, ROOT, Browser, assert_error, database_url, eventually, new_email,
                        psql, signed_up)

STRIPE_NODE = os.path.join(ROOT, "tests/stripe-node")
BENCH = os.path.join(ROOT, "build/tests/kx-billing-bench")
WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
_admin = None


def bootstrap():
    with open(os.path.join(os.environ["KX_TEST_STATE_DIR"], "kafka.bootstrap")) as f:
        return f.read().strip()


def admin():
    """A signed-in admin (created once per test process with kx-auth create-admin)."""
    global _admin
    if _admin is None:
        email = new_email("billing-admin")
        env = dict(os.environ)
        env["DATABASE_URL"] = database_url("auth")
        out = subprocess.run([os.path.join(ROOT, "build/services/auth/kx-auth"), "create-admin",
                              "--email", email], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        password = out.stdout.strip().splitlines()[-1].split(": ")[-1]
        b = Browser()
        b.get("/")
        res = b.post("/api/auth/login", {"email": email, "password": password})
        assert res.status == 200, res.body
        _admin = b
    return _admin


def open_account(prefix="billing"):
    """A signed-in owner whose billing account is open."""
    b, email, user = signed_up(prefix)
    eventually(lambda: b.get("/api/credits").json().get("account_open"), timeout=30)
    return b, user


def adjust(user_id, cents, reason="Testguthaben"):
    res = admin().post("/api/admin/credits/adjust", {"user_id": user_id, "cents": cents, "reason": reason,
                                                      "request_key": str(uuid.uuid4())})
    assert res.status == 201, res.body
    return res.json()


def balance(browser):
    return browser.get("/api/credits").json()["balance_cents"]


def publish_calls(user_id, prefix, calls=1, seconds=95, copies=1, spread=False, rate=0, wait=False,
                  timeout=120):
    """Publishes call.completed events with kx-billing-bench; returns its JSON report."""
    cmd = [BENCH, "--bootstrap", bootstrap(), "--user", user_id, "--prefix", prefix, "--calls", str(calls),
           "--seconds", str(seconds), "--copies", str(copies), "--rate", str(rate), "--timeout", str(timeout)]
    if spread:
        cmd.append("--spread")
    if not wait:
        cmd.append("--no-wait")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 60)
    assert out.returncode == 0, out.stderr + out.stdout
    return json.loads(out.stdout.strip().splitlines()[-1])


def stripe_signature(payload, timestamp=None, secret=None):
    """The Stripe-Signature header Stripe's own library computes for payload."""
    cmd = ["node", os.path.join(STRIPE_NODE, "sign.js"), secret or WEBHOOK_SECRET]
    if timestamp is not None:
        cmd.append(str(timestamp))
    out = subprocess.run(cmd, input=payload, capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout.decode()


def post_webhook(payload, signature=None):
    headers = {} if signature is None else {"Stripe-Signature": signature}
    return Browser().request("POST", "/webhooks/stripe", raw=payload, headers=headers, csrf=False)


def event(event_id, event_type, obj):
    return json.dumps({"id": event_id, "object": "event", "type": event_type, "api_version": "2026-10-28.endive",
                       "created": int(time.time()), "livemode": False, "pending_webhooks": 1,
                       "data": {"object": obj}}).encode()


def session_object(session_id, user_id, payment_status="paid", payment_intent=None, pack="starter",
                   credits=1000, amount=1000):
    return {"id": session_id, "object": "checkout.session", "mode": "payment", "status": "complete",
            "payment_status": payment_status, "amount_total": amount, "currency": "eur",
            "client_reference_id": user_id, "payment_intent": payment_intent or f"pi_{uuid.uuid4().hex}",
            "metadata": {"user_id": user_id, "pack_id": pack, "credits": str(credits)}}


def paid_session(browser, pack="starter", payment_status="paid"):
    """A Checkout Session billing created (POST /api/checkout), as Stripe sends it once paid: the
    sandbox's session object, completed, with a PaymentIntent."""
    res = browser.post("/api/checkout", {"pack_id": pack})
    assert res.status == 201, res.body
    obj = sandbox_session(res.json()["checkout_session_id"])
    obj.update({"status": "complete", "payment_status": payment_status, "url": None,
                "payment_intent": f"pi_{uuid.uuid4().hex[:24]}"})
    return obj


def kafka_events(topic, key):
    out = subprocess.run(["kcat", "-C", "-b", bootstrap(), "-t", topic, "-o", "beginning", "-e", "-J", "-q"],
                         capture_output=True, text=True, timeout=30)
    return [json.loads(json.loads(line)["payload"]) for line in out.stdout.splitlines()
            if json.loads(line).get("key") == key]


def sandbox_request(method, url, data=None):
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, res.geturl(), res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, url, e.read().decode()


def sandbox_session(session_id):
    req = urllib.request.Request(f"{os.environ['SANDBOX_URL']}/stripe/v1/checkout/sessions/{session_id}",
                                 headers={"Authorization": f"Bearer {os.environ['STRIPE_SECRET_KEY']}"})
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read())


class CheckoutTest(unittest.TestCase):
    def test_buying_a_pack_end_to_end_through_the_sandbox(self):
        b, user = open_account("checkout")
        packs = b.get("/api/credits/packs")
        self.assertEqual(packs.status, 200, packs.body)
        self.assertEqual([p["id"] for p in packs.json()["items"]], ["starter", "popular", "pro", "business"])
        res = b.post("/api/checkout", {"pack_id": "starter"})
        self.assertEqual(res.status, 201, res.body)
        url, session_id = res.json()["url"], res.json()["checkout_session_id"]
        self.assertTrue(url.startswith(os.environ["SANDBOX_URL"] + "/stripe/checkout/"), url)

        status, _, page = sandbox_request("GET", url)
        self.assertEqual(status, 200)
        self.assertIn("Bezahlen", page)
        self.assertIn("10,00", page)
        # "Pay": the sandbox signs checkout.session.completed, posts it to the gateway and sends the
        # browser back to the dashboard.
        status, final_url, _ = sandbox_request("POST", url + "/pay", data=b"")
        self.assertEqual(status, 200)
        self.assertEqual(final_url, f"{GATEWAY}/?checkout=success&session_id={session_id}")
        self.assertEqual(balance(b), 1000)
        # Paying again re-sends the same event: credited once.
        sandbox_request("POST", url + "/pay", data=b"")
        self.assertEqual(balance(b), 1000)
        tx = b.get("/api/credits/transactions").json()
        self.assertEqual(tx["total"], 1)
        self.assertEqual(tx["items"][0]["type"], "purchase")
        self.assertEqual(tx["items"][0]["reference"], f"checkout:{session_id}")
        purchased = eventually(lambda: kafka_events("credits.purchased", user["id"]), timeout=30)
        self.assertEqual(len(purchased), 1)
        self.assertEqual(purchased[0]["checkout_session_id"], session_id)
        self.assertEqual(purchased[0]["balance_cents"], 1000)

        # The customer is reused for the next checkout; "Cancel" goes back to the cancel URL.
        again = b.post("/api/checkout", {"pack_id": "popular"})
        self.assertEqual(again.status, 201, again.body)
        first, second = sandbox_session(session_id), sandbox_session(again.json()["checkout_session_id"])
        self.assertEqual(first["customer"], second["customer"])
        self.assertEqual(second["metadata"], {"user_id": user["id"], "pack_id": "popular", "credits": "2500"})
        self.assertEqual(second["locale"], "de")
        status, final_url, _ = sandbox_request("POST", again.json()["url"] + "/cancel", data=b"")
        self.assertEqual(final_url, f"{GATEWAY}/?checkout=cancelled")
        self.assertEqual(balance(b), 1000)

    def test_a_refund_takes_the_credits_back(self):
        b, user = open_account("refund")
        res = b.post("/api/checkout", {"pack_id": "starter"})
        url, session_id = res.json()["url"], res.json()["checkout_session_id"]
        sandbox_request("POST", url + "/pay", data=b"")
        eventually(lambda: balance(b) == 1000, timeout=10)
        payment_intent = sandbox_session(session_id)["payment_intent"]
        charge = {"id": f"ch_{uuid.uuid4().hex}", "object": "charge", "amount": 1000, "amount_refunded": 1000,
                  "refunded": True, "currency": "eur", "payment_intent": payment_intent}
        payload = event(f"evt_{uuid.uuid4().hex}", "charge.refunded", charge)
        res = post_webhook(payload, stripe_signature(payload))
        self.assertEqual(res.status, 200, res.body)
        self.assertEqual(res.json()["outcome"], "refunded")
        self.assertEqual(balance(b), 0)
        refunded = eventually(lambda: kafka_events("credits.refunded", user["id"]), timeout=30)
        self.assertEqual(refunded[0]["cents"], 1000)

    def test_checkout_needs_a_known_pack_and_a_session(self):
        b, _ = open_account("checkout-errors")
        assert_error(self, b.post("/api/checkout", {"pack_id": "diamant"}), 404, "not_found")
        assert_error(self, b.post("/api/checkout", {}), 422, "validation_failed")
        assert_error(self, Browser().post("/api/checkout", {"pack_id": "starter"}), 401, "unauthorized")


class StripeWebhookTest(unittest.TestCase):
    def setUp(self):
        self.browser, self.user = open_account("webhook")
        self.session = paid_session(self.browser)
        self.session_id = self.session["id"]

    def stripe_events(self):
        return int(psql(f"SELECT count(*) FROM billing.stripe_events WHERE object_id = '{self.session_id}'"))

    def test_signed_with_stripes_library_credits_the_pack_once(self):
        obj = self.session
        payload = event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", obj)
        signature = stripe_signature(payload)
        for _ in range(3):
            res = post_webhook(payload, signature)
            self.assertEqual(res.status, 200, res.body)
        self.assertEqual(balance(self.browser), 1000)
        # Three different events naming the same session.
        for event_type in ("checkout.session.completed", "checkout.session.async_payment_succeeded",
                           "checkout.session.completed"):
            other = event(f"evt_{uuid.uuid4().hex}", event_type, obj)
            res = post_webhook(other, stripe_signature(other))
            self.assertEqual(res.status, 200, res.body)
            self.assertEqual(res.json()["outcome"], "already_credited")
        self.assertEqual(balance(self.browser), 1000)
        self.assertEqual(self.browser.get("/api/credits/transactions?type=purchase").json()["total"], 1)

    def test_bad_old_or_missing_signatures_are_400_and_book_nothing(self):
        payload = event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed", self.session)
        assert_error(self, post_webhook(payload, stripe_signature(payload, secret="whsec_not_the_right_one")), 400,
                     "invalid_signature")
        assert_error(self, post_webhook(payload, stripe_signature(payload, timestamp=int(time.time()) - 301)), 400,
                     "invalid_signature")
        assert_error(self, post_webhook(payload), 400, "invalid_signature")
        tampered = payload.replace(b'"amount_total": 1000', b'"amount_total": 1')
        assert_error(self, post_webhook(tampered, stripe_signature(payload)), 400, "invalid_signature")
        self.assertEqual(self.stripe_events(), 0)
        self.assertEqual(balance(self.browser), 0)

    def test_an_unpaid_session_books_nothing(self):
        payload = event(f"evt_{uuid.uuid4().hex}", "checkout.session.completed",
                        dict(self.session, payment_status="unpaid"))
        res = post_webhook(payload, stripe_signature(payload))
        self.assertEqual(res.status, 200, res.body)
        self.assertEqual(res.json()["outcome"], "awaiting_payment")
        self.assertEqual(balance(self.browser), 0)

    def test_unknown_event_types_are_acknowledged(self):
        payload = event(f"evt_{uuid.uuid4().hex}", "invoice.paid", {"id": "in_1", "object": "invoice"})
        res = post_webhook(payload, stripe_signature(payload))
        self.assertEqual(res.status, 200, res.body)
        self.assertEqual(res.json()["outcome"], "ignored")


class CallChargingTest(unittest.TestCase):
    def test_a_call_delivered_three_times_is_charged_once(self):
        b, user = open_account("calls")
        adjust(user["id"], 1000)
        prefix = f"once-{uuid.uuid4().hex[:8]}"
        publish_calls(user["id"], prefix, calls=1, seconds=95, copies=3)
        # A later call of the same owner travels the same partition behind the three copies; once
        # it is charged, billing has finished with all of them and a second charge would show.
        # (Counting consumed events instead is racy: other tests' calls count as well.)
        publish_calls(user["id"], prefix + "-after", calls=1, seconds=30, wait=True)
        self.assertEqual(balance(b), 1000 - 30 - 15)
        calls = b.get("/api/credits/transactions?type=call_usage").json()
        self.assertEqual(calls["total"], 2)
        self.assertEqual(sorted(i["amount_cents"] for i in calls["items"]), [-30, -15])
        deducted = eventually(lambda: (lambda d: len(d) >= 2 and d)(kafka_events("credits.deducted", user["id"])),
                              timeout=30)
        self.assertEqual(sorted((d["call_id"], d["cents"], d["billed_minutes"]) for d in deducted),
                         [(f"{prefix}-0", 30, 2), (f"{prefix}-after-0", 15, 1)])

    def test_grace_exhaustion_and_a_purchase_that_repays_it(self):
        b, user = open_account("grace")
        adjust(user["id"], 100)
        prefix = f"grace-{uuid.uuid4().hex[:8]}"
        publish_calls(user["id"], prefix + "-a", calls=1, seconds=600)   # 150 cents: -50
        eventually(lambda: balance(b) == -50, timeout=30)
        self.assertEqual(b.get("/api/credits").json()["state"], "in_grace")
        publish_calls(user["id"], prefix + "-b", calls=2, seconds=1200)  # 300 + 300, stops at -300
        eventually(lambda: b.get("/api/credits").json()["state"] == "exhausted", timeout=30)
        self.assertEqual(balance(b), -300)
        exhausted = eventually(lambda: kafka_events("credits.exhausted", user["id"]), timeout=30)
        self.assertEqual(len(exhausted), 1)
        self.assertEqual(exhausted[0]["balance_cents"], -300)
        self.assertEqual(len(kafka_events("credits.low", user["id"])), 1)

        res = b.post("/api/checkout", {"pack_id": "starter"})
        sandbox_request("POST", res.json()["url"] + "/pay", data=b"")
        eventually(lambda: balance(b) == 700, timeout=10)  # the 3,00 € overage is repaid
        restored = eventually(lambda: kafka_events("credits.restored", user["id"]), timeout=30)
        self.assertEqual(restored[0]["balance_cents"], 700)
        self.assertEqual(b.get("/api/credits").json()["state"], "ok")
        purchase = b.get("/api/credits/transactions?type=purchase").json()["items"][0]
        self.assertIn("3,00 € zum Ausgleich", purchase["description"])


class AdminBillingTest(unittest.TestCase):
    def test_settings_are_admin_only_and_audited(self):
        owner, _ = open_account("not-admin")
        assert_error(self, owner.get("/api/admin/billing/settings"), 403, "forbidden")
        a = admin()
        current = a.get("/api/admin/billing/settings")
        self.assertEqual(current.status, 200, current.body)
        res = a.request("PUT", "/api/admin/billing/settings",
                        {"low_balance_threshold_cents": current.json()["low_balance_threshold_cents"]})
        self.assertEqual(res.status, 200, res.body)
        eventually(lambda: int(psql("SELECT count(*) FROM billing.outbox WHERE topic = 'admin.action' "
                                    "AND data LIKE '%billing.settings.update%'")) >= 1)

    def test_statistics_reconciliation_and_csv(self):
        b, user = open_account("stats")
        adjust(user["id"], 250)
        a = admin()
        stats = a.get("/api/admin/billing/stats")
        self.assertEqual(stats.status, 200, stats.body)
        self.assertEqual(len(stats.json()["days"]), 30)
        rec = a.get("/api/admin/billing/reconciliation").json()
        self.assertTrue(rec["ok"], rec)
        self.assertGreaterEqual(rec["accounts_checked"], 1)
        csv = b.get("/api/credits/transactions.csv")
        self.assertEqual(csv.status, 200)
        self.assertTrue(csv.headers["Content-Type"].startswith("text/csv"))
        self.assertIn("Korrektur", csv.body.decode("utf-8-sig"))


if __name__ == "__main__":
    unittest.main()
