#pragma once
// The admins' billing endpoints: pricing settings, credit packs, balance adjustments,
// statistics, the ledger reconciliation and disputes. Every change is published as admin.action
// in the same transaction as the change itself.

#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"
#include "ledger.hpp"

namespace kx::billing {

class AdminApi {
 public:
  AdminApi(pg::Pool& db, Ledger& ledger, const events::Outbox& outbox)
      : db_(db), ledger_(ledger), outbox_(outbox) {}
  void add_routes(http::Router& router);

  http::Response get_settings(http::Request& req);
  http::Response update_settings(http::Request& req);
  http::Response list_packs(http::Request& req);
  http::Response create_pack(http::Request& req);
  http::Response update_pack(http::Request& req);
  http::Response adjust(http::Request& req);
  http::Response account(http::Request& req);
  http::Response account_transactions(http::Request& req);
  http::Response statistics(http::Request& req);
  http::Response reconciliation(http::Request& req);
  http::Response disputes(http::Request& req);
  http::Response review_dispute(http::Request& req);

 private:
  pg::Pool& db_;
  Ledger& ledger_;
  const events::Outbox& outbox_;
};

}  // namespace kx::billing
