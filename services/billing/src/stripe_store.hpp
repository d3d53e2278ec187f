#pragma once
// Billing's record of Stripe: the checkout sessions it created, every Stripe event it
// processed, refunds and disputes. All SQL for them lives here; every function works inside the
// caller's transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace kx::billing {

struct CheckoutRecord {
  std::string session_id;
  std::string user_id;
  std::string pack_id;
  std::int64_t credits = 0;
  std::int64_t amount_cents = 0;
  std::string currency = "EUR";
  std::string status = "open";  ///< open, awaiting_payment, paid, failed, expired
  std::optional<std::string> payment_intent;
  std::optional<std::string> entry_id;  ///< the purchase entry once credited
  std::int64_t refunded_cents = 0;      ///< Stripe's cumulative amount_refunded
  std::int64_t refunded_credits = 0;    ///< credits taken back so far
};

struct Dispute {
  std::string dispute_id;
  std::string charge_id;
  std::string payment_intent;
  std::optional<std::string> session_id;
  std::optional<std::string> user_id;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string reason;
  std::string status;
  std::string created_at;
  std::optional<std::string> reviewed_at;
  std::optional<std::string> reviewed_by;
};

class StripeStore {
 public:
  /// Records a session unless it is known (the first record wins).
  static void insert_session(pqxx::work& tx, const CheckoutRecord& session);
  /// The session locked until the transaction ends.
  static std::optional<CheckoutRecord> lock_session(pqxx::work& tx, const std::string& session_id);
  static std::optional<CheckoutRecord> lock_session_by_payment_intent(
      pqxx::work& tx, const std::string& payment_intent);
  static void mark_paid(pqxx::work& tx, const std::string& session_id, const std::string& entry_id,
                        const std::optional<std::string>& payment_intent);
  /// Sets the status (and the payment intent, when given) of a session not credited yet.
  static void set_status(pqxx::work& tx, const std::string& session_id, const std::string& status,
                         const std::optional<std::string>& payment_intent);
  /// Records one booked refund.
  static void record_refund(pqxx::work& tx, const std::string& reference,
                            const std::string& charge_id, const CheckoutRecord& session,
                            std::int64_t amount_cents, std::int64_t credits,
                            const std::string& entry_id);
  /// The session's cumulative refund totals (money as Stripe reports it, credits taken back).
  static void set_refund_totals(pqxx::work& tx, const std::string& session_id,
                                std::int64_t refunded_cents, std::int64_t refunded_credits);

  /// Records an event id; false when it was processed before.
  static bool record_event(pqxx::work& tx, const std::string& event_id, const std::string& type,
                           const std::string& object_id, bool livemode);
  static void set_event_outcome(pqxx::work& tx, const std::string& event_id,
                                const std::string& outcome);

  /// False when the dispute is known already.
  static bool record_dispute(pqxx::work& tx, const Dispute& dispute);
  static std::vector<Dispute> disputes(pqxx::work& tx, bool open_only, int limit, int offset);
  /// Marks a dispute reviewed; false when unknown or reviewed before.
  static bool review_dispute(pqxx::work& tx, const std::string& dispute_id,
                             const std::string& admin_id);
};

}  // namespace kx::billing
