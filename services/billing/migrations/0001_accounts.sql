-- One prepaid credit account per owner, opened on user.registered. Money is integer cents.
CREATE TABLE accounts (
  user_id       text PRIMARY KEY,
  balance_cents bigint NOT NULL DEFAULT 0,
  opened_at     timestamptz NOT NULL DEFAULT now(),
  closed_at     timestamptz
);
