#include "kx/service/periodic.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "kx/metrics/metrics.hpp"

namespace {

using namespace std::chrono_literals;

double job_runs(const std::string& job, const std::string& outcome) {
  return kx::metrics::Registry::global()
      .counter("kx_job_runs_total", "Runs of periodic jobs, by outcome.",
               {{"job", job}, {"outcome", outcome}})
      .value();
}

// Counts runs and lets the test wait until a number of runs happened.
struct RunLog {
  std::mutex mutex;
  std::condition_variable changed;
  int runs = 0;
  void record() {
    std::lock_guard lock(mutex);
    ++runs;
    changed.notify_all();
  }
  bool wait_for_runs(int n) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 30s, [&] { return runs >= n; });
  }
};

TEST(PeriodicJobs, RunsRightAfterStartAndAgainEachInterval) {
  RunLog log;
  kx::service::PeriodicJobs jobs;
  jobs.add("test-repeat", 1ms, [&] { log.record(); });
  jobs.start();
  EXPECT_TRUE(log.wait_for_runs(3));
  jobs.stop();
  EXPECT_GE(job_runs("test-repeat", "ok"), 3.0);
}

TEST(PeriodicJobs, AFailingRunIsCountedAndTheJobKeepsRunning) {
  RunLog log;
  kx::service::PeriodicJobs jobs;
  jobs.add("test-failing", 1ms, [&] {
    log.record();
    throw std::runtime_error("database away");
  });
  jobs.start();
  EXPECT_TRUE(log.wait_for_runs(2));
  jobs.stop();
  EXPECT_GE(job_runs("test-failing", "failed"), 2.0);
  EXPECT_EQ(job_runs("test-failing", "ok"), 0.0);
}

TEST(PeriodicJobs, StopDoesNotWaitOutALongInterval) {
  RunLog log;
  kx::service::PeriodicJobs jobs;
  jobs.add("test-long-interval", std::chrono::hours(24), [&] { log.record(); });
  jobs.start();
  ASSERT_TRUE(log.wait_for_runs(1));
  auto before = std::chrono::steady_clock::now();
  jobs.stop();  // would block for a day if the wait were not interrupted
  EXPECT_LT(std::chrono::steady_clock::now() - before, 10s);
  EXPECT_EQ(log.runs, 1);
}

TEST(PeriodicJobs, StopBlocksUntilTheRunningJobReturns) {
  RunLog entered;
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  std::atomic<bool> finished{false};
  kx::service::PeriodicJobs jobs;
  jobs.add("test-blocking", 1ms, [&] {
    entered.record();
    std::unique_lock lock(mutex);
    released.wait(lock, [&] { return release; });
    finished = true;
  });
  jobs.start();
  ASSERT_TRUE(entered.wait_for_runs(1));
  // Let the job go only once stop() is under way; stop() must still wait for it to return.
  std::thread releaser([&] {
    std::this_thread::yield();
    std::lock_guard lock(mutex);
    release = true;
    released.notify_all();
  });
  jobs.stop();
  EXPECT_TRUE(finished);
  releaser.join();
}

}  // namespace
