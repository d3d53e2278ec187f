-- Owners' outgoing webhooks. Secrets are sealed with the service's keyring, bound to the
-- endpoint id; the previous secret stays valid (and is signed with) until
-- previous_secret_expires_at after a rotation.
CREATE TABLE webhook_endpoints (
  id                         uuid PRIMARY KEY,
  user_id                    text NOT NULL,
  url                        text NOT NULL,
  description                text NOT NULL DEFAULT '',
  event_types                text[] NOT NULL,
  enabled                    boolean NOT NULL DEFAULT true,
  secret                     text NOT NULL,
  previous_secret            text,
  previous_secret_expires_at timestamptz,
  secret_rotated_at          timestamptz,
  disabled_reason            text,
  -- The first failed attempt since the last successful delivery; five days of that disables.
  failing_since              timestamptz,
  created_at                 timestamptz NOT NULL,
  updated_at                 timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id, created_at);

-- One message per (event, endpoint): the body is built once and signed anew per attempt.
CREATE TABLE webhook_deliveries (
  id              uuid PRIMARY KEY,
  endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
  user_id         text NOT NULL,
  event_id        text NOT NULL,
  message_id      text NOT NULL,  -- webhook-id
  event_type      text NOT NULL,
  payload         text NOT NULL,
  state           text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  leased_until    timestamptz,  -- a worker is sending it; another takes it after this
  last_status     integer,
  last_error      text,
  created_at      timestamptz NOT NULL,
  delivered_at    timestamptz,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
  WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);

-- The delivery log: every attempt as it was sent and answered.
CREATE TABLE webhook_attempts (
  id              bigserial PRIMARY KEY,
  delivery_id     uuid NOT NULL REFERENCES webhook_deliveries ON DELETE CASCADE,
  attempt         integer NOT NULL,
  started_at      timestamptz NOT NULL,
  request_headers jsonb NOT NULL,
  response_status integer,
  response_body   text,  -- the first 4 KiB
  duration_ms     integer NOT NULL,
  error           text
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
