-- The local copy of routing data, fed by agent.*, phone_number.* and user.* events. Each row
-- remembers the event time (ce_time) of its last change, so an older event arriving late from
-- another topic cannot undo a newer one.
CREATE TABLE owners (
  user_id    text PRIMARY KEY,
  status     text NOT NULL CHECK (status IN ('active', 'inactive', 'suspended', 'deleted')),
  changed_at timestamptz NOT NULL
);

CREATE TABLE agents (
  agent_id           text PRIMARY KEY,
  user_id            text NOT NULL,
  name               text NOT NULL DEFAULT '',
  status             text NOT NULL DEFAULT 'inactive'
                     CHECK (status IN ('active', 'inactive', 'paused', 'deleted')),
  language           text NOT NULL DEFAULT 'de',
  timezone           text NOT NULL DEFAULT 'Europe/Berlin',
  vapi_assistant_id  text NOT NULL DEFAULT '',
  escalation_enabled boolean NOT NULL DEFAULT false,
  forwarding_number  text,
  fallback_number    text,
  after_hours_number text,
  business_days      text NOT NULL DEFAULT '',  -- "mon,tue,..."
  business_start     text NOT NULL DEFAULT '09:00',
  business_end       text NOT NULL DEFAULT '17:00',
  voicemail          boolean NOT NULL DEFAULT true,
  max_clarifications integer NOT NULL DEFAULT 3,
  changed_at         timestamptz NOT NULL,
  deleted_at         timestamptz
);
CREATE INDEX agents_assistant ON agents (vapi_assistant_id);
CREATE INDEX agents_user ON agents (user_id);

CREATE TABLE phone_numbers (
  vapi_phone_number_id text PRIMARY KEY,
  e164                 text NOT NULL,
  agent_id             text,  -- null while released
  user_id              text,
  changed_at           timestamptz NOT NULL
);
CREATE INDEX phone_numbers_e164 ON phone_numbers (e164);
CREATE INDEX phone_numbers_agent ON phone_numbers (agent_id);

-- One row per Vapi call. vapi_call_id is unique, so repeated or concurrent messages about the
-- same call meet on one row (INSERT ... ON CONFLICT, then SELECT ... FOR UPDATE).
CREATE TABLE calls (
  id                   text PRIMARY KEY,
  vapi_call_id         text NOT NULL UNIQUE,
  agent_id             text NOT NULL,
  user_id              text NOT NULL,
  call_type            text NOT NULL DEFAULT '',
  test                 boolean NOT NULL DEFAULT false,
  caller_number        text,
  status               text NOT NULL CHECK (status IN ('ringing', 'in_progress', 'completed',
                         'failed', 'no_answer', 'busy', 'transferred', 'escalated', 'voicemail')),
  ended_reason         text,
  created_at           timestamptz NOT NULL,  -- when the call came in (Vapi's call.createdAt)
  started_at           timestamptz,
  ended_at             timestamptz,
  duration_seconds     bigint,
  messages             jsonb,  -- the transcript as messages; removed by the retention job
  summary              text,
  analysis             jsonb,  -- {"structured_data": ..., "success_evaluation": ...}
  recording_url        text,
  stereo_recording_url text,
  provider_cost_usd_micros bigint,
  appointment_booked   boolean NOT NULL DEFAULT false,
  transferred          boolean NOT NULL DEFAULT false,
  started_published    boolean NOT NULL DEFAULT false,
  completed_published  boolean NOT NULL DEFAULT false,
  report_received_at   timestamptz,
  content_purged_at    timestamptz,
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calls_owner_created ON calls (user_id, created_at DESC, id DESC);
CREATE INDEX calls_created ON calls (created_at DESC, id DESC);
CREATE INDEX calls_unreported ON calls (ended_at) WHERE NOT completed_published;
CREATE INDEX calls_unpurged ON calls (created_at) WHERE content_purged_at IS NULL;

-- Hand-overs to a human (or the offer to take a message). source_key makes a repeated
-- transfer-destination-request or tool call a no-op.
CREATE TABLE escalations (
  id                    text PRIMARY KEY,
  call_id               text NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  user_id               text NOT NULL,
  agent_id              text NOT NULL,
  source_key            text NOT NULL UNIQUE,
  reason                text NOT NULL,
  kind                  text NOT NULL CHECK (kind IN ('forwarding', 'fallback', 'after_hours', 'message')),
  destination           text NOT NULL,  -- E.164, or 'voicemail' when a message is taken
  within_business_hours boolean NOT NULL,
  outcome               text NOT NULL DEFAULT 'pending'
                        CHECK (outcome IN ('pending', 'transferred', 'not_connected', 'message')),
  at                    timestamptz NOT NULL
);
CREATE INDEX escalations_owner_at ON escalations (user_id, at DESC, id DESC);
CREATE INDEX escalations_call ON escalations (call_id);

-- Tool calls executed for a call: the answer given (so a retried tool call is answered the same
-- way without running it twice) and whether it booked an appointment.
CREATE TABLE tool_calls (
  vapi_call_id       text NOT NULL,
  tool_call_id       text NOT NULL,
  name               text NOT NULL,
  outcome            text NOT NULL CHECK (outcome IN ('ok', 'timeout', 'unavailable', 'rejected', 'local')),
  result             text,
  appointment_booked boolean NOT NULL DEFAULT false,
  latency_ms         bigint NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (vapi_call_id, tool_call_id)
);
CREATE INDEX tool_calls_created ON tool_calls (created_at);
