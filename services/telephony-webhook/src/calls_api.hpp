#pragma once
// The call history API: calls (list, detail, CSV export, statistics) and the escalation log with
// statistics, each scoped to the signed-in owner; the /api/admin/ variants see every owner. An
// admin opening a call (transcript, summary, recordings: the callers' personal data) is audited
// as admin.action "call.view".

#include <string>
#include <string_view>
#include <vector>

#include "call_history.hpp"
#include "kx/events/outbox.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::telephony {

/// The export: a header row and one row per call, cells by kx::text::csv_cell, CRLF line ends.
std::string calls_csv(const std::vector<CallSummary>& calls, bool with_owner, char delimiter);

/// Thread-safe.
class CallsApi {
 public:
  CallsApi(pg::Pool& db, const events::Outbox& outbox) : db_(db), outbox_(outbox) {}
  void add_routes(http::Router& router);

  http::Response list(http::Request& req, bool admin);
  http::Response detail(http::Request& req, bool admin);
  http::Response export_csv(http::Request& req, bool admin);
  http::Response stats(http::Request& req, bool admin);
  http::Response escalations(http::Request& req, bool admin);
  http::Response escalation_stats(http::Request& req, bool admin);

 private:
  pg::Pool& db_;
  const events::Outbox& outbox_;
};

}  // namespace kx::telephony
