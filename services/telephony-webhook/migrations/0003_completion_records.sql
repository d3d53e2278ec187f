-- What the cross-service reconciliation asks for (docs/events.md): when a call's call.completed
-- went into the outbox and under which event id, so a consumer that never acted on it can be
-- sent the very same event again (its inbox then recognises a repeat).
ALTER TABLE calls
  ADD COLUMN completed_at       timestamptz,
  ADD COLUMN completed_event_id uuid;
UPDATE calls SET completed_at = coalesce(report_received_at, updated_at) WHERE completed_published;
-- Calls completed within the outbox's retention still have their event there.
UPDATE calls c SET completed_event_id = o.event_id
FROM (SELECT DISTINCT ON (ce_subject) ce_subject, event_id FROM outbox
      WHERE topic = 'call.completed' ORDER BY ce_subject, seq) o
WHERE o.ce_subject = c.id AND c.completed_published;
-- The day a completed call counts for is the UTC day of the ended_at its event carries.
CREATE INDEX calls_completed_day ON calls ((coalesce(ended_at, created_at)), user_id)
  WHERE completed_published;
