// kx-http-bench: a closed-loop HTTP load generator for the platform's benchmarks.
// N threads each send requests back to back over keep-alive connections for a fixed time and
// record every latency; the result is one JSON line (throughput, p50/p90/p99/max, errors).
//   kx-http-bench --url URL [--method GET] [--body JSON] [--header 'Name: value']...
//                 [--threads 4] [--seconds 10] [--expect 200]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "kx/http/client.hpp"
#include "kx/json/json.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: kx-http-bench --url URL [--method M] [--body B] [--header 'N: V']... "
               "[--threads N] [--seconds S] [--expect STATUS]\n");
  return 2;
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto idx = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(idx, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  kx::http::ClientRequest request;
  int threads = 4, seconds = 10, expect = 200;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc)
      return usage();
    std::string value = argv[++i];
    if (flag == "--url")
      request.url = value;
    else if (flag == "--method")
      request.method = value;
    else if (flag == "--body")
      request.body = value;
    else if (flag == "--threads")
      threads = std::stoi(value);
    else if (flag == "--seconds")
      seconds = std::stoi(value);
    else if (flag == "--expect")
      expect = std::stoi(value);
    else if (flag == "--header") {
      auto colon = value.find(':');
      if (colon == std::string::npos)
        return usage();
      auto v = value.substr(colon + 1);
      while (!v.empty() && v.front() == ' ')
        v.erase(0, 1);
      request.headers.add(value.substr(0, colon), v);
    } else {
      return usage();
    }
  }
  if (request.url.empty() || threads < 1 || seconds < 1)
    return usage();
  if (!request.body.empty() && !request.headers.has("Content-Type")) {
    request.headers.set("Content-Type", "application/json");
  }

  kx::http::Client client({.max_retries = 0});
  std::atomic<bool> stop{false};
  std::atomic<long> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& mine = latencies[static_cast<std::size_t>(t)];
      while (!stop) {
        auto t0 = std::chrono::steady_clock::now();
        try {
          auto res = client.send(request);
          if (res.status != expect)
            ++errors;
        } catch (const std::exception&) {
          ++errors;
        }
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
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<double> all;
  for (auto& v : latencies)
    all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  kx::json::Writer w;
  w.begin_object()
      .field("url", request.url)
      .field("method", request.method)
      .field("threads", threads)
      .field("requests", static_cast<std::int64_t>(all.size()))
      .field("errors", static_cast<std::int64_t>(errors.load()))
      .field("throughput_rps", static_cast<double>(all.size()) / elapsed)
      .field("p50_ms", percentile(all, 0.50))
      .field("p90_ms", percentile(all, 0.90))
      .field("p99_ms", percentile(all, 0.99))
      .field("max_ms", all.empty() ? 0.0 : all.back())
      .end_object();
  std::printf("%s\n", w.str().c_str());
  return errors > 0 ? 1 : 0;
}
