#include "kx/metrics/metrics.hpp"

#include <gtest/gtest.h>

namespace kx::metrics {
namespace {

TEST(Metrics, RendersPrometheusText) {
  Registry r;
  r.counter("kx_requests_total", "Requests.", {{"method", "GET"}, {"status", "200"}}).inc();
  r.counter("kx_requests_total", "Requests.", {{"method", "GET"}, {"status", "200"}}).inc(2);
  r.gauge("kx_ready", "Readiness.").set(1);
  auto& h = r.histogram("kx_latency_seconds", "Latency.", {{"route", "/a"}}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE kx_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("kx_requests_total{method=\"GET\",status=\"200\"} 3"), std::string::npos)
      << text;
  EXPECT_NE(text.find("kx_ready 1"), std::string::npos);
  EXPECT_NE(text.find("kx_latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("kx_latency_seconds_bucket{route=\"/a\",le=\"1\"} 2"), std::string::npos);
  EXPECT_NE(text.find("kx_latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(text.find("kx_latency_seconds_count{route=\"/a\"} 3"), std::string::npos);
}

TEST(Metrics, RejectsTypeClashAndNegativeCounter) {
  Registry r;
  r.counter("x", "x");
  EXPECT_THROW(r.gauge("x", "x"), std::logic_error);
  EXPECT_THROW(r.counter("x", "x").inc(-1), std::invalid_argument);
}

}  // namespace
}  // namespace kx::metrics
