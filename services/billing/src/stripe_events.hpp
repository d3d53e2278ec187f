#pragma once
// What billing does with each Stripe event once its signature has been verified and its id
// recorded: credit paid checkout sessions (once per session, whichever events name it), record
// failed and expired ones, take refunded credits back, record disputes for the admins. Runs in
// the caller's transaction; thread-safe (no state besides the ledger reference).

#include <string>

#include <pqxx/pqxx>

#include "kx/json/json.hpp"
#include "ledger.hpp"

namespace kx::billing {

class StripeEvents {
 public:
  explicit StripeEvents(Ledger& ledger) : ledger_(ledger) {}

  /// Applies the event of `type` about `object` (the event's data.object) and returns what
  /// happened, e.g. "credited", "already_credited", "awaiting_payment", "refunded",
  /// "dispute_recorded", "unmatched" or "ignored" for types billing does not handle.
  std::string apply(pqxx::work& tx, const std::string& type, const json::Value& object);

 private:
  std::string fulfil(pqxx::work& tx, const json::Value& session);
  std::string take_back_refund(pqxx::work& tx, const json::Value& charge);
  std::string record_dispute(pqxx::work& tx, const json::Value& dispute);

  Ledger& ledger_;
};

}  // namespace kx::billing
