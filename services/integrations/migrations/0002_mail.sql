-- E-mail to owners. The recipients as the user events describe them: a deleted owner stays as a
-- tombstone without personal data, so a late event does not bring the address back.
CREATE TABLE mail_owners (
  user_id    text PRIMARY KEY,
  email      text,
  name       text,
  locale     text NOT NULL DEFAULT 'de' CHECK (locale IN ('de', 'en')),
  deleted    boolean NOT NULL DEFAULT false,
  changed_at timestamptz NOT NULL
);

-- Opt-in mails; no row means neither.
CREATE TABLE mail_preferences (
  user_id      text PRIMARY KEY,
  call_summary boolean NOT NULL DEFAULT false,
  new_booking  boolean NOT NULL DEFAULT false,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The queue. One row per (kind, triggering event): a redelivered event finds its row and adds
-- nothing. `params` is the template's input; `raw` the message once rendered (rendering waits
-- for an owner not known yet). Secrets (verify_email, password_reset) are in `raw` and `params`
-- only until the message is sent.
CREATE TABLE mails (
  id              text PRIMARY KEY,
  kind            text NOT NULL,
  event_id        text NOT NULL,
  user_id         text NOT NULL,
  recipient       text,
  subject         text,
  language        text,
  params          jsonb,
  raw             text,
  message_id      text NOT NULL,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  UNIQUE (kind, event_id)
);
CREATE INDEX mails_due ON mails (next_attempt_at) WHERE state = 'pending';
CREATE INDEX mails_listing ON mails (state, created_at DESC);
CREATE INDEX mails_owner ON mails (user_id);
