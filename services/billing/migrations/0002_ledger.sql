-- The credit ledger and everything that books into it: pricing settings, credit packs, charged
-- calls, Stripe checkout sessions, processed Stripe events, refunds, disputes and admin
-- adjustments. Money and credits are integer cents (one credit is one euro cent).

-- What billing knows about the owner (from user.registered) and the state of the balance alerts.
-- last_entry_seq numbers the owner's ledger entries; the row is locked (FOR UPDATE) for every
-- booking, so bookings of one owner are serialised and balance_after is always right.
ALTER TABLE accounts
  ADD COLUMN email              text,
  ADD COLUMN name               text NOT NULL DEFAULT '',
  ADD COLUMN locale             text NOT NULL DEFAULT 'de',
  ADD COLUMN stripe_customer_id text UNIQUE,
  ADD COLUMN last_entry_seq     bigint NOT NULL DEFAULT 0,
  ADD COLUMN low_warned         boolean NOT NULL DEFAULT false,
  ADD COLUMN exhausted          boolean NOT NULL DEFAULT false,
  ADD COLUMN updated_at         timestamptz NOT NULL DEFAULT now();

-- Append-only: a correction is a new entry, never an edit. reference names the business fact
-- the entry books (checkout:<session>, call:<call>, refund:<charge>:<cumulative>,
-- adjust:<request key>, bonus:<user>), so the same fact can never be booked twice.
CREATE TABLE ledger_entries (
  id                  text PRIMARY KEY,
  user_id             text NOT NULL REFERENCES accounts (user_id),
  seq                 bigint NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('purchase', 'call_usage', 'grace_usage',
                                                    'admin_adjustment', 'refund', 'bonus')),
  amount_cents        bigint NOT NULL,
  balance_after_cents bigint NOT NULL,
  reference           text NOT NULL UNIQUE,
  description         text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, seq)
);
CREATE INDEX ledger_entries_kind_time ON ledger_entries (kind, created_at);

CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only';
END
$$;
CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();

-- One row, edited by admins (every change is audited through admin.action).
CREATE TABLE settings (
  id                          boolean PRIMARY KEY DEFAULT true CHECK (id),
  price_per_minute_cents      bigint NOT NULL DEFAULT 15 CHECK (price_per_minute_cents BETWEEN 1 AND 1000),
  rounding                    text NOT NULL DEFAULT 'per_started_minute'
                              CHECK (rounding IN ('per_started_minute', 'per_second')),
  grace_limit_cents           bigint NOT NULL DEFAULT 300 CHECK (grace_limit_cents BETWEEN 0 AND 100000),
  low_balance_threshold_cents bigint NOT NULL DEFAULT 500
                              CHECK (low_balance_threshold_cents BETWEEN 0 AND 1000000),
  signup_bonus_cents          bigint NOT NULL DEFAULT 0 CHECK (signup_bonus_cents BETWEEN 0 AND 100000),
  charge_test_calls           boolean NOT NULL DEFAULT false,
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  updated_by                  text
);
INSERT INTO settings DEFAULT VALUES;

CREATE TABLE packs (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  credits     bigint NOT NULL CHECK (credits > 0),
  price_cents bigint NOT NULL CHECK (price_cents > 0),
  currency    text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
  active      boolean NOT NULL DEFAULT true,
  sort_order  integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO packs (id, name, credits, price_cents, sort_order) VALUES
  ('starter', 'Starter', 1000, 1000, 10),
  ('popular', 'Popular', 2500, 2500, 20),
  ('pro', 'Pro', 5000, 5000, 30),
  ('business', 'Business', 10000, 10000, 40);

-- Every call.completed seen, charged or not: the call id is the key, so a call is decided once.
CREATE TABLE call_charges (
  call_id          text PRIMARY KEY,
  user_id          text NOT NULL,
  agent_id         text NOT NULL,
  status           text NOT NULL,
  test             boolean NOT NULL,
  duration_seconds bigint NOT NULL,
  billed_minutes   bigint NOT NULL,
  cost_cents       bigint NOT NULL,
  charged_cents    bigint NOT NULL DEFAULT 0,
  outcome          text NOT NULL CHECK (outcome IN ('pending', 'charged', 'capped', 'free_zero_seconds',
                                                    'free_test_call')),
  entry_id         text REFERENCES ledger_entries (id),
  decided_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_charges_user ON call_charges (user_id, decided_at);

-- Checkout sessions this service created (or learnt about from a paid event).
CREATE TABLE checkout_sessions (
  session_id       text PRIMARY KEY,
  user_id          text NOT NULL,
  pack_id          text NOT NULL,
  credits          bigint NOT NULL CHECK (credits > 0),
  amount_cents     bigint NOT NULL CHECK (amount_cents >= 0),
  currency         text NOT NULL,
  status           text NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'awaiting_payment', 'paid', 'failed', 'expired')),
  payment_intent   text,
  entry_id         text REFERENCES ledger_entries (id),
  refunded_cents   bigint NOT NULL DEFAULT 0,
  refunded_credits bigint NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  paid_at          timestamptz
);
CREATE UNIQUE INDEX checkout_sessions_payment_intent ON checkout_sessions (payment_intent)
  WHERE payment_intent IS NOT NULL;
CREATE INDEX checkout_sessions_paid ON checkout_sessions (paid_at) WHERE paid_at IS NOT NULL;

-- Every Stripe event id is processed once.
CREATE TABLE stripe_events (
  event_id    text PRIMARY KEY,
  type        text NOT NULL,
  object_id   text NOT NULL DEFAULT '',
  livemode    boolean NOT NULL DEFAULT false,
  outcome     text NOT NULL DEFAULT 'received',
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE refunds (
  reference    text PRIMARY KEY,
  charge_id    text NOT NULL,
  session_id   text NOT NULL REFERENCES checkout_sessions (session_id),
  user_id      text NOT NULL,
  amount_cents bigint NOT NULL,
  credits      bigint NOT NULL,
  entry_id     text NOT NULL REFERENCES ledger_entries (id),
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Disputes need a person: they are listed for the admins until reviewed.
CREATE TABLE disputes (
  dispute_id     text PRIMARY KEY,
  charge_id      text NOT NULL DEFAULT '',
  payment_intent text NOT NULL DEFAULT '',
  session_id     text,
  user_id        text,
  amount_cents   bigint NOT NULL DEFAULT 0,
  currency       text NOT NULL DEFAULT '',
  reason         text NOT NULL DEFAULT '',
  status         text NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now(),
  reviewed_at    timestamptz,
  reviewed_by    text
);

-- Admin adjustments by request key: a repeated request returns the first result.
CREATE TABLE adjustments (
  request_key text PRIMARY KEY,
  user_id     text NOT NULL,
  cents       bigint NOT NULL,
  reason      text NOT NULL,
  admin_id    text NOT NULL,
  entry_id    text NOT NULL REFERENCES ledger_entries (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
