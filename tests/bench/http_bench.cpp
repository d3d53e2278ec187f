// kx-http-bench: a closed-loop HTTP load generator for the platform's benchmarks.
// N threads each send requests back to back over keep-alive connections for a fixed time and
// record every latency; the result is one JSON line (throughput, p50/p90/p99/max, errors).
//   kx-http-bench --url URL [--method GET] [--body JSON] [--header 'Name: value']...
//                 [--threads 4] [--seconds 10] [--expect 200]
#include <cstdio>
#include <string>

#include "closed_loop.hpp"
#include "kx/http/client.hpp"
#include "kx/json/json.hpp"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: kx-http-bench --url URL [--method M] [--body B] [--header 'N: V']... "
               "[--threads N] [--seconds S] [--expect STATUS]\n");
  return 2;
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
  auto result = kx::bench::run_closed_loop(
      threads, seconds, [&](int, long) { return client.send(request).status == expect; });
  kx::json::Writer w;
  w.begin_object()
      .field("url", request.url)
      .field("method", request.method)
      .field("threads", threads);
  kx::bench::write_load_result(w, result);
  w.end_object();
  std::printf("%s\n", w.str().c_str());
  return result.errors > 0 ? 1 : 0;
}
