#include "stripe_store.hpp"

namespace kx::billing {
namespace {

constexpr const char* kInsertSession = R"sql(
INSERT INTO checkout_sessions (session_id, user_id, pack_id, credits, amount_cents, currency,
                               status, payment_intent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (session_id) DO NOTHING)sql";
constexpr const char* kSessionColumns = R"sql(
session_id, user_id, pack_id, credits, amount_cents, currency, status, payment_intent, entry_id,
refunded_cents, refunded_credits)sql";
const std::string kLockSession = std::string("SELECT ") + kSessionColumns +
                                 " FROM checkout_sessions WHERE session_id = $1 FOR UPDATE";
const std::string kLockSessionByPaymentIntent =
    std::string("SELECT ") + kSessionColumns +
    " FROM checkout_sessions WHERE payment_intent = $1 FOR UPDATE";
constexpr const char* kMarkPaid = R"sql(
UPDATE checkout_sessions
SET status = 'paid', entry_id = $2, payment_intent = COALESCE($3, payment_intent), paid_at = now()
WHERE session_id = $1)sql";
constexpr const char* kSetStatus = R"sql(
UPDATE checkout_sessions SET status = $2, payment_intent = COALESCE($3, payment_intent)
WHERE session_id = $1 AND entry_id IS NULL)sql";
constexpr const char* kInsertRefund = R"sql(
INSERT INTO refunds (reference, charge_id, session_id, user_id, amount_cents, credits, entry_id)
VALUES ($1, $2, $3, $4, $5, $6, $7))sql";
constexpr const char* kSetRefundTotals = R"sql(
UPDATE checkout_sessions SET refunded_cents = $2, refunded_credits = $3 WHERE session_id = $1)sql";

constexpr const char* kRecordEvent = R"sql(
INSERT INTO stripe_events (event_id, type, object_id, livemode) VALUES ($1, $2, $3, $4)
ON CONFLICT (event_id) DO NOTHING)sql";
constexpr const char* kSetEventOutcome =
    "UPDATE stripe_events SET outcome = $2 WHERE event_id = $1";

constexpr const char* kRecordDispute = R"sql(
INSERT INTO disputes (dispute_id, charge_id, payment_intent, session_id, user_id, amount_cents,
                      currency, reason, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dispute_id) DO NOTHING)sql";
constexpr const char* kDisputes = R"sql(
SELECT dispute_id, charge_id, payment_intent, session_id, user_id, amount_cents, currency, reason,
       status, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(reviewed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), reviewed_by
FROM disputes WHERE NOT $1 OR reviewed_at IS NULL
ORDER BY created_at DESC, dispute_id LIMIT $2 OFFSET $3)sql";
constexpr const char* kReviewDispute = R"sql(
UPDATE disputes SET reviewed_at = now(), reviewed_by = $2
WHERE dispute_id = $1 AND reviewed_at IS NULL)sql";

std::optional<std::string> nullable(const pqxx::field& f) {
  if (f.is_null())
    return std::nullopt;
  return f.as<std::string>();
}

std::optional<CheckoutRecord> first_session(const pqxx::result& res) {
  if (res.empty())
    return std::nullopt;
  const auto& r = res[0];
  CheckoutRecord s;
  s.session_id = r[0].as<std::string>();
  s.user_id = r[1].as<std::string>();
  s.pack_id = r[2].as<std::string>();
  s.credits = r[3].as<std::int64_t>();
  s.amount_cents = r[4].as<std::int64_t>();
  s.currency = r[5].as<std::string>();
  s.status = r[6].as<std::string>();
  s.payment_intent = nullable(r[7]);
  s.entry_id = nullable(r[8]);
  s.refunded_cents = r[9].as<std::int64_t>();
  s.refunded_credits = r[10].as<std::int64_t>();
  return s;
}

}  // namespace

void StripeStore::insert_session(pqxx::work& tx, const CheckoutRecord& s) {
  tx.exec_params(kInsertSession, s.session_id, s.user_id, s.pack_id, s.credits, s.amount_cents,
                 s.currency, s.status, s.payment_intent);
}

std::optional<CheckoutRecord> StripeStore::lock_session(pqxx::work& tx,
                                                        const std::string& session_id) {
  return first_session(tx.exec_params(kLockSession, session_id));
}

std::optional<CheckoutRecord> StripeStore::lock_session_by_payment_intent(
    pqxx::work& tx, const std::string& payment_intent) {
  return first_session(tx.exec_params(kLockSessionByPaymentIntent, payment_intent));
}

void StripeStore::mark_paid(pqxx::work& tx, const std::string& session_id,
                            const std::string& entry_id,
                            const std::optional<std::string>& payment_intent) {
  tx.exec_params(kMarkPaid, session_id, entry_id, payment_intent);
}

void StripeStore::set_status(pqxx::work& tx, const std::string& session_id,
                             const std::string& status,
                             const std::optional<std::string>& payment_intent) {
  tx.exec_params(kSetStatus, session_id, status, payment_intent);
}

void StripeStore::record_refund(pqxx::work& tx, const std::string& reference,
                                const std::string& charge_id, const CheckoutRecord& session,
                                std::int64_t amount_cents, std::int64_t credits,
                                const std::string& entry_id) {
  tx.exec_params(kInsertRefund, reference, charge_id, session.session_id, session.user_id,
                 amount_cents, credits, entry_id);
}

void StripeStore::set_refund_totals(pqxx::work& tx, const std::string& session_id,
                                    std::int64_t refunded_cents, std::int64_t refunded_credits) {
  tx.exec_params(kSetRefundTotals, session_id, refunded_cents, refunded_credits);
}

bool StripeStore::record_event(pqxx::work& tx, const std::string& event_id, const std::string& type,
                               const std::string& object_id, bool livemode) {
  return tx.exec_params(kRecordEvent, event_id, type, object_id, livemode).affected_rows() == 1;
}

void StripeStore::set_event_outcome(pqxx::work& tx, const std::string& event_id,
                                    const std::string& outcome) {
  tx.exec_params(kSetEventOutcome, event_id, outcome);
}

bool StripeStore::record_dispute(pqxx::work& tx, const Dispute& d) {
  return tx.exec_params(kRecordDispute, d.dispute_id, d.charge_id, d.payment_intent, d.session_id,
                        d.user_id, d.amount_cents, d.currency, d.reason, d.status)
             .affected_rows() == 1;
}

std::vector<Dispute> StripeStore::disputes(pqxx::work& tx, bool open_only, int limit, int offset) {
  std::vector<Dispute> out;
  for (const auto& r : tx.exec_params(kDisputes, open_only, limit, offset)) {
    Dispute d;
    d.dispute_id = r[0].as<std::string>();
    d.charge_id = r[1].as<std::string>();
    d.payment_intent = r[2].as<std::string>();
    d.session_id = nullable(r[3]);
    d.user_id = nullable(r[4]);
    d.amount_cents = r[5].as<std::int64_t>();
    d.currency = r[6].as<std::string>();
    d.reason = r[7].as<std::string>();
    d.status = r[8].as<std::string>();
    d.created_at = r[9].as<std::string>();
    d.reviewed_at = nullable(r[10]);
    d.reviewed_by = nullable(r[11]);
    out.push_back(std::move(d));
  }
  return out;
}

bool StripeStore::review_dispute(pqxx::work& tx, const std::string& dispute_id,
                                 const std::string& admin_id) {
  return tx.exec_params(kReviewDispute, dispute_id, admin_id).affected_rows() == 1;
}

}  // namespace kx::billing
