#pragma once
// What billing does with each Stripe event once its signature has been verified and its id
// recorded: credit paid checkout sessions that billing created (once per session, whichever
// events name it, with the pack, credits and price recorded at checkout), record failed and
// expired ones, take refunded credits and lost disputes back, record disputes for the admins.
// Refunds and disputes may arrive before the purchase they concern: they are kept and applied
// when it is booked. Runs in the caller's transaction; thread-safe (no state besides the ledger
// reference).

#include <optional>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "kx/json/json.hpp"
#include "ledger.hpp"
#include "stripe_store.hpp"

namespace kx::billing {

/// What became of one Stripe event.
enum class StripeOutcome {
  credited,           ///< the purchase was booked
  already_credited,   ///< the session was credited by an earlier event
  awaiting_payment,   ///< completed unpaid (delayed payment method); the result follows
  payment_failed,     ///< the delayed payment failed
  expired,            ///< the session expired unpaid
  refunded,           ///< refunded credits were taken back
  dispute_recorded,   ///< a new dispute, listed for the admins
  duplicate_dispute,  ///< a dispute known already
  dispute_lost,       ///< a lost dispute's credits were taken back
  dispute_closed,     ///< a dispute closed otherwise (won, inquiry closed): nothing to take back
  held,               ///< a refund or lost dispute of a payment not booked yet: applied with it
  no_change,          ///< this state was applied before
  duplicate,          ///< the event id was processed before
  ignored,            ///< a type billing does not handle
  unknown_session,    ///< a paid session billing did not create: nothing credited (admin)
  amount_mismatch,    ///< paid another amount or currency than billing recorded (admin)
  unmatched,          ///< a refund or dispute that names no payment (admin)
  unusable,           ///< a signed event without the id billing needs (admin)
};
std::string_view to_string(StripeOutcome outcome);
/// Whether a person has to look at an event with this outcome (listed for the admins).
bool needs_attention(StripeOutcome outcome);

struct StripeResult {
  StripeOutcome outcome = StripeOutcome::ignored;
  std::string detail;  ///< why, for the admins, when it needs attention
};

class StripeEvents {
 public:
  explicit StripeEvents(Ledger& ledger) : ledger_(ledger) {}

  /// Applies the event of `type` about `object` (the event's data.object).
  StripeResult apply(pqxx::work& tx, const std::string& type, const json::Value& object);

 private:
  StripeResult fulfil(pqxx::work& tx, const json::Value& session);
  StripeResult keep_refund(pqxx::work& tx, const json::Value& charge);
  StripeResult record_dispute(pqxx::work& tx, const std::string& type, const json::Value& dispute);
  /// Takes back what the payment's refunds and lost disputes call for and was not taken back
  /// yet. std::nullopt while the payment's session is not credited (the facts wait for it).
  std::optional<StripeOutcome> settle(pqxx::work& tx, const std::string& payment_intent);

  Ledger& ledger_;
};

}  // namespace kx::billing
