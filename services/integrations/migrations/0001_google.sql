-- The owner's Google connection. Tokens are sealed with AES-256-GCM ("v1:<key id>:..."), bound
-- to the owner's id as associated data, so a token copied to another row does not open.
CREATE TABLE google_connections (
  user_id           text PRIMARY KEY,
  status            text NOT NULL CHECK (status IN ('connected', 'reconnect_required')),
  google_email      text NOT NULL,
  scopes            text NOT NULL,
  refresh_token     text,          -- sealed; null once Google refused it
  access_token      text,          -- sealed
  access_expires_at timestamptz,
  calendar_id       text NOT NULL DEFAULT 'primary',
  connected_at      timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- OAuth `state`: single use, short-lived, bound to the owner and to the browser that started
-- the flow (a cookie whose hash is stored); only hashes are kept.
CREATE TABLE oauth_states (
  state_hash    text PRIMARY KEY,
  user_id       text NOT NULL,
  browser_hash  text NOT NULL,
  code_verifier text NOT NULL,     -- sealed
  return_to     text NOT NULL,
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

-- The owner's settings, and the call log's spreadsheet: created on the first call, re-created
-- when it is gone, kept across a reconnect of the same Google account.
CREATE TABLE owner_settings (
  user_id              text PRIMARY KEY,
  appointment_minutes  integer NOT NULL DEFAULT 30
                       CHECK (appointment_minutes BETWEEN 15 AND 120 AND appointment_minutes % 5 = 0),
  sheet_id             text,
  sheet_url            text,
  sheet_email          text,  -- the Google account the spreadsheet belongs to
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- The agents as their events describe them: the tools need the opening hours and the zone, the
-- call log the name. changed_at is the ce_time of the event applied last.
CREATE TABLE agents (
  agent_id      text PRIMARY KEY,
  user_id       text NOT NULL,
  name          text NOT NULL,
  language      text NOT NULL,
  timezone      text NOT NULL,
  opening_hours jsonb NOT NULL DEFAULT '{}',
  deleted       boolean NOT NULL DEFAULT false,
  changed_at    timestamptz NOT NULL
);

-- Bookings made by agents. google_event_id is derived from the tool call, so a repeated insert
-- is Google's 409 and never a second event.
CREATE TABLE bookings (
  id              uuid PRIMARY KEY,
  user_id         text NOT NULL,
  agent_id        text NOT NULL,
  call_id         text,
  caller_name     text NOT NULL,
  caller_number   text,
  start_at        timestamptz NOT NULL,
  end_at          timestamptz NOT NULL CHECK (end_at > start_at),
  timezone        text NOT NULL,
  status          text NOT NULL CHECK (status IN ('booked', 'cancelled')),
  google_event_id text NOT NULL,
  calendar_id     text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bookings_by_owner ON bookings (user_id, start_at);
CREATE INDEX bookings_by_caller ON bookings (user_id, caller_number, start_at) WHERE status = 'booked';

-- Calendar inserts whose outcome is not known yet (a timeout may still have created the event):
-- a sweeper removes events that no booking claims.
CREATE TABLE booking_attempts (
  google_event_id text PRIMARY KEY,
  user_id         text NOT NULL,
  calendar_id     text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  resolved_at     timestamptz
);
CREATE INDEX booking_attempts_open ON booking_attempts (created_at) WHERE resolved_at IS NULL;

-- Answers of tool calls that ran, by Idempotency-Key (<vapi call id>:<tool call id>): Vapi may
-- repeat a tool call, the caller hears the same answer and nothing runs twice.
CREATE TABLE tool_results (
  idempotency_key text PRIMARY KEY,
  user_id         text NOT NULL,
  tool            text NOT NULL,
  answer          text NOT NULL,   -- the response body, byte for byte
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tool_results_age ON tool_results (created_at);

-- One row per completed call for the owner's sheet, written by a worker with retries.
-- state: pending (not tried or failed for now), uncertain (an append may have landed: check the
-- sheet before appending again), done, failed (given up; see last_error).
CREATE TABLE sheet_rows (
  call_id         text PRIMARY KEY,
  user_id         text NOT NULL,
  cells           jsonb NOT NULL,
  state           text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'uncertain', 'done', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  done_at         timestamptz
);
CREATE INDEX sheet_rows_due ON sheet_rows (next_attempt_at) WHERE state IN ('pending', 'uncertain');
