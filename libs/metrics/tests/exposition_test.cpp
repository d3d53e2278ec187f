#include "kx/metrics/exposition.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kx::metrics {
namespace {

TEST(Exposition, ReadsBackWhatTheRegistryRenders) {
  Registry r;
  r.counter("kx_http_requests_total", "Requests.", {{"route", "/a\"b"}, {"status", "500"}}).inc(3);
  auto& h = r.histogram("kx_lat_seconds", "Latency.", {{"route", "/a"}}, {0.1, 1});
  h.observe(0.05);
  h.observe(2);
  auto samples = parse_exposition(r.render() + "garbage line\nbad{x=\"1\" 2\n");
  ASSERT_EQ(samples.size(), 6u);
  EXPECT_EQ(samples[0].name, "kx_http_requests_total");
  EXPECT_EQ(samples[0].labels.at("route"), "/a\"b");
  EXPECT_EQ(samples[0].labels.at("status"), "500");
  EXPECT_EQ(samples[0].value, 3);
  EXPECT_EQ(samples[1].name, "kx_lat_seconds_bucket");
  EXPECT_EQ(samples[1].labels.at("le"), "0.1");
  EXPECT_EQ(samples[1].value, 1);
  EXPECT_EQ(samples[3].labels.at("le"), "+Inf");
  EXPECT_EQ(samples[3].value, 2);
  EXPECT_DOUBLE_EQ(samples[4].value, 2.05);
}

TEST(Exposition, QuantilesInterpolateInsideTheBucket) {
  // 100 observations: 50 up to 10 ms, 40 more up to 100 ms, 10 more up to 1 s.
  std::vector<std::pair<double, double>> buckets = {
      {0.01, 50}, {0.1, 90}, {1, 100}, {INFINITY, 100}};
  EXPECT_DOUBLE_EQ(bucket_quantile(0.5, buckets), 0.01);
  EXPECT_NEAR(bucket_quantile(0.7, buckets), 0.01 + 0.09 * 0.5, 1e-12);
  EXPECT_NEAR(bucket_quantile(0.99, buckets), 0.1 + 0.9 * 0.9, 1e-12);
  EXPECT_NEAR(bucket_quantile(0.25, buckets), 0.005, 1e-12);
}

TEST(Exposition, QuantileInTheInfBucketIsTheLargestBound) {
  EXPECT_DOUBLE_EQ(bucket_quantile(0.99, {{0.1, 1}, {1, 1}, {INFINITY, 10}}), 1);
}

TEST(Exposition, NoObservationsHaveNoQuantile) {
  EXPECT_TRUE(std::isnan(bucket_quantile(0.5, {{0.1, 0}, {INFINITY, 0}})));
  EXPECT_TRUE(std::isnan(bucket_quantile(0.5, {})));
}

}  // namespace
}  // namespace kx::metrics
