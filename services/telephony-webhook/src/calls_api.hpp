#pragma once
// The call history API: calls (list, detail, CSV export, statistics) and the escalation log with
// statistics, each scoped to the signed-in owner; the /api/admin/ variants see every owner.

#include <string>
#include <string_view>
#include <vector>

#include "call_history.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::telephony {

/// The export: a header row and one row per call, cells by kx::text::csv_cell, CRLF line ends.
std::string calls_csv(const std::vector<CallSummary>& calls, bool with_owner, char delimiter);

/// Thread-safe.
class CallsApi {
 public:
  explicit CallsApi(pg::Pool& db) : db_(db) {}
  void add_routes(http::Router& router);

  http::Response list(http::Request& req, bool admin);
  http::Response detail(http::Request& req, bool admin);
  http::Response export_csv(http::Request& req, bool admin);
  http::Response stats(http::Request& req, bool admin);
  http::Response escalations(http::Request& req, bool admin);
  http::Response escalation_stats(http::Request& req, bool admin);

 private:
  pg::Pool& db_;
};

}  // namespace kx::telephony
