#include "reconcile_command.hpp"

#include <cstdio>
#include <string>

#include "kx/json/json.hpp"
#include "kx/service/runtime.hpp"

namespace kx::billing {

ReconciliationReport reconcile_ledger(pg::Pool& db) {
  return pg::transact(db, [](pqxx::work& tx) {
    tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    return LedgerStore::reconcile(tx);
  });
}

std::string reconciliation_json(const ReconciliationReport& report) {
  json::Writer w;
  w.begin_object()
      .field("ok", report.drift.empty())
      .field("accounts_checked", report.accounts)
      .field("entries_checked", report.entries)
      .key("drift")
      .begin_array();
  for (const auto& d : report.drift) {
    w.begin_object()
        .field("user_id", d.user_id)
        .field("balance_cents", d.balance_cents)
        .field("ledger_sum_cents", d.ledger_sum_cents)
        .field("last_balance_after_cents", d.last_balance_after_cents)
        .field("broken_links", d.broken_links)
        .end_object();
  }
  w.end_array().end_object();
  return w.str();
}

int run_reconcile_command(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]) != "reconcile") {
    std::fprintf(stderr,
                 "usage: kx-billing reconcile\n"
                 "Reads DATABASE_URL from the environment; exit 0 when every balance equals its "
                 "ledger, 1 otherwise.\n");
    return 2;
  }
  auto pool = service::command_pool("billing", "billing-reconcile");
  if (!pool)
    return 2;
  auto report = reconcile_ledger(*pool);
  std::printf("%s\n", reconciliation_json(report).c_str());
  return report.drift.empty() ? 0 : 1;
}

}  // namespace kx::billing
