#pragma once
// Small pieces the billing handlers share: the ledger page (for the owner and for admins), the
// JSON shape of a ledger entry, and the admin audit event.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "kx/events/events.hpp"
#include "kx/http/message.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/pg.hpp"
#include "ledger_store.hpp"

namespace kx::billing {

/// Ledger entry kinds as a comma-separated list ("purchase,refund"); empty = all.
std::vector<std::string> entry_kinds(http::QueryParams& q, const char* name);

/// One page of an owner's ledger, newest first (query: limit, offset, type).
http::Response ledger_page(pg::Pool& db, const http::Request& req, const std::string& user_id);

/// The entry as the API shows it.
void write_entry(json::Writer& w, const Entry& entry);

/// One admin change for the audit log (admin.action).
struct AuditRecord {
  std::string action;       ///< e.g. "credits.adjust"
  std::string target_type;  ///< e.g. "user", "billing_settings", "credit_pack"
  std::string target_id;
  std::string before = "null";  ///< JSON object or null
  std::string after = "null";
  std::optional<std::string> user_id;  ///< the owner affected, if any (the message key)
};

/// Writes admin.action into the outbox inside the change's own transaction. IP and user agent
/// come from the headers the gateway forwards (X-Forwarded-For, User-Agent).
void publish_audit(const events::Outbox& outbox, pqxx::work& tx, const http::Request& req,
                   const AuditRecord& record);

}  // namespace kx::billing
