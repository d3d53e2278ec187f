-- Transactional outbox: events written in the same transaction as the change they report,
-- published by the relay in seq order.
CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  topic        text NOT NULL,
  event_key    text NOT NULL,
  ce_type      text NOT NULL,
  ce_source    text NOT NULL,
  ce_subject   text NOT NULL,
  ce_time      text NOT NULL,
  data         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;

-- Idempotent inbox: one row per consumed event, written in the same transaction as its effect.
CREATE TABLE inbox (
  consumer     text NOT NULL,
  event_id     text NOT NULL,
  topic        text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
