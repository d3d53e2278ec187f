#include "kx/service/system_report.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>

namespace kx::service {
namespace {

bool operational(const metrics::Labels& labels) {
  auto it = labels.find("route");
  if (it == labels.end())
    return false;
  for (const char* route : {"/healthz", "/readyz", "/metrics", "/internal/system"}) {
    if (it->second == route)
      return true;
  }
  return false;
}

}  // namespace

HttpSummary summarize_http(const std::vector<metrics::Sample>& samples) {
  HttpSummary out;
  std::map<double, double> buckets;  // upper bound -> cumulative count over all routes
  for (const auto& s : samples) {
    if (operational(s.labels))
      continue;
    if (s.name == "kx_http_requests_total") {
      out.requests += s.value;
      auto status = s.labels.find("status");
      if (status != s.labels.end() && status->second.starts_with("5"))
        out.errors += s.value;
    } else if (s.name == "kx_http_request_duration_seconds_bucket") {
      auto le = s.labels.find("le");
      if (le == s.labels.end())
        continue;
      double bound = le->second == "+Inf" ? std::numeric_limits<double>::infinity()
                                          : std::strtod(le->second.c_str(), nullptr);
      buckets[bound] += s.value;
    }
  }
  std::vector<std::pair<double, double>> cumulative(buckets.begin(), buckets.end());
  out.p50_seconds = metrics::bucket_quantile(0.5, cumulative);
  out.p99_seconds = metrics::bucket_quantile(0.99, cumulative);
  return out;
}

}  // namespace kx::service
