-- One charged call as billing runs it (services/billing: EventHandlers::on_call_completed →
-- Ledger::charge_call inside ConsumerRunner's inbox transaction), statement for statement, for a
-- random one of :owners owners with enough credit that no alert fires: the settings with the
-- account locked, then the call's decision, ledger entry, balance and credits.deducted in one
-- statement (LedgerStore::lock_for_charge, LedgerStore::book_call). Run by run_pgbench.sh.
-- pgbench takes every colon followed by a name for a variable, also inside string literals, so
-- the colons of the timestamp formats are written as chr(58) (folded when the plan is made).
\set owner random(1, :owners)
\set n random(1, 9223372036854775806)
BEGIN;
INSERT INTO inbox (consumer, event_id, topic) VALUES ('billing', 'pgb-e-' || :n::text, 'call.completed')
ON CONFLICT (consumer, event_id) DO NOTHING;
WITH account AS (
  SELECT user_id AS locked_user, balance_cents AS balance, last_entry_seq AS seq, low_warned,
         exhausted, COALESCE(email, '') AS email, name, locale, stripe_customer_id,
         closed_at IS NOT NULL AS closed,
         to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS.MS"Z"') AS opened_at
  FROM accounts WHERE user_id = 'pgb-owner-' || :owner::text FOR UPDATE)
SELECT price_per_minute_cents, rounding, grace_limit_cents, low_balance_threshold_cents,
signup_bonus_cents, charge_test_calls,
to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS.MS"Z"') AS updated, COALESCE(updated_by, '') AS updated_by,
account.* FROM settings LEFT JOIN account ON true \gset
\set next_seq :seq + 1
\set balance_after :balance - 30
WITH decided AS (
  INSERT INTO call_charges (call_id, user_id, agent_id, status, test, duration_seconds,
                            billed_minutes, cost_cents, call_ended_at, outcome, charged_cents,
                            entry_id)
  VALUES ('pgb-c-' || :n::text, 'pgb-owner-' || :owner::text, 'bench-agent', 'completed', false, 95, 2, 30,
          nullif('2026-11-30T03' || chr(58) || '00' || chr(58) || '00.000Z', '')::timestamptz, 'charged', 30,
          'pgb-l-' || :n::text)
  ON CONFLICT (call_id) DO NOTHING
  RETURNING call_id
), entry AS (
  INSERT INTO ledger_entries (id, user_id, seq, kind, amount_cents, balance_after_cents, reference,
                              description)
  SELECT 'pgb-l-' || :n::text, 'pgb-owner-' || :owner::text, :next_seq, 'call_usage', -30, :balance_after,
         'call' || chr(58) || 'pgb-c-' || :n::text, 'Anruf (1:35 Min.), 2 angefangene Minuten à 0,15 €'
  WHERE EXISTS (SELECT FROM decided)
  ON CONFLICT (reference) DO NOTHING
  RETURNING id, user_id, seq, kind, amount_cents, balance_after_cents, reference, description,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS.MS"Z"')
), balance AS (
  UPDATE accounts SET balance_cents = :balance_after, last_entry_seq = :next_seq, low_warned = false,
                      exhausted = false, updated_at = now()
  WHERE user_id = 'pgb-owner-' || :owner::text AND EXISTS (SELECT FROM entry)
), outbox_added AS (
  INSERT INTO outbox (event_id, topic, event_key, ce_type, ce_source, ce_subject, ce_time, data)
  SELECT e.event_id, e.topic, e.event_key, e.ce_type, e.ce_source, e.ce_subject, e.ce_time, e.data
  FROM ROWS FROM (json_to_recordset(json_build_array(json_build_object(
         'event_id', gen_random_uuid(), 'topic', 'credits.deducted', 'event_key', 'pgb-owner-' || :owner::text,
         'ce_type', 'credits.deducted.v1', 'ce_source', 'billing', 'ce_subject', 'pgb-owner-' || :owner::text,
         'ce_time', '2026-11-30T03' || chr(58) || '00' || chr(58) || '00.000Z',
         'data', '{"user_id"' || chr(58) || '"pgb-owner-' || :owner::text || '","transaction_id"' || chr(58) || '"pgb-l-' || :n::text ||
                 '","call_id"' || chr(58) || '"pgb-c-' || :n::text || '","billed_minutes"' || chr(58) || '2,"cents"' || chr(58) || '30,"balance_cents"' || chr(58) ||
                 :balance_after::text || '}'))::text::json)
       AS (event_id uuid, topic text, event_key text, ce_type text, ce_source text, ce_subject text, ce_time text, data text))
    WITH ORDINALITY AS e (event_id, topic, event_key, ce_type, ce_source, ce_subject, ce_time, data, n)
  WHERE EXISTS (SELECT FROM entry)
  ORDER BY e.n
  RETURNING seq
)
SELECT EXISTS (SELECT FROM decided), entry.* FROM (SELECT) one LEFT JOIN entry ON true;
END;
