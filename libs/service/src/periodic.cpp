#include "kx/service/periodic.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"

namespace kx::service {

struct PeriodicJobs::Impl {
  struct Job {
    std::string name;
    std::chrono::milliseconds interval;
    std::function<void()> fn;
  };
  std::vector<Job> jobs;
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;

  void loop(const Job& job) {
    auto& ok = metrics::Registry::global().counter("kx_job_runs_total",
                                                   "Runs of periodic jobs, by outcome.",
                                                   {{"job", job.name}, {"outcome", "ok"}});
    auto& failed = metrics::Registry::global().counter("kx_job_runs_total",
                                                       "Runs of periodic jobs, by outcome.",
                                                       {{"job", job.name}, {"outcome", "failed"}});
    std::unique_lock lock(mutex);
    while (!stopping) {
      lock.unlock();
      try {
        job.fn();
        ok.inc();
      } catch (const std::exception& e) {
        failed.inc();
        log::warn("periodic job failed; retrying at its next interval",
                  {{"job", job.name}, {"error", e.what()}});
      }
      lock.lock();
      wake.wait_for(lock, job.interval, [this] { return stopping; });
    }
  }
};

PeriodicJobs::PeriodicJobs() : impl_(std::make_unique<Impl>()) {}

PeriodicJobs::~PeriodicJobs() {
  stop();
}

void PeriodicJobs::add(std::string name, std::chrono::milliseconds interval,
                       std::function<void()> job) {
  impl_->jobs.push_back({std::move(name), interval, std::move(job)});
}

void PeriodicJobs::start() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = false;
  }
  for (const auto& job : impl_->jobs)
    impl_->threads.emplace_back([this, &job] { impl_->loop(job); });
}

void PeriodicJobs::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->threads) {
    if (t.joinable())
      t.join();
  }
  impl_->threads.clear();
}

bool PeriodicJobs::empty() const {
  return impl_->jobs.empty();
}

}  // namespace kx::service
