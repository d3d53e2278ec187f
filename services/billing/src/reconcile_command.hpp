#pragma once
// `kx-billing reconcile`: proves for every owner that the stored balance equals the sum of the
// ledger and that every entry's balance_after follows from the one before. Prints a JSON report;
// exit status 0 when everything agrees, 1 on any drift, 2 on bad usage or configuration.

namespace kx::billing {

int run_reconcile_command(int argc, char** argv);

}  // namespace kx::billing
