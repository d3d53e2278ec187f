#pragma once
// The periodic job of telephony-webhook (run by Runtime::every): records kept Vapi messages whose
// agent has become known meanwhile, finishes calls whose end-of-call report never came, and
// removes transcripts, summaries, analyses and recording links older than the retention period
// (the privacy policy promises it) while keeping each call's metadata. Safe to run in every
// replica at once: each call is finished under its row lock, purged and kept rows are claimed
// with SKIP LOCKED.

#include <chrono>
#include <cstdint>

#include "call_recorder.hpp"
#include "kx/pg/pg.hpp"
#include "pending_messages.hpp"

namespace kx::telephony {

struct MaintenanceSettings {
  int retention_days = 90;
  std::chrono::milliseconds report_wait{10 * 60 * 1000};
  std::chrono::milliseconds interval{60 * 1000};
};

/// Thread-safe: passes may run concurrently (in one process or in several replicas).
class CallMaintenance {
 public:
  CallMaintenance(pg::Pool& db, CallRecorder& recorder, PendingMessages& pending,
                  MaintenanceSettings settings)
      : db_(db), recorder_(recorder), pending_(pending), settings_(settings) {}

  struct Pass {
    std::size_t attributed = 0;  ///< kept messages recorded now that their agent is known
    std::size_t finished = 0;    ///< calls completed without a report
    std::int64_t purged = 0;     ///< calls whose content was removed
  };
  /// One pass at time `now`. Throws on database errors.
  Pass run_once(Clock::time_point now);

 private:
  pg::Pool& db_;
  CallRecorder& recorder_;
  PendingMessages& pending_;
  MaintenanceSettings settings_;
};

}  // namespace kx::telephony
