#pragma once
// The admins' pricing settings and credit packs. Every change is published as admin.action in
// the same transaction as the change itself.

#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::billing {

/// Handlers are thread-safe (state lives in the database).
class CatalogAdminApi {
 public:
  CatalogAdminApi(pg::Pool& db, const events::Outbox& outbox) : db_(db), outbox_(outbox) {}
  void add_routes(http::Router& router);

  http::Response get_settings(http::Request& req);
  http::Response update_settings(http::Request& req);
  http::Response list_packs(http::Request& req);
  http::Response create_pack(http::Request& req);
  http::Response update_pack(http::Request& req);

 private:
  pg::Pool& db_;
  const events::Outbox& outbox_;
};

}  // namespace kx::billing
