-- What the agent service knows about each owner, kept from auth's, billing's and integrations'
-- events: whether the owner's agents may take calls and whether calendar tools are offered.
CREATE TABLE owners (
  user_id           text PRIMARY KEY,
  account_status    text NOT NULL DEFAULT 'active'
                    CHECK (account_status IN ('active', 'inactive', 'suspended')),
  credits_exhausted boolean NOT NULL DEFAULT false,
  google_connected  boolean NOT NULL DEFAULT false,
  deleted_at        timestamptz,
  -- The time of the last event applied per fact, so a late, older event changes nothing.
  status_event_at   timestamptz,
  credits_event_at  timestamptz,
  google_event_at   timestamptz
);

-- Wizard drafts: several per owner, saved step by step; version guards against two open tabs.
CREATE TABLE drafts (
  id         uuid PRIMARY KEY,
  user_id    text NOT NULL,
  version    integer NOT NULL DEFAULT 1,
  step       smallint NOT NULL DEFAULT 1 CHECK (step BETWEEN 1 AND 6),
  state      jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drafts_by_owner ON drafts (user_id, updated_at DESC);

-- Agents. The row is the truth; Vapi is brought to it by the sync worker: every change raises
-- desired_version in its own transaction, the worker pushes and records synced_version.
CREATE TABLE agents (
  id                uuid PRIMARY KEY,
  user_id           text NOT NULL,
  name              text NOT NULL,
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
  definition        jsonb NOT NULL,
  vapi_assistant_id text UNIQUE,
  -- Set before the worker asks Vapi to create the assistant; a retry after a crash looks for an
  -- assistant created since then with this agent's id in its metadata instead of creating a second.
  create_started_at timestamptz,
  desired_version   bigint NOT NULL DEFAULT 1,
  synced_version    bigint NOT NULL DEFAULT 0,
  sync_state        text NOT NULL DEFAULT 'pending' CHECK (sync_state IN ('pending', 'synced', 'error')),
  sync_error        text,
  sync_attempts     integer NOT NULL DEFAULT 0,
  next_sync_at      timestamptz NOT NULL DEFAULT now(),
  synced_at         timestamptz,
  -- agent.created goes out once, after the assistant exists (the event carries its id).
  announced         boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  -- Deleted agents stay until their assistant is deleted in Vapi and agent.deleted is out.
  deleted_at        timestamptz
);
CREATE INDEX agents_by_owner ON agents (user_id, created_at) WHERE deleted_at IS NULL;
CREATE INDEX agents_to_sync ON agents (next_sync_at) WHERE desired_version > synced_version;

-- The phone-number pool. agent_id is the wanted assignment; synced_agent_id what Vapi and the
-- other services were last told (phone_number.assigned/released follow the Vapi update).
CREATE TABLE phone_numbers (
  id                   uuid PRIMARY KEY,
  e164                 text NOT NULL UNIQUE,
  vapi_phone_number_id text NOT NULL UNIQUE,
  agent_id             uuid UNIQUE REFERENCES agents (id),
  assigned_at          timestamptz,
  synced_agent_id      uuid,
  synced_user_id       text,
  -- Bumped by every change of the assignment and by agent renames (the number's name in Vapi).
  desired_version      bigint NOT NULL DEFAULT 1,
  synced_version       bigint NOT NULL DEFAULT 0,
  sync_error           text,
  sync_attempts        integer NOT NULL DEFAULT 0,
  next_sync_at         timestamptz NOT NULL DEFAULT now(),
  removed_at           timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX phone_numbers_free ON phone_numbers (created_at)
  WHERE agent_id IS NULL AND removed_at IS NULL;
CREATE INDEX phone_numbers_to_sync ON phone_numbers (next_sync_at)
  WHERE desired_version > synced_version;
