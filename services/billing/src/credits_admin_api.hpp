#pragma once
// The admins' view of one owner's credits and their balance adjustments (audited as
// admin.action in the same transaction).

#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"
#include "ledger.hpp"

namespace kx::billing {

/// Handlers are thread-safe (state lives in the database).
class CreditsAdminApi {
 public:
  CreditsAdminApi(pg::Pool& db, Ledger& ledger, const events::Outbox& outbox)
      : db_(db), ledger_(ledger), outbox_(outbox) {}
  void add_routes(http::Router& router);

  http::Response adjust(http::Request& req);
  http::Response account(http::Request& req);
  http::Response account_transactions(http::Request& req);

 private:
  pg::Pool& db_;
  Ledger& ledger_;
  const events::Outbox& outbox_;
};

}  // namespace kx::billing
