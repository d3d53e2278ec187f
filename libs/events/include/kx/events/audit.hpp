#pragma once
// Admin audit events: every service reports what an admin changed as `admin.action`, written
// through the outbox in the same transaction as the change, so the audit log never misses one.

#include <optional>
#include <string>

#include "kx/events/outbox.hpp"
#include "kx/http/message.hpp"

namespace kx::events {

/// One admin change for the audit log.
struct AuditRecord {
  std::string action;       ///< e.g. "credits.adjust", "agent.deactivate"
  std::string target_type;  ///< e.g. "user", "billing_settings", "credit_pack"
  std::string target_id;
  std::string before = "null";         ///< JSON object or null: the target before the change
  std::string after = "null";          ///< JSON object or null: the target after it
  std::optional<std::string> user_id;  ///< the owner affected, if any (the message key)
};

/// Writes admin.action into the outbox inside the change's own transaction: the admin from the
/// request's signed identity, the client IP (first X-Forwarded-For entry, else the peer), the
/// user agent (at most 512 bytes) and the request id from the gateway's headers. Throws like
/// Outbox::add. Thread-safe as Outbox::add.
void publish_audit(const Outbox& outbox, pqxx::work& tx, const http::Request& req,
                   const AuditRecord& record);

}  // namespace kx::events
