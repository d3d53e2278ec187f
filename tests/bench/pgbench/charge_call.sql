-- One charged call as billing runs it (services/billing: EventHandlers::on_call_completed →
-- Ledger::charge_call inside ConsumerRunner's inbox transaction), statement for statement, for a
-- random one of :owners owners with enough credit that no alert fires. Run by run_pgbench.sh.
-- pgbench takes every colon followed by a name for a variable, also inside string literals, so
-- the colons of the timestamp formats are written as chr(58) (folded when the plan is made).
\set owner random(1, :owners)
\set n random(1, 9223372036854775806)
BEGIN;
INSERT INTO inbox (consumer, event_id, topic) VALUES ('billing', 'pgb-e-' || :n::text, 'call.completed')
ON CONFLICT (consumer, event_id) DO NOTHING;
SELECT price_per_minute_cents, rounding, grace_limit_cents, low_balance_threshold_cents,
signup_bonus_cents, charge_test_calls,
to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS.MS"Z"'), COALESCE(updated_by, '') FROM settings;
INSERT INTO call_charges (call_id, user_id, agent_id, status, test, duration_seconds,
                          billed_minutes, cost_cents, outcome)
VALUES ('pgb-c-' || :n::text, 'pgb-owner-' || :owner::text, 'bench-agent', 'completed', false, 95, 2, 30, 'pending')
ON CONFLICT (call_id) DO NOTHING;
SELECT user_id AS locked_user, balance_cents AS balance, last_entry_seq AS seq, low_warned, exhausted,
COALESCE(email, '') AS email, name, locale, stripe_customer_id, closed_at IS NOT NULL AS closed,
to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS.MS"Z"') AS opened_at
FROM accounts WHERE user_id = 'pgb-owner-' || :owner::text FOR UPDATE \gset
\set next_seq :seq + 1
\set balance_after :balance - 30
WITH entry AS (
  INSERT INTO ledger_entries (id, user_id, seq, kind, amount_cents, balance_after_cents, reference,
                              description)
  VALUES ('pgb-l-' || :n::text, 'pgb-owner-' || :owner::text, :next_seq, 'call_usage', -30, :balance_after,
          'call' || chr(58) || 'pgb-c-' || :n::text, 'Anruf (1:35 Min.), 2 angefangene Minuten à 0,15 €')
  ON CONFLICT (reference) DO NOTHING
  RETURNING id, user_id, seq, kind, amount_cents, balance_after_cents, reference, description,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS.MS"Z"')
), balance AS (
  UPDATE accounts SET balance_cents = :balance_after, last_entry_seq = :next_seq, low_warned = false,
                      exhausted = false, updated_at = now()
  WHERE user_id = 'pgb-owner-' || :owner::text AND EXISTS (SELECT FROM entry)
), decided AS (
  UPDATE call_charges SET charged_cents = 30, outcome = 'charged', entry_id = 'pgb-l-' || :n::text
  WHERE call_id = 'pgb-c-' || :n::text AND EXISTS (SELECT FROM entry)
)
SELECT * FROM entry;
WITH added AS (INSERT INTO outbox (event_id, topic, event_key, ce_type, ce_source, ce_subject, ce_time, data)
VALUES (gen_random_uuid(), 'credits.deducted', 'pgb-owner-' || :owner::text, 'credits.deducted.v1',
        'billing', 'pgb-owner-' || :owner::text, '2026-11-30T03' || chr(58) || '00' || chr(58) || '00.000Z',
        '{"user_id"' || chr(58) || '"pgb-owner-' || :owner::text || '","transaction_id"' || chr(58) || '"pgb-l-' || :n::text ||
        '","call_id"' || chr(58) || '"pgb-c-' || :n::text || '","billed_minutes"' || chr(58) || '2,"cents"' || chr(58) || '30,"balance_cents"' || chr(58) ||
        :balance_after::text || '}') RETURNING seq)
SELECT pg_notify('kx_outbox_' || current_schema(), '') FROM (SELECT FROM added LIMIT 1) one;
END;
