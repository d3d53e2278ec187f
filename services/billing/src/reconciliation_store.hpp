#pragma once
// The SQL of the cross-service reconciliation on billing's side: decided calls per owner and day,
// which of a list of calls were decided, and the stored runs.

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include <pqxx/pqxx>

#include "call_reconciliation.hpp"

namespace kx::billing {

class ReconciliationStore {
 public:
  /// Decided calls of open accounts per (owner, UTC day of the call's end), from..to inclusive,
  /// sorted by (user_id, day), with the same digest as the producer's.
  static std::vector<OwnerDay> charged_days(pqxx::transaction_base& tx, const std::string& from,
                                            const std::string& to);
  /// The ids among `call_ids` billing has decided.
  static std::unordered_set<std::string> decided(pqxx::transaction_base& tx,
                                                 const std::vector<std::string>& call_ids);
  /// Stores the run and its drift rows; returns the run's id.
  static std::int64_t save(pqxx::work& tx, const ReconciliationRun& run);
  /// The newest runs, newest first, each with its drift rows.
  static std::vector<ReconciliationRun> recent(pqxx::transaction_base& tx, int limit);
};

}  // namespace kx::billing
