#include "owner_data.hpp"

namespace kx::billing {
namespace {

// One statement, so the parts are read at one point in time (the export runs REPEATABLE READ).
constexpr const char* kOwnerData = R"sql(
SELECT json_build_object(
  'account', (SELECT json_build_object(
                'email', a.email, 'name', a.name, 'locale', a.locale,
                'balance_cents', a.balance_cents, 'stripe_customer_id', a.stripe_customer_id,
                'low_warned', a.low_warned, 'exhausted', a.exhausted,
                'opened_at', a.opened_at, 'closed_at', a.closed_at)
              FROM accounts a WHERE a.user_id = $1),
  'ledger_entries', coalesce((
    SELECT json_agg(json_build_object(
             'id', e.id, 'seq', e.seq, 'kind', e.kind, 'amount_cents', e.amount_cents,
             'balance_after_cents', e.balance_after_cents, 'reference', e.reference,
             'description', e.description, 'created_at', e.created_at) ORDER BY e.seq)
    FROM ledger_entries e WHERE e.user_id = $1), '[]'::json),
  'checkout_sessions', coalesce((
    SELECT json_agg(json_build_object(
             'session_id', s.session_id, 'pack_id', s.pack_id, 'credits', s.credits,
             'amount_cents', s.amount_cents, 'currency', s.currency, 'status', s.status,
             'payment_intent', s.payment_intent, 'refunded_cents', s.refunded_cents,
             'chargeback_cents', s.chargeback_cents, 'created_at', s.created_at,
             'paid_at', s.paid_at) ORDER BY s.created_at, s.session_id)
    FROM checkout_sessions s WHERE s.user_id = $1), '[]'::json),
  'refunds', coalesce((
    SELECT json_agg(json_build_object(
             'reference', r.reference, 'charge_id', r.charge_id, 'session_id', r.session_id,
             'amount_cents', r.amount_cents, 'credits', r.credits, 'cause', r.cause,
             'created_at', r.created_at) ORDER BY r.created_at, r.reference)
    FROM refunds r WHERE r.user_id = $1), '[]'::json),
  'disputes', coalesce((
    SELECT json_agg(json_build_object(
             'dispute_id', d.dispute_id, 'charge_id', d.charge_id, 'session_id', d.session_id,
             'amount_cents', d.amount_cents, 'currency', d.currency, 'reason', d.reason,
             'status', d.status, 'created_at', d.created_at) ORDER BY d.created_at, d.dispute_id)
    FROM disputes d WHERE d.user_id = $1), '[]'::json),
  'call_charges', coalesce((
    SELECT json_agg(json_build_object(
             'call_id', c.call_id, 'agent_id', c.agent_id, 'status', c.status, 'test', c.test,
             'duration_seconds', c.duration_seconds, 'billed_minutes', c.billed_minutes,
             'cost_cents', c.cost_cents, 'charged_cents', c.charged_cents, 'outcome', c.outcome,
             'decided_at', c.decided_at) ORDER BY c.decided_at, c.call_id)
    FROM call_charges c WHERE c.user_id = $1), '[]'::json),
  'adjustments', coalesce((
    SELECT json_agg(json_build_object(
             'cents', j.cents, 'reason', j.reason, 'created_at', j.created_at)
           ORDER BY j.created_at, j.request_key)
    FROM adjustments j WHERE j.user_id = $1), '[]'::json))::text)sql";

constexpr const char* kAnonymiseAccount =
    "UPDATE accounts SET email = NULL, name = '', updated_at = now() WHERE user_id = $1";
// The Stripe objects (customer e-mail, name, billing address) of the owner's payments.
constexpr const char* kDropStripeObjects = R"sql(
UPDATE stripe_events SET object = NULL
WHERE object IS NOT NULL AND object_id IN (
  SELECT session_id FROM checkout_sessions WHERE user_id = $1
  UNION SELECT payment_intent FROM checkout_sessions WHERE user_id = $1 AND payment_intent IS NOT NULL
  UNION SELECT charge_id FROM refunds WHERE user_id = $1
  UNION SELECT dispute_id FROM disputes WHERE user_id = $1
  UNION SELECT charge_id FROM disputes WHERE user_id = $1
  UNION SELECT stripe_customer_id FROM accounts WHERE user_id = $1 AND stripe_customer_id IS NOT NULL))sql";

}  // namespace

std::string owner_data(pqxx::work& tx, const std::string& user_id) {
  return tx.exec_params1(kOwnerData, user_id)[0].as<std::string>();
}

void anonymise_owner(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params(kAnonymiseAccount, user_id);
  tx.exec_params(kDropStripeObjects, user_id);
}

}  // namespace kx::billing
