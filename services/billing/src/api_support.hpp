#pragma once
// Small pieces the billing handlers share: query parameters with collected validation errors,
// the JSON shape of a ledger entry, and the admin audit event.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "kx/events/events.hpp"
#include "kx/http/message.hpp"
#include "kx/json/json.hpp"
#include "ledger_store.hpp"

namespace kx::billing {

/// Reads query parameters and collects every problem; require_valid() answers 422 with all of
/// them. Not thread-safe; one per request.
class QueryParams {
 public:
  explicit QueryParams(const http::Request& req) : req_(req) {}
  int integer(const char* name, int fallback, int min, int max);
  /// Ledger entry kinds as a comma-separated list ("purchase,refund"); empty = all.
  std::vector<std::string> kinds(const char* name);
  /// A calendar date YYYY-MM-DD.
  std::optional<std::chrono::sys_days> date(const char* name);
  void add_error(std::string field, std::string message);
  /// Throws http::Error 422 naming every problem, if any.
  void require_valid() const;

 private:
  const http::Request& req_;
  std::vector<json::FieldError> errors_;
};

std::string format_date(std::chrono::sys_days day);

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
