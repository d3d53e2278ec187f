"""Stripe's events through the running platform in the orders and numbers Stripe delivers them
(late, early, twice, at once), signed with Stripe's official Node library; checkout right after
sign-up; sessions billing did not create and events it cannot use."""
import threading
import unittest
import uuid

from kxplatform import Browser, eventually, signed_up
from test_billing import (admin, balance, event, kafka_events, open_account, paid_session, post_webhook,
                          sandbox_request, sandbox_session, session_object, stripe_signature)


def deliver(event_type, obj, event_id=None):
    """Posts one signed event; returns billing's outcome (the answer must be 200)."""
    payload = event(event_id or f"evt_{uuid.uuid4().hex}", event_type, obj)
    res = post_webhook(payload, stripe_signature(payload))
    assert res.status == 200, res.body
    return res.json()["outcome"]


def charge(session, refunded):
    """The Charge of a paid session as charge.refunded carries it (no refunds list since
    API 2022-11-15)."""
    return {"id": "ch_" + session["payment_intent"][3:], "object": "charge", "amount": session["amount_total"],
            "amount_captured": session["amount_total"], "amount_refunded": refunded, "captured": True,
            "currency": session["currency"], "customer": session["customer"], "disputed": False,
            "livemode": False, "metadata": {}, "paid": True, "payment_intent": session["payment_intent"],
            "refunded": refunded >= session["amount_total"], "status": "succeeded", "created": 1767254410}


def dispute(session, status, amount=None):
    return {"id": "dp_" + session["payment_intent"][3:], "object": "dispute",
            "amount": session["amount_total"] if amount is None else amount, "balance_transactions": [],
            "charge": "ch_" + session["payment_intent"][3:], "created": 1767340000,
            "currency": session["currency"], "evidence_details": {"due_by": 1768204800, "has_evidence": False,
                                                                  "past_due": False, "submission_count": 0},
            "is_charge_refundable": False, "livemode": False, "metadata": {},
            "payment_intent": session["payment_intent"], "reason": "fraudulent", "status": status}


def transactions(browser, kind):
    return browser.get(f"/api/credits/transactions?type={kind}").json()["items"]


class EarlyRefundsAndDisputesTest(unittest.TestCase):
    def test_a_refund_before_its_completion_is_applied_when_the_purchase_arrives(self):
        b, user = open_account("early-refund")
        session = paid_session(b)
        self.assertEqual(deliver("charge.refunded", charge(session, 1000)), "held")
        self.assertEqual(deliver("checkout.session.completed", session), "credited")
        self.assertEqual(balance(b), 0)
        # Both once more, under new event ids, as Stripe resends them.
        self.assertEqual(deliver("charge.refunded", charge(session, 1000)), "no_change")
        self.assertEqual(deliver("checkout.session.completed", session), "already_credited")
        self.assertEqual(balance(b), 0)
        self.assertEqual(len(transactions(b, "purchase")), 1)
        self.assertEqual([t["amount_cents"] for t in transactions(b, "refund")], [-1000])
        refunded = eventually(lambda: kafka_events("credits.refunded", user["id"]), timeout=30)
        self.assertEqual([(e["cents"], e["reason"]) for e in refunded], [(1000, "refund")])

    def test_completions_and_refunds_at_once_take_the_refund_back_once(self):
        for _ in range(5):
            b, _ = open_account("concurrent-refund")
            session = paid_session(b)
            calls = [("checkout.session.completed", session), ("charge.refunded", charge(session, 400))] * 2
            outcomes = []
            threads = [threading.Thread(target=lambda c=c: outcomes.append(deliver(*c))) for c in calls]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(len(outcomes), 4)
            self.assertEqual(balance(b), 600)
            self.assertEqual(len(transactions(b, "purchase")), 1)
            self.assertEqual(sum(t["amount_cents"] for t in transactions(b, "refund")), -400)

    def test_a_lost_dispute_takes_the_credits_back_once_and_never_more_than_bought(self):
        b, user = open_account("dispute")
        session = paid_session(b)
        self.assertEqual(deliver("charge.dispute.created", dispute(session, "needs_response")), "dispute_recorded")
        self.assertEqual(deliver("checkout.session.completed", session), "credited")
        self.assertEqual(balance(b), 1000)  # an open dispute may still be won
        self.assertEqual(deliver("charge.refunded", charge(session, 300)), "refunded")
        self.assertEqual(deliver("charge.dispute.closed", dispute(session, "lost", 700)), "dispute_lost")
        self.assertEqual(deliver("charge.dispute.closed", dispute(session, "lost", 700)), "no_change")
        self.assertEqual(deliver("charge.refunded", charge(session, 1000)), "no_change")
        self.assertEqual(balance(b), 0)
        published = eventually(lambda: both if len(both := kafka_events("credits.refunded", user["id"])) == 2
                               else None, timeout=30)
        self.assertEqual([(e["cents"], e["reason"]) for e in published], [(300, "refund"), (700, "dispute_lost")])
        listed = admin().get("/api/admin/billing/disputes").json()["items"]
        mine = [d for d in listed if d["user_id"] == user["id"]]
        self.assertEqual([d["status"] for d in mine], ["lost"])


class CheckoutRightAfterSignUpTest(unittest.TestCase):
    def test_the_first_purchase_does_not_wait_for_the_account(self):
        b, _, user = signed_up("instant-checkout")
        res = b.post("/api/checkout", {"pack_id": "starter"})  # no waiting for user.registered
        self.assertEqual(res.status, 201, res.body)
        status, _, _ = sandbox_request("POST", res.json()["url"] + "/pay", data=b"")
        self.assertEqual(status, 200)
        self.assertEqual(balance(b), 1000)
        # The customer Stripe Checkout (or billing) created is reused for the next checkout.
        eventually(lambda: b.get("/api/credits").json()["account_open"], timeout=30)
        again = b.post("/api/checkout", {"pack_id": "starter"})
        self.assertEqual(again.status, 201, again.body)
        first = sandbox_session(res.json()["checkout_session_id"])
        second = sandbox_session(again.json()["checkout_session_id"])
        self.assertTrue(first["customer"])
        self.assertEqual(first["customer"], second["customer"])
        self.assertEqual(user["id"], first["client_reference_id"])


class EventsBillingCannotApplyTest(unittest.TestCase):
    def test_sessions_billing_did_not_create_credit_nothing_and_are_listed(self):
        b, user = open_account("foreign-session")
        foreign = session_object(f"cs_test_{uuid.uuid4().hex}", user["id"], pack="business", credits=999999,
                                 amount=50)
        self.assertEqual(deliver("checkout.session.completed", foreign), "unknown_session")
        cheap = dict(paid_session(b, pack="business"), amount_total=50)
        self.assertEqual(deliver("checkout.session.completed", cheap), "amount_mismatch")
        self.assertEqual(balance(b), 0)
        items = admin().get("/api/admin/billing/stripe-events?limit=200").json()["items"]
        mine = {i["object_id"]: i for i in items if i["object_id"] in (foreign["id"], cheap["id"])}
        self.assertEqual({k: v["outcome"] for k, v in mine.items()},
                         {foreign["id"]: "unknown_session", cheap["id"]: "amount_mismatch"})
        self.assertEqual(mine[foreign["id"]]["object"]["metadata"]["credits"], "999999")

    def test_signed_events_without_a_usable_id_are_answered_2xx(self):
        b, _ = open_account("unusable")
        session = paid_session(b)
        self.assertEqual(deliver("checkout.session.completed", dict(session, id="")), "unusable")
        without = {k: v for k, v in session.items() if k != "id"}
        self.assertEqual(deliver("checkout.session.completed", without), "unusable")
        self.assertEqual(balance(b), 0)
        self.assertEqual(deliver("checkout.session.completed", session), "credited")


if __name__ == "__main__":
    unittest.main()
