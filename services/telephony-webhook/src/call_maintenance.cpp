#include "call_maintenance.hpp"

#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"

namespace kx::telephony {
namespace {

constexpr int kPurgeBatch = 500;

}  // namespace

CallMaintenance::Pass CallMaintenance::run_once(Clock::time_point now) {
  Pass pass;
  pass.finished = recorder_.finish_overdue(settings_.report_wait, now);
  auto before = now - std::chrono::days(settings_.retention_days);
  for (;;) {
    auto n = pg::transact(
        db_, [&](pqxx::work& tx) { return Calls::purge_content(tx, before, kPurgeBatch); });
    pass.purged += n;
    if (n < kPurgeBatch)
      break;
  }
  if (pass.purged > 0) {
    log::info("call content removed after the retention period",
              {{"calls", pass.purged}, {"retention_days", settings_.retention_days}});
    metrics::Registry::global()
        .counter("kx_call_content_purged_total",
                 "Calls whose transcript and recording were removed")
        .inc(static_cast<double>(pass.purged));
  }
  return pass;
}

void CallMaintenance::start() {
  thread_ = std::thread([this] { loop(); });
}

void CallMaintenance::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void CallMaintenance::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      run_once(Clock::now());
    } catch (const std::exception& e) {
      log::warn("call maintenance failed; retrying later", {{"error", e.what()}});
    }
    lock.lock();
    wake_.wait_for(lock, settings_.interval, [this] { return stopping_; });
  }
}

}  // namespace kx::telephony
