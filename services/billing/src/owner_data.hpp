#pragma once
// What billing holds about one owner, for the account export
// (GET /internal/users/{user_id}/export, kx/service/owner_export.hpp), and what a deletion
// leaves of it.

#include <string>

#include <pqxx/pqxx>

namespace kx::billing {

/// {"account", "ledger_entries", "checkout_sessions", "refunds", "disputes", "call_charges",
/// "adjustments"}: the credit account (null for an owner never seen) and everything booked or
/// recorded for it, oldest first.
std::string owner_data(pqxx::work& tx, const std::string& user_id);

/// user.deleted: the bookkeeping stays (ledger, purchases, refunds, disputes and charges must be
/// kept for ten years, § 147 AO / § 257 HGB) but names nobody any more: the account loses its
/// e-mail address and name, the Stripe objects kept for the admins that belong to the owner's
/// payments are dropped. The owner's id and the Stripe ids remain (pseudonymous).
void anonymise_owner(pqxx::work& tx, const std::string& user_id);

}  // namespace kx::billing
