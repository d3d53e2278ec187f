#pragma once
// The periodic job of telephony-webhook: finishes calls whose end-of-call report never came, and
// removes transcripts, summaries, analyses and recording links older than the retention period
// (the privacy policy promises it) while keeping each call's metadata. Safe to run in every
// replica at once: each call is finished under its row lock, purged rows are claimed with
// SKIP LOCKED.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "call_recorder.hpp"
#include "kx/pg/pg.hpp"

namespace kx::telephony {

struct MaintenanceSettings {
  int retention_days = 90;
  std::chrono::milliseconds report_wait{10 * 60 * 1000};
  std::chrono::milliseconds interval{60 * 1000};
};

/// start()/stop() from one thread; run_once() is safe to call concurrently with the loop.
class CallMaintenance {
 public:
  CallMaintenance(pg::Pool& db, CallRecorder& recorder, MaintenanceSettings settings)
      : db_(db), recorder_(recorder), settings_(settings) {}
  ~CallMaintenance() { stop(); }
  CallMaintenance(const CallMaintenance&) = delete;
  CallMaintenance& operator=(const CallMaintenance&) = delete;

  struct Pass {
    std::size_t finished = 0;  ///< calls completed without a report
    std::int64_t purged = 0;   ///< calls whose content was removed
  };
  /// One pass at time `now`. Throws on database errors.
  Pass run_once(Clock::time_point now);

  void start();
  void stop();

 private:
  void loop();

  pg::Pool& db_;
  CallRecorder& recorder_;
  MaintenanceSettings settings_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kx::telephony
