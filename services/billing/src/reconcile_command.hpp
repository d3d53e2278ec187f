#pragma once
// Reconciliation: proves for every owner that the stored balance equals the sum of the ledger and
// that every entry's balance_after follows from the one before. The admin endpoint and the
// `kx-billing reconcile` command (JSON report; exit status 0 when everything agrees, 1 on any
// drift, 2 on bad usage or configuration) share it.

#include <string>

#include "kx/pg/pg.hpp"
#include "ledger_store.hpp"

namespace kx::billing {

/// Checks every account in one read-only REPEATABLE READ snapshot, so bookings running meanwhile
/// cannot look like drift.
ReconciliationReport reconcile_ledger(pg::Pool& db);

/// The report as JSON: {"ok", "accounts_checked", "entries_checked", "drift": [...]}.
std::string reconciliation_json(const ReconciliationReport& report);

int run_reconcile_command(int argc, char** argv);

}  // namespace kx::billing
