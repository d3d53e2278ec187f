#pragma once
// Background jobs that run at an interval (retention, overdue calls, expired sessions): one
// thread per job, a stop that does not wait out the interval, and failures logged and counted
// instead of ending the loop.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kx::service {

/// Not thread-safe during setup (add before start). start() and stop() are called by the owner
/// from one thread; stop() wakes every job's wait and blocks until each job's current run has
/// returned. A job runs once right after start(), then `interval` after each run ends; runs of
/// one job never overlap. A run that throws is logged and counted in
/// `kx_job_runs_total{job,outcome="failed"}` (successful runs: outcome="ok"), and the job runs
/// again at its next interval.
class PeriodicJobs {
 public:
  PeriodicJobs();
  /// Stops the jobs if they run.
  ~PeriodicJobs();
  PeriodicJobs(const PeriodicJobs&) = delete;
  PeriodicJobs& operator=(const PeriodicJobs&) = delete;

  /// `name` labels logs and metrics (e.g. "call-maintenance").
  void add(std::string name, std::chrono::milliseconds interval, std::function<void()> job);
  void start();
  void stop();
  bool empty() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kx::service
