CREATE TABLE users (
  id               text PRIMARY KEY,
  email            text NOT NULL,
  email_normalized text NOT NULL UNIQUE,
  name             text NOT NULL DEFAULT '',
  password_hash    text NOT NULL,
  role             text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'suspended')),
  locale           text NOT NULL DEFAULT 'de' CHECK (locale IN ('de', 'en')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_created_at ON users (created_at DESC, id DESC);

-- A session is known by the SHA-256 of its token only; the token itself lives in the cookie.
CREATE TABLE sessions (
  id           text PRIMARY KEY,
  user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash   text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  revoke_reason text,
  ip           text,
  user_agent   text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
