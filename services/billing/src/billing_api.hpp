#pragma once
// billing's HTTP surface and event handlers (the first slice: accounts and balance).

#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::billing {

class BillingApi {
 public:
  explicit BillingApi(pg::Pool& db) : db_(db) {}
  void add_routes(http::Router& router);
  /// user.registered: opens the owner's account with a zero balance.
  static void on_user_registered(const events::Event& event, pqxx::work& tx);
  http::Response balance(http::Request& req);

 private:
  pg::Pool& db_;
};

}  // namespace kx::billing
