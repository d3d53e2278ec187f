-- The audit log: every admin.action event of every service, stored once per event id by auth's
-- consumer. Append-only: the trigger below refuses UPDATE, DELETE and TRUNCATE, with one
-- documented exception (docs/operations.md "Audit log"): after user.deleted the personal data
-- of that user inside before/after (and the IP and user agent when the user was the acting
-- admin) are replaced, in a transaction that sets kx.audit_anonymise = 'on'; ids, action, time
-- and service stay.
CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  event_id      text NOT NULL UNIQUE,
  at            timestamptz NOT NULL,
  admin_id      text NOT NULL,
  action        text NOT NULL,
  target_type   text NOT NULL,
  target_id     text NOT NULL,
  user_id       text,
  before        jsonb,
  after         jsonb,
  ip            text NOT NULL DEFAULT '',
  user_agent    text NOT NULL DEFAULT '',
  request_id    text NOT NULL DEFAULT '',
  service       text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  anonymised_at timestamptz
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_admin ON audit_log (admin_id, at DESC);
CREATE INDEX audit_log_user ON audit_log (user_id, at DESC) WHERE user_id IS NOT NULL;
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);
CREATE INDEX audit_log_action ON audit_log (action, at DESC);

-- The users whose data was erased (user.deleted): an entry about one of them that arrives later
-- (events of different topics are not ordered) is stored scrubbed.
CREATE TABLE audit_erased_users (
  user_id   text PRIMARY KEY,
  erased_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('kx.audit_anonymise', true) = 'on'
     AND NEW.id = OLD.id AND NEW.event_id = OLD.event_id AND NEW.at = OLD.at
     AND NEW.admin_id = OLD.admin_id AND NEW.action = OLD.action
     AND NEW.target_type = OLD.target_type AND NEW.target_id = OLD.target_id
     AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id AND NEW.request_id = OLD.request_id
     AND NEW.service = OLD.service AND NEW.received_at = OLD.received_at
     AND NEW.anonymised_at IS NOT NULL THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
