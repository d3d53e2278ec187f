#pragma once
// The admins' billing reports: statistics, the ledger reconciliation, Stripe disputes, and the
// Stripe events billing could not apply by itself (paid sessions it did not create, payments of
// another amount or currency than recorded, refunds and disputes that name no payment, signed
// events without a usable id). Reviewing a dispute or an event is audited as admin.action.

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
  /// GET /api/admin/billing/stripe-events?open=true|false&limit=&offset=
  http::Response stripe_events(http::Request& req);
  /// POST /api/admin/billing/stripe-events/{id}/review
  http::Response review_stripe_event(http::Request& req);

 private:
  using Review = bool (*)(pqxx::work&, const std::string& id, const std::string& admin_id);
  /// Marks the item {id} reviewed with `mark` and audits it; 404 `missing` when nothing changed.
  http::Response mark_reviewed(http::Request& req, Review mark, const char* action,
                               const char* target_type, const char* missing);

  pg::Pool& db_;
  const events::Outbox& outbox_;
};

}  // namespace kx::billing
