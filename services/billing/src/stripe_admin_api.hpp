#pragma once
// The admins' view of Stripe events billing could not apply by itself: paid sessions billing did
// not create, payments whose amount or currency differs from what billing recorded, refunds and
// disputes that name no payment, and signed events without a usable id. Each is listed with
// why and the object Stripe sent until an admin marks it reviewed (audited as admin.action).
// Thread-safe; blocks on PostgreSQL.

#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::billing {

class StripeAdminApi {
 public:
  StripeAdminApi(pg::Pool& db, const events::Outbox& outbox) : db_(db), outbox_(outbox) {}
  void add_routes(http::Router& router);

  /// GET /api/admin/billing/stripe-events?open=true|false&limit=&offset=
  http::Response list(http::Request& req);
  /// POST /api/admin/billing/stripe-events/{id}/review
  http::Response review(http::Request& req);

 private:
  pg::Pool& db_;
  const events::Outbox& outbox_;
};

}  // namespace kx::billing
