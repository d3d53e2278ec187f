#pragma once
// Reading the Prometheus text format back (what Registry::render() writes) and estimating
// quantiles from histogram buckets, for the services' own health summary (GET /internal/system).
// Plain functions on values; thread-safe.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kx/metrics/metrics.hpp"

namespace kx::metrics {

/// One sample line: `name{labels} value`.
struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

/// The samples of a text exposition (format 0.0.4); comments, blank and malformed lines are
/// skipped. Label values are unescaped (\\, \", \n).
std::vector<Sample> parse_exposition(std::string_view text);

/// The q-quantile (0 < q < 1) of a histogram given as cumulative (upper bound, count) buckets in
/// ascending bound order, the last one +Inf: linear interpolation inside the bucket, the way
/// Prometheus' histogram_quantile() does it. A quantile in the +Inf bucket is the largest finite
/// bound. NaN when there are no observations.
double bucket_quantile(double q, const std::vector<std::pair<double, double>>& cumulative);

}  // namespace kx::metrics
