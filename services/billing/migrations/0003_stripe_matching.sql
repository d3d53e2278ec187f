-- Stripe events in any order: refunds and disputes kept until their purchase is booked, lost
-- disputes taken back like refunds, and signed events billing cannot use kept for the admins.

-- Why an event needs a person (unknown session, amount mismatch, unusable, unmatched), the object
-- it carried, and the admin who looked at it.
ALTER TABLE stripe_events
  ADD COLUMN needs_attention boolean NOT NULL DEFAULT false,
  ADD COLUMN detail          text NOT NULL DEFAULT '',
  ADD COLUMN object          text,
  ADD COLUMN reviewed_at     timestamptz,
  ADD COLUMN reviewed_by     text;
UPDATE stripe_events SET needs_attention = true WHERE outcome = 'unmatched';
CREATE INDEX stripe_events_attention ON stripe_events (received_at)
  WHERE needs_attention AND reviewed_at IS NULL;

-- Each charge's cumulative refund as Stripe last reported it (charge.refunded), kept whether or
-- not its checkout session has been credited yet: a refund that arrives first is applied when the
-- purchase is booked.
CREATE TABLE charge_refunds (
  charge_id      text PRIMARY KEY,
  payment_intent text NOT NULL,
  amount_cents   bigint NOT NULL CHECK (amount_cents >= 0),
  currency       text NOT NULL,
  refunded_cents bigint NOT NULL CHECK (refunded_cents >= 0),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX charge_refunds_payment_intent ON charge_refunds (payment_intent);
-- Refunds booked before this migration, so later events of those payments add to them.
INSERT INTO charge_refunds (charge_id, payment_intent, amount_cents, currency, refunded_cents)
SELECT DISTINCT ON (r.charge_id) r.charge_id, s.payment_intent, s.amount_cents, s.currency,
       s.refunded_cents
FROM refunds r JOIN checkout_sessions s USING (session_id)
WHERE s.payment_intent IS NOT NULL
ORDER BY r.charge_id;
CREATE INDEX disputes_payment_intent ON disputes (payment_intent);

-- Credits (and money) taken back for lost disputes, apart from refunds; refunds and chargebacks
-- together never take back more credits than the session bought.
ALTER TABLE checkout_sessions
  ADD COLUMN chargeback_cents   bigint NOT NULL DEFAULT 0,
  ADD COLUMN chargeback_credits bigint NOT NULL DEFAULT 0;
ALTER TABLE refunds
  ADD COLUMN cause text NOT NULL DEFAULT 'refund' CHECK (cause IN ('refund', 'dispute_lost'));
