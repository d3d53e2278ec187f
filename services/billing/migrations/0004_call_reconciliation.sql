-- The cross-service reconciliation (docs/events.md): billing compares the calls it decided with
-- the calls telephony-webhook completed, per owner and UTC day of the call's end, and asks for
-- the missing ones again. call_ended_at is the ended_at of the call.completed that was charged
-- (null for calls decided before this migration: they count for no day, and a day that differs
-- for that reason is settled call by call).
ALTER TABLE call_charges ADD COLUMN call_ended_at timestamptz;
CREATE INDEX call_charges_ended ON call_charges (call_ended_at, user_id);

-- One row per reconciliation run (by the schedule or an admin), with what it found and repaired.
CREATE TABLE reconciliation_runs (
  id            bigserial PRIMARY KEY,
  check_name    text NOT NULL CHECK (check_name IN ('calls_charged')),
  trigger       text NOT NULL CHECK (trigger IN ('schedule', 'admin')),
  admin_id      text,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz NOT NULL DEFAULT now(),
  window_from   date NOT NULL,
  window_to     date NOT NULL,
  days_checked  bigint NOT NULL DEFAULT 0,  -- (owner, day) pairs compared
  days_differing bigint NOT NULL DEFAULT 0, -- of those, compared call by call
  missing       bigint NOT NULL DEFAULT 0,  -- completed, settled and never charged
  in_flight     bigint NOT NULL DEFAULT 0,  -- completed recently or still in the producer's outbox
  republished   bigint NOT NULL DEFAULT 0,  -- missing calls whose event was sent again
  error         text                        -- why the run stopped early (producer unreachable, ...)
);
CREATE INDEX reconciliation_runs_recent ON reconciliation_runs (check_name, id DESC);

-- The owner-days a run found calls missing on (kept with the run for the admin view).
CREATE TABLE reconciliation_drift (
  run_id      bigint NOT NULL REFERENCES reconciliation_runs (id) ON DELETE CASCADE,
  user_id     text NOT NULL,
  day         date NOT NULL,
  completed   bigint NOT NULL,  -- calls the producer completed that day
  charged     bigint NOT NULL,  -- of those, decided by billing
  missing     bigint NOT NULL,
  republished bigint NOT NULL,
  PRIMARY KEY (run_id, user_id, day)
);
