#pragma once
// The ledger's operations: every change of a balance goes through here. Each operation runs in
// the caller's transaction, locks the owner's account row first (so concurrent bookings of one
// owner are serialised, also across replicas), appends one entry whose reference makes the
// booking idempotent, keeps the account's balance equal to the ledger's last balance_after, runs
// the alert state machine, and writes the resulting events to the outbox in the same transaction.
// Thread-safe (no state besides the outbox reference); blocks on PostgreSQL.

#include <cstdint>
#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "credit_rules.hpp"
#include "kx/events/events.hpp"
#include "ledger_store.hpp"

namespace kx::billing {

/// The billable facts of one call.completed.
struct CallReport {
  std::string call_id;
  std::string user_id;
  std::string agent_id;
  std::string status;
  std::int64_t duration_seconds = 0;
  bool test = false;
  std::string ended_at;  ///< ISO-8601 (UTC); empty when unknown
};

enum class ChargeOutcome { charged, capped, free_zero_seconds, free_test_call, duplicate };
std::string_view to_string(ChargeOutcome outcome);

struct ChargeResult {
  ChargeOutcome outcome = ChargeOutcome::duplicate;
  std::int64_t cost_cents = 0;
  std::int64_t charged_cents = 0;
  std::optional<Entry> entry;
};

struct Purchase {
  std::string session_id;
  std::string user_id;
  std::string pack_id;
  std::string pack_name;
  std::int64_t credits = 0;
  std::int64_t amount_cents = 0;
  std::string currency = "EUR";
};

/// Why paid credits are taken back: the money went back to the payer.
enum class TakebackCause { refund, dispute_lost };
std::string_view to_string(TakebackCause cause);

struct RefundBooking {
  std::string user_id;
  std::string charge_id;
  std::string reference;  ///< unique per state, e.g. refund:<session>:<credits taken back in all>
  std::int64_t credits = 0;
  std::int64_t amount_cents = 0;  ///< money refunded (or lost in the dispute) by this booking
  TakebackCause cause = TakebackCause::refund;
};

struct AdjustRequest {
  std::string request_key;
  std::string user_id;
  std::int64_t cents = 0;  ///< signed, non-zero
  std::string reason;
  std::string admin_id;
};

struct AdjustResult {
  enum class Status { booked, replayed, unknown_account, would_go_negative, key_conflict };
  Status status = Status::booked;
  std::optional<Entry> entry;
  std::int64_t balance_before_cents = 0;
};

class Ledger {
 public:
  explicit Ledger(const events::Outbox& outbox) : outbox_(outbox) {}

  /// Opens the owner's account (or fills in its profile) and books the sign-up bonus once, if
  /// one is configured. Returns the bonus entry when this call booked it.
  std::optional<Entry> open_account(pqxx::work& tx, const std::string& user_id,
                                    const std::string& email, const std::string& name,
                                    const std::string& locale);
  /// Opens the account before its user.registered arrived (the first checkout right after
  /// sign-up) and books the sign-up bonus once; the profile is filled in by open_account later.
  /// Safe against a concurrent open_account: the bonus's reference is unique per owner.
  void open_account_on_demand(pqxx::work& tx, const std::string& user_id);
  /// Closes the account; the ledger stays. False when it was closed or unknown.
  bool close_account(pqxx::work& tx, const std::string& user_id);

  /// Charges a call once per call id, by duration whatever its final status; zero seconds and
  /// (unless the settings say otherwise) test calls are free. Below zero the charge stops at
  /// minus the grace limit. Publishes credits.deducted, and credits.low / credits.exhausted when
  /// this charge crosses them. Throws std::invalid_argument for an impossible duration.
  ChargeResult charge_call(pqxx::work& tx, const CallReport& call);

  /// Credits a paid checkout once per session (the purchase first repays a negative balance).
  /// Publishes credits.purchased and maybe credits.restored. std::nullopt when booked before.
  std::optional<Entry> credit_purchase(pqxx::work& tx, const Purchase& purchase);

  /// Takes refunded credits (or those of a lost dispute) back; the balance may go below zero,
  /// also below the grace limit. Publishes credits.refunded (with the cause as `reason`) and
  /// maybe credits.low / credits.exhausted. std::nullopt when this reference was booked before.
  std::optional<Entry> take_back_refund(pqxx::work& tx, const RefundBooking& refund);

  /// An admin's signed correction, idempotent by request key. A negative correction may not take
  /// the balance below zero. Publishes credits.adjusted (and alerts) when booked.
  AdjustResult adjust(pqxx::work& tx, const AdjustRequest& request);

 private:
  struct Booked {
    Entry entry;
    AlertDecision alerts;
  };
  Account lock_or_open(pqxx::work& tx, const std::string& user_id);
  std::optional<Entry> book_signup_bonus(pqxx::work& tx, const std::string& user_id);
  /// The entry that moves the account by `amount_cents`, and the alerts that follow from it.
  static Booked booking(const Account& account, const BillingSettings& settings,
                        const std::string& kind, std::int64_t amount_cents,
                        const std::string& reference, const std::string& description);
  /// The booking as stored (std::nullopt when it was not), the account moved with it.
  static std::optional<Booked> applied(Account& account, const Booked& booking,
                                       const std::optional<Entry>& stored);
  /// Appends the entry and stores the account's balance and alert flags with it, in one round
  /// trip; std::nullopt when the reference was booked before.
  std::optional<Booked> book(pqxx::work& tx, Account& account, const BillingSettings& settings,
                             const std::string& kind, std::int64_t amount_cents,
                             const std::string& reference, const std::string& description);
  void publish_alerts(pqxx::work& tx, const Account& account, const AlertDecision& alerts,
                      const BillingSettings& settings) const;

  const events::Outbox& outbox_;
};

}  // namespace kx::billing
