#include "rate_limit.hpp"

#include <gtest/gtest.h>

namespace kx::gateway {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

TEST(RateLimiter, AllowsTheBurstThenAsksToWait) {
  RateLimiter limiter({.per_second = 0.5, .burst = 3});
  auto t = Clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(limiter.take("203.0.113.7", t)) << i;
  auto wait = limiter.take("203.0.113.7", t);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 2s);  // one token per two seconds
  // Another address is not affected.
  EXPECT_FALSE(limiter.take("198.51.100.1", t));
}

TEST(RateLimiter, RefillsAtTheConfiguredRate) {
  RateLimiter limiter({.per_second = 2, .burst = 2});
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

TEST(RateLimiter, MemoryStaysBounded) {
  RateLimiter limiter({.per_second = 1, .burst = 5, .max_keys = 100});
  auto t = Clock::time_point{} + 1h;
  for (int i = 0; i < 1000; ++i)
    limiter.take("10.0.0." + std::to_string(i), t);
  EXPECT_LE(limiter.tracked(), 100u);
  // The most recent addresses keep their state.
  for (int i = 0; i < 4; ++i)
    limiter.take("10.0.0.999", t);
  EXPECT_TRUE(limiter.take("10.0.0.999", t));
}

TEST(RateLimiter, ForgetsAddressesThatHaveRefilled) {
  RateLimiter limiter({.per_second = 1, .burst = 5});
  auto t = Clock::time_point{} + 1h;
  for (int i = 0; i < 50; ++i)
    limiter.take("192.0.2." + std::to_string(i), t);
  EXPECT_EQ(limiter.tracked(), 50u);
  limiter.take("192.0.2.200", t + 10s);
  EXPECT_EQ(limiter.tracked(), 1u);
}

TEST(RateLimiter, PerMinuteBurstThenRefillWithRetryAfter) {
  RateLimiter buckets(RateLimitSettings::per_minute(60));  // one a second, 60 at once
  auto t0 = RateLimiter::Clock::now();
  for (int i = 0; i < 60; ++i)
    ASSERT_FALSE(buckets.take("k1", t0)) << i;
  auto wait = buckets.take("k1", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(wait->count(), 1);
  EXPECT_FALSE(buckets.take("k2", t0));  // another key has its own bucket
  EXPECT_FALSE(buckets.take("k1", t0 + std::chrono::milliseconds(1000)));
  EXPECT_TRUE(buckets.take("k1", t0 + std::chrono::milliseconds(1500)));
  for (int i = 0; i < 60; ++i)
    EXPECT_FALSE(buckets.take("k1", t0 + std::chrono::minutes(5))) << i;

  RateLimiter slow(RateLimitSettings::per_minute(6));  // one every 10 seconds
  for (int i = 0; i < 6; ++i)
    ASSERT_FALSE(slow.take("k", t0));
  EXPECT_EQ(slow.take("k", t0)->count(), 10);
  EXPECT_EQ(slow.take("k", t0 + std::chrono::seconds(4))->count(), 6);
}

}  // namespace
}  // namespace kx::gateway
