#include "stripe_store.hpp"

namespace kx::billing {
namespace {

constexpr const char* kInsertSession = R"sql(
INSERT INTO checkout_sessions (session_id, user_id, pack_id, credits, amount_cents, currency,
                               status, payment_intent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (session_id) DO NOTHING)sql";
constexpr const char* kSessionColumns = R"sql(
session_id, user_id, pack_id, credits, amount_cents, currency, status, payment_intent, entry_id,
refunded_cents, refunded_credits, chargeback_cents, chargeback_credits)sql";
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
INSERT INTO refunds (reference, charge_id, session_id, user_id, amount_cents, credits, entry_id,
                     cause)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8))sql";
constexpr const char* kSetTakebackTotals = R"sql(
UPDATE checkout_sessions
SET refunded_cents = $2, refunded_credits = $3, chargeback_cents = $4, chargeback_credits = $5
WHERE session_id = $1)sql";

// A transaction-level advisory lock per payment: its completion, refunds and disputes may all
// arrive at once, before any row names the payment.
constexpr const char* kLockPayment =
    "SELECT pg_advisory_xact_lock(hashtextextended('kx_billing_payment:' || $1, 0))";
constexpr const char* kKeepChargeRefund = R"sql(
INSERT INTO charge_refunds (charge_id, payment_intent, amount_cents, currency, refunded_cents)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (charge_id) DO UPDATE
  SET refunded_cents = GREATEST(charge_refunds.refunded_cents, EXCLUDED.refunded_cents),
      updated_at = now())sql";
constexpr const char* kTakebacks = R"sql(
SELECT (SELECT COALESCE(sum(refunded_cents), 0) FROM charge_refunds WHERE payment_intent = $1),
       (SELECT charge_id FROM charge_refunds WHERE payment_intent = $1
        ORDER BY updated_at DESC, charge_id LIMIT 1),
       (SELECT COALESCE(sum(amount_cents), 0) FROM disputes
        WHERE payment_intent = $1 AND status = 'lost'),
       (SELECT charge_id FROM disputes WHERE payment_intent = $1 AND status = 'lost'
        ORDER BY created_at DESC, dispute_id LIMIT 1))sql";

constexpr const char* kRecordEvent = R"sql(
INSERT INTO stripe_events (event_id, type, object_id, livemode) VALUES ($1, $2, $3, $4)
ON CONFLICT (event_id) DO NOTHING)sql";
constexpr const char* kSetEventOutcome = R"sql(
UPDATE stripe_events SET outcome = $2, needs_attention = $3, detail = $4, object = $5
WHERE event_id = $1)sql";
constexpr const char* kAttentionEvents = R"sql(
SELECT event_id, type, object_id, livemode, outcome, detail, object,
       to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(reviewed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), reviewed_by
FROM stripe_events WHERE needs_attention AND (NOT $1 OR reviewed_at IS NULL)
ORDER BY received_at, event_id LIMIT $2 OFFSET $3)sql";
constexpr const char* kReviewEvent = R"sql(
UPDATE stripe_events SET reviewed_at = now(), reviewed_by = $2
WHERE event_id = $1 AND needs_attention AND reviewed_at IS NULL)sql";

constexpr const char* kRecordDispute = R"sql(
INSERT INTO disputes (dispute_id, charge_id, payment_intent, session_id, user_id, amount_cents,
                      currency, reason, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (dispute_id) DO UPDATE
  SET status = CASE WHEN disputes.status IN ('won', 'lost', 'warning_closed', 'prevented')
                    THEN disputes.status ELSE EXCLUDED.status END,
      amount_cents = EXCLUDED.amount_cents,
      session_id = COALESCE(disputes.session_id, EXCLUDED.session_id),
      user_id = COALESCE(disputes.user_id, EXCLUDED.user_id)
RETURNING (xmax = 0))sql";
constexpr const char* kDisputeStatus = "SELECT status FROM disputes WHERE dispute_id = $1";
constexpr const char* kLinkDisputes = R"sql(
UPDATE disputes SET session_id = $2, user_id = $3
WHERE payment_intent = $1 AND session_id IS NULL)sql";
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
  s.chargeback_cents = r[11].as<std::int64_t>();
  s.chargeback_credits = r[12].as<std::int64_t>();
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
                                const std::string& entry_id, const std::string& cause) {
  tx.exec_params(kInsertRefund, reference, charge_id, session.session_id, session.user_id,
                 amount_cents, credits, entry_id, cause);
}

void StripeStore::set_takeback_totals(pqxx::work& tx, const CheckoutRecord& s) {
  tx.exec_params(kSetTakebackTotals, s.session_id, s.refunded_cents, s.refunded_credits,
                 s.chargeback_cents, s.chargeback_credits);
}

void StripeStore::lock_payment(pqxx::work& tx, const std::string& payment_intent) {
  tx.exec_params(kLockPayment, payment_intent);
}

void StripeStore::keep_charge_refund(pqxx::work& tx, const std::string& charge_id,
                                     const std::string& payment_intent, std::int64_t amount_cents,
                                     const std::string& currency, std::int64_t refunded_cents) {
  tx.exec_params(kKeepChargeRefund, charge_id, payment_intent, amount_cents, currency,
                 refunded_cents);
}

PaymentTakebacks StripeStore::takebacks(pqxx::work& tx, const std::string& payment_intent) {
  auto r = tx.exec_params1(kTakebacks, payment_intent);
  return PaymentTakebacks{r[0].as<std::int64_t>(), nullable(r[1]).value_or(""),
                          r[2].as<std::int64_t>(), nullable(r[3]).value_or("")};
}

bool StripeStore::record_event(pqxx::work& tx, const std::string& event_id, const std::string& type,
                               const std::string& object_id, bool livemode) {
  return tx.exec_params(kRecordEvent, event_id, type, object_id, livemode).affected_rows() == 1;
}

void StripeStore::set_event_outcome(pqxx::work& tx, const std::string& event_id,
                                    const std::string& outcome, bool needs_attention,
                                    const std::string& detail,
                                    const std::optional<std::string>& object) {
  tx.exec_params(kSetEventOutcome, event_id, outcome, needs_attention, detail, object);
}

std::vector<StripeEventRecord> StripeStore::attention_events(pqxx::work& tx, bool open_only,
                                                             int limit, int offset) {
  std::vector<StripeEventRecord> out;
  for (const auto& r : tx.exec_params(kAttentionEvents, open_only, limit, offset)) {
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                   r[3].as<bool>(), r[4].as<std::string>(), r[5].as<std::string>(), nullable(r[6]),
                   r[7].as<std::string>(), nullable(r[8]), nullable(r[9])});
  }
  return out;
}

bool StripeStore::review_event(pqxx::work& tx, const std::string& event_id,
                               const std::string& admin_id) {
  return tx.exec_params(kReviewEvent, event_id, admin_id).affected_rows() == 1;
}

bool StripeStore::record_dispute(pqxx::work& tx, const Dispute& d) {
  return tx
      .exec_params1(kRecordDispute, d.dispute_id, d.charge_id, d.payment_intent, d.session_id,
                    d.user_id, d.amount_cents, d.currency, d.reason, d.status)[0]
      .as<bool>();
}

std::string StripeStore::dispute_status(pqxx::work& tx, const std::string& dispute_id) {
  return tx.exec_params1(kDisputeStatus, dispute_id)[0].as<std::string>();
}

void StripeStore::link_disputes(pqxx::work& tx, const std::string& payment_intent,
                                const CheckoutRecord& session) {
  tx.exec_params(kLinkDisputes, payment_intent, session.session_id, session.user_id);
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
