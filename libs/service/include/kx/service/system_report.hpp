#pragma once
// A service's health in numbers, from its own metrics, database and broker (the document
// GET /internal/system answers; the gateway composes GET /api/admin/system from them).

#include <limits>
#include <string>
#include <vector>

#include "kx/metrics/exposition.hpp"

namespace kx::service {

/// What the service's HTTP metrics say since the process started.
struct HttpSummary {
  double requests = 0;                                            ///< answered requests
  double errors = 0;                                              ///< answered with a 5xx status
  double p50_seconds = std::numeric_limits<double>::quiet_NaN();  ///< NaN without requests
  double p99_seconds = std::numeric_limits<double>::quiet_NaN();
  double error_rate() const { return requests > 0 ? errors / requests : 0; }
};

/// Sums kx_http_requests_total and kx_http_request_duration_seconds over every route except the
/// operational ones (/healthz, /readyz, /metrics, /internal/system), which probes call all the
/// time and which would drown the traffic that matters.
HttpSummary summarize_http(const std::vector<metrics::Sample>& samples);

}  // namespace kx::service
