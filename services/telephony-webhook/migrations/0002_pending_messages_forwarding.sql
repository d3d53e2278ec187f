-- How a forwarding failed when the assistant answered and then could not hand the caller over
-- (the call itself connected; the escalation log says what was offered instead).
ALTER TABLE calls ADD COLUMN forwarding_outcome text
  CHECK (forwarding_outcome IN ('busy', 'no_answer', 'failed'));

-- Status updates and end-of-call reports that name an assistant (or a number) the routing copy
-- does not know yet: a new agent's first call, or a number moved to another agent, can overtake
-- the agent's events. They wait here and are recorded as soon as their agent is known, never
-- attributed to someone else and never dropped. message_key (SHA-256 of the body) makes a
-- retried delivery a no-op.
CREATE TABLE pending_messages (
  vapi_call_id    text NOT NULL,
  message_key     text NOT NULL,
  message_type    text NOT NULL CHECK (message_type IN ('status-update', 'end-of-call-report')),
  assistant_id    text NOT NULL DEFAULT '',
  phone_number_id text NOT NULL DEFAULT '',
  phone_number    text NOT NULL DEFAULT '',
  body            text NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (vapi_call_id, message_key)
);
CREATE INDEX pending_messages_assistant ON pending_messages (assistant_id) WHERE assistant_id <> '';
CREATE INDEX pending_messages_number ON pending_messages (phone_number_id) WHERE assistant_id = '';
CREATE INDEX pending_messages_received ON pending_messages (received_at);
