#pragma once
// The admins' view of the cross-service reconciliation: GET /api/admin/billing/reconciliation/calls
// (the latest runs, each with the owner-days on which it found calls completed but never charged)
// and POST (reconcile now; audited as admin.action "billing.reconcile").

#include "call_reconciliation.hpp"
#include "kx/events/outbox.hpp"
#include "kx/http/router.hpp"

namespace kx::billing {

/// The run as the API shows it.
std::string reconciliation_run_json(const ReconciliationRun& run);

/// Thread-safe.
class CallReconciliationApi {
 public:
  CallReconciliationApi(pg::Pool& db, CallReconciliation& reconciliation,
                        const events::Outbox& outbox)
      : db_(db), reconciliation_(reconciliation), outbox_(outbox) {}
  void add_routes(http::Router& router);

  http::Response runs(http::Request& req);
  http::Response run_now(http::Request& req);

 private:
  pg::Pool& db_;
  CallReconciliation& reconciliation_;
  const events::Outbox& outbox_;
};

}  // namespace kx::billing
