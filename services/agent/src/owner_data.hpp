#pragma once
// What the agent service holds about one owner, for the account export
// (GET /internal/users/{user_id}/export, kx/service/owner_export.hpp).

#include <string>

#include <pqxx/pqxx>

namespace kx::agent {

/// {"owner", "agents", "drafts", "rate_limits"}: the owner's facts, their agents (not deleted)
/// with definitions and the phone numbers assigned, their wizard drafts and the AI-text and
/// voice-preview counters. Empty collections (and "owner": null) for an owner never seen.
std::string owner_data(pqxx::work& tx, const std::string& user_id);

}  // namespace kx::agent
