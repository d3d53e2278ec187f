#pragma once
// What telephony-webhook holds about one owner, for the account export
// (GET /internal/users/{user_id}/export, kx/service/owner_export.hpp).

#include <string>

#include <pqxx/pqxx>

namespace kx::telephony {

/// {"account_status", "agents", "calls", "escalations", "pending_messages"}: the owner's status
/// as auth reported it, the routing copy of their agents (escalation numbers, hours), every
/// call with its transcript, summary, analysis, recording URLs and tool calls, the escalation
/// log, and reports of their agents' calls still waiting to be attributed. Empty collections
/// (and "account_status": null) for an owner never seen.
std::string owner_data(pqxx::work& tx, const std::string& user_id);

/// For user.deleted, before the routing copy goes: the reports waiting for one of the owner's
/// assistants or numbers (their bodies hold the callers' numbers and transcripts).
void erase_pending_messages_of(pqxx::work& tx, const std::string& user_id);

}  // namespace kx::telephony
