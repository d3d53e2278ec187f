#pragma once
// The closed loop the HTTP benchmarks share: N threads each run one request after the other for
// a fixed time; every latency is kept, and the summary (throughput, p50/p90/p99/max, errors) is
// written as JSON fields.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "kx/json/json.hpp"

namespace kx::bench {

struct LoadResult {
  std::vector<double> latencies_ms;  ///< sorted
  long errors = 0;
  double elapsed_s = 0;
};

/// Runs `one(thread, n)` (n counts from 1 per thread) back to back on `threads` threads for
/// `seconds`; a call that returns false or throws counts as an error. With `rate` > 0 the threads
/// together start at most that many calls a second, each on a fixed schedule (a soak test at a
/// given load instead of the most the system takes).
inline LoadResult run_closed_loop(int threads, int seconds,
                                  const std::function<bool(int thread, long n)>& one,
                                  double rate = 0) {
  std::atomic<bool> stop{false};
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& mine = latencies[static_cast<std::size_t>(t)];
      const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(rate > 0 ? threads / rate : 0));
      // Spread the threads' schedules over one interval, so they do not fire together.
      auto next = start + interval * t / threads;
      for (long n = 1; !stop; ++n) {
        if (rate > 0) {
          std::this_thread::sleep_until(next);
          next += interval;
          if (stop)
            break;
        }
        auto t0 = std::chrono::steady_clock::now();
        bool ok = false;
        try {
          ok = one(t, n);
        } catch (const std::exception&) {
        }
        if (!ok)
          ++errors;
        mine.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& w : workers)
    w.join();
  LoadResult r;
  r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.errors = errors.load();
  for (auto& l : latencies)
    r.latencies_ms.insert(r.latencies_ms.end(), l.begin(), l.end());
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  return r;
}

inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto idx = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(idx, sorted.size() - 1)];
}

/// requests, errors, throughput_rps, p50_ms, p90_ms, p99_ms, max_ms (into an open object).
inline void write_load_result(json::Writer& w, const LoadResult& r) {
  const auto& all = r.latencies_ms;
  w.field("requests", static_cast<std::int64_t>(all.size()))
      .field("errors", static_cast<std::int64_t>(r.errors))
      .field("throughput_rps", r.elapsed_s > 0 ? static_cast<double>(all.size()) / r.elapsed_s : 0)
      .field("p50_ms", percentile(all, 0.50))
      .field("p90_ms", percentile(all, 0.90))
      .field("p99_ms", percentile(all, 0.99))
      .field("max_ms", all.empty() ? 0.0 : all.back());
}

}  // namespace kx::bench
