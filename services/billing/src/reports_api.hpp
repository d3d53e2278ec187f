#pragma once
// The admins' billing reports: statistics, the ledger reconciliation and Stripe disputes
// (reviewing a dispute is audited as admin.action).

#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::billing {

/// Handlers are thread-safe (state lives in the database).
class ReportsApi {
 public:
  ReportsApi(pg::Pool& db, const events::Outbox& outbox) : db_(db), outbox_(outbox) {}
  void add_routes(http::Router& router);

  http::Response statistics(http::Request& req);
  http::Response reconciliation(http::Request& req);
  http::Response disputes(http::Request& req);
  http::Response review_dispute(http::Request& req);

 private:
  pg::Pool& db_;
  const events::Outbox& outbox_;
};

}  // namespace kx::billing
