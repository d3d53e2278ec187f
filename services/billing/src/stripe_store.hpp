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
  std::int64_t refunded_credits = 0;    ///< credits taken back for refunds so far
  std::int64_t chargeback_cents = 0;    ///< money lost in disputes so far
  std::int64_t chargeback_credits = 0;  ///< credits taken back for lost disputes so far
};

/// What Stripe has reported about one payment (PaymentIntent) that takes credits back.
struct PaymentTakebacks {
  std::int64_t refunded_cents = 0;  ///< cumulative refunds of its charges
  std::string refund_charge_id;     ///< the charge of the latest refund report
  std::int64_t lost_cents = 0;      ///< the amounts of its lost disputes
  std::string lost_charge_id;       ///< the charge of the latest lost dispute
};

/// A Stripe event as billing recorded it (for the admins' list).
struct StripeEventRecord {
  std::string event_id;
  std::string type;
  std::string object_id;
  bool livemode = false;
  std::string outcome;
  std::string detail;
  std::optional<std::string> object;  ///< JSON, kept for events that need a person
  std::string received_at;
  std::optional<std::string> reviewed_at;
  std::optional<std::string> reviewed_by;
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
  /// Records one booked refund or lost dispute (`cause`: "refund" or "dispute_lost").
  static void record_refund(pqxx::work& tx, const std::string& reference,
                            const std::string& charge_id, const CheckoutRecord& session,
                            std::int64_t amount_cents, std::int64_t credits,
                            const std::string& entry_id, const std::string& cause);
  /// The session's cumulative take-back totals (money as Stripe reports it, credits taken back).
  static void set_takeback_totals(pqxx::work& tx, const CheckoutRecord& session);

  /// Serialises everything that concerns one payment (its completion, refunds and disputes)
  /// until the transaction ends, whether or not billing has seen the payment yet.
  static void lock_payment(pqxx::work& tx, const std::string& payment_intent);
  /// Keeps a charge's cumulative refund as Stripe reports it (the highest report wins, so a late
  /// older report changes nothing).
  static void keep_charge_refund(pqxx::work& tx, const std::string& charge_id,
                                 const std::string& payment_intent, std::int64_t amount_cents,
                                 const std::string& currency, std::int64_t refunded_cents);
  static PaymentTakebacks takebacks(pqxx::work& tx, const std::string& payment_intent);

  /// Records an event id; false when it was processed before.
  static bool record_event(pqxx::work& tx, const std::string& event_id, const std::string& type,
                           const std::string& object_id, bool livemode);
  /// The outcome of a recorded event; `object` (JSON) is kept when it needs attention.
  static void set_event_outcome(pqxx::work& tx, const std::string& event_id,
                                const std::string& outcome, bool needs_attention,
                                const std::string& detail,
                                const std::optional<std::string>& object);
  /// Events that need a person, oldest first; `open_only` leaves out the reviewed ones.
  static std::vector<StripeEventRecord> attention_events(pqxx::work& tx, bool open_only, int limit,
                                                         int offset);
  /// Marks an event that needs attention reviewed; false when unknown, not in need, or done.
  static bool review_event(pqxx::work& tx, const std::string& event_id,
                           const std::string& admin_id);

  /// Records the dispute or moves its status on (a final status - won, lost, warning_closed,
  /// prevented - is never replaced, so a late created event cannot reopen a closed dispute).
  /// Returns false when the dispute was known already.
  static bool record_dispute(pqxx::work& tx, const Dispute& dispute);
  /// The stored status of a dispute.
  static std::string dispute_status(pqxx::work& tx, const std::string& dispute_id);
  /// Attributes the payment's disputes recorded before its session was known.
  static void link_disputes(pqxx::work& tx, const std::string& payment_intent,
                            const CheckoutRecord& session);
  static std::vector<Dispute> disputes(pqxx::work& tx, bool open_only, int limit, int offset);
  /// Marks a dispute reviewed; false when unknown or reviewed before.
  static bool review_dispute(pqxx::work& tx, const std::string& dispute_id,
                             const std::string& admin_id);
};

}  // namespace kx::billing
