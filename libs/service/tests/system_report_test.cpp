#include "kx/service/system_report.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kx::service {
namespace {

TEST(SystemReport, CountsRequestsAndServerErrorsWithoutTheProbes) {
  metrics::Registry r;
  auto requests = [&](const char* route, const char* status, double n) {
    r.counter("kx_http_requests_total", "Requests.",
              {{"method", "GET"}, {"route", route}, {"status", status}})
        .inc(n);
  };
  requests("/api/agents", "200", 90);
  requests("/api/agents", "503", 6);
  requests("/api/calls/{id}", "500", 4);
  requests("/api/calls/{id}", "404", 10);
  requests("/readyz", "503", 1000);
  requests("/internal/system", "200", 50);
  auto s = summarize_http(metrics::parse_exposition(r.render()));
  EXPECT_EQ(s.requests, 110);
  EXPECT_EQ(s.errors, 10);
  EXPECT_NEAR(s.error_rate(), 10.0 / 110, 1e-12);
  EXPECT_TRUE(std::isnan(s.p50_seconds));
}

TEST(SystemReport, LatencyQuantilesOverAllRoutes) {
  metrics::Registry r;
  auto& a = r.histogram("kx_http_request_duration_seconds", "Latency.", {{"route", "/a"}});
  auto& b = r.histogram("kx_http_request_duration_seconds", "Latency.", {{"route", "/b"}});
  auto& probe =
      r.histogram("kx_http_request_duration_seconds", "Latency.", {{"route", "/healthz"}});
  for (int i = 0; i < 50; ++i)
    a.observe(0.004);  // the 2.5..5 ms bucket
  for (int i = 0; i < 50; ++i)
    b.observe(0.2);  // the 100..250 ms bucket
  for (int i = 0; i < 1000; ++i)
    probe.observe(0.0001);
  auto s = summarize_http(metrics::parse_exposition(r.render()));
  EXPECT_NEAR(s.p50_seconds, 0.005, 1e-9);
  EXPECT_NEAR(s.p99_seconds, 0.1 + 0.15 * (49.0 / 50), 1e-9);
}

TEST(SystemReport, NoTrafficIsNoErrorRate) {
  EXPECT_EQ(summarize_http({}).error_rate(), 0);
}

}  // namespace
}  // namespace kx::service
