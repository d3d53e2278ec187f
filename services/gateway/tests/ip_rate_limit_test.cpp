#include "ip_rate_limit.hpp"

#include <gtest/gtest.h>

namespace kx::gateway {
namespace {

using namespace std::chrono_literals;
using Clock = IpRateLimiter::Clock;

TEST(IpRateLimiter, AllowsTheBurstThenAsksToWait) {
  IpRateLimiter limiter({.per_second = 0.5, .burst = 3});
  auto t = Clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(limiter.take("203.0.113.7", t)) << i;
  auto wait = limiter.take("203.0.113.7", t);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 2s);  // one token per two seconds
  // Another address is not affected.
  EXPECT_FALSE(limiter.take("198.51.100.1", t));
}

TEST(IpRateLimiter, RefillsAtTheConfiguredRate) {
  IpRateLimiter limiter({.per_second = 2, .burst = 2});
  auto t = Clock::time_point{} + 1h;
  EXPECT_FALSE(limiter.take("a", t));
  EXPECT_FALSE(limiter.take("a", t));
  EXPECT_EQ(limiter.take("a", t), 1s);  // rounded up to whole seconds
  EXPECT_FALSE(limiter.take("a", t + 500ms));
  EXPECT_TRUE(limiter.take("a", t + 500ms));
  // A long pause refills only up to the burst.
  t += 1h;
  EXPECT_FALSE(limiter.take("a", t));
  EXPECT_FALSE(limiter.take("a", t));
  EXPECT_TRUE(limiter.take("a", t));
}

TEST(IpRateLimiter, MemoryStaysBounded) {
  IpRateLimiter limiter({.per_second = 1, .burst = 5, .max_addresses = 100});
  auto t = Clock::time_point{} + 1h;
  for (int i = 0; i < 1000; ++i)
    limiter.take("10.0.0." + std::to_string(i), t);
  EXPECT_LE(limiter.tracked(), 100u);
  // The most recent addresses keep their state.
  for (int i = 0; i < 4; ++i)
    limiter.take("10.0.0.999", t);
  EXPECT_TRUE(limiter.take("10.0.0.999", t));
}

TEST(IpRateLimiter, ForgetsAddressesThatHaveRefilled) {
  IpRateLimiter limiter({.per_second = 1, .burst = 5});
  auto t = Clock::time_point{} + 1h;
  for (int i = 0; i < 50; ++i)
    limiter.take("192.0.2." + std::to_string(i), t);
  EXPECT_EQ(limiter.tracked(), 50u);
  limiter.take("192.0.2.200", t + 10s);
  EXPECT_EQ(limiter.tracked(), 1u);
}

}  // namespace
}  // namespace kx::gateway
