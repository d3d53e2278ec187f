-- Accounts: e-mail verification, profile time zone, sliding sessions, one-time tokens,
-- brute-force throttling shared by every replica, and security events.

-- Accounts that exist before verification was introduced count as verified.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at;
ALTER TABLE users ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/Berlin';
CREATE INDEX users_email_sort ON users (email_normalized, id);
CREATE INDEX users_name_sort ON users (name, id);

-- A session slides with use (expires_at) up to a fixed end (absolute_expires_at).
ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE sessions ADD COLUMN absolute_expires_at timestamptz;
UPDATE sessions SET absolute_expires_at = expires_at, last_seen_at = created_at;
ALTER TABLE sessions ALTER COLUMN absolute_expires_at SET NOT NULL;

-- Links sent by mail; known only by the SHA-256 of the token, used at most once.
CREATE TABLE account_tokens (
  token_hash text PRIMARY KEY,
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose    text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expires ON account_tokens (expires_at);

-- Fixed-window counters per (rule, key), e.g. failed logins per (account, client IP).
CREATE TABLE throttle_counters (
  rule         text NOT NULL,
  key          text NOT NULL,
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL,
  PRIMARY KEY (rule, key)
);
CREATE INDEX throttle_counters_window ON throttle_counters (window_start);

CREATE TABLE security_events (
  id         text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('login', 'login_failed', 'logout', 'password_changed',
                                          'password_reset', 'status_changed', 'email_verified',
                                          'account_deleted', 'throttled')),
  user_id    text,
  email      text,
  ip         text,
  user_agent text,
  at         timestamptz NOT NULL DEFAULT now(),
  detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX security_events_at ON security_events (at DESC, id DESC);
CREATE INDEX security_events_user ON security_events (user_id, at DESC);
