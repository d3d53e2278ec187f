#pragma once
// What integrations holds about one owner, for the account export
// (GET /internal/users/{user_id}/export, kx/service/owner_export.hpp).

#include <string>

#include <pqxx/pqxx>

namespace kx::integrations {

/// {"google", "settings", "bookings", "call_log", "mail", "webhooks"}: the Google connection
/// (account, scopes, state; never a token), the appointment settings and the call-log sheet,
/// the bookings the agents made, the call-log rows, the mail recipient data, notification
/// preferences and the mails queued or sent (never their bodies: mails with secret links), the
/// webhook endpoints (never a secret) with their latest 100 deliveries. Empty collections (and
/// nulls) for an owner never seen.
std::string owner_data(pqxx::work& tx, const std::string& user_id);

}  // namespace kx::integrations
