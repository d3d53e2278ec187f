#pragma once
// The audit log for admins: list with search, filters and paging, CSV and JSON exports, and the
// compliance report of a period; and the consumers that fill it (admin.action) and anonymise it
// (user.deleted).

#include "audit_log.hpp"
#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::auth {

/// Thread-safe (handlers share only the pool).
class AuditApi {
 public:
  explicit AuditApi(pg::Pool& db) : db_(db) {}
  void add_routes(http::Router& router);

  /// admin.action: stores the entry (once per event id: the inbox and the unique event id).
  void on_admin_action(const events::Event& event, pqxx::work& tx);
  /// user.deleted: scrubs the user's personal data from the log (docs/operations.md).
  void on_user_deleted(const events::Event& event, pqxx::work& tx);

  http::Response list(http::Request& req);
  http::Response export_csv(http::Request& req);
  http::Response export_json(http::Request& req);
  http::Response report(http::Request& req);

 private:
  pg::Pool& db_;
};

}  // namespace kx::auth
