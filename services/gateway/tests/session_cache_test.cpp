#include "session_cache.hpp"

#include <gtest/gtest.h>

namespace kx::gateway {
namespace {

TEST(SessionCache, ExpiresAndDropsByUser) {
  SessionCache cache(std::chrono::milliseconds(1000));
  auto t0 = SessionCache::Clock::now();
  cache.put("h1", {"u1", "user"}, t0);
  cache.put("h2", {"u1", "user"}, t0);
  cache.put("h3", {"u2", "admin"}, t0);
  EXPECT_EQ(cache.get("h1", t0)->user_id, "u1");
  EXPECT_FALSE(cache.get("h1", t0 + std::chrono::milliseconds(1001)).has_value());
  cache.drop_user("u1");
  EXPECT_FALSE(cache.get("h2", t0).has_value());
  EXPECT_EQ(cache.get("h3", t0)->role, "admin");
  cache.erase("h3");
  EXPECT_EQ(cache.size(), 0u);
}

TEST(SessionCache, StaysBounded) {
  SessionCache cache(std::chrono::milliseconds(1000), 10);
  for (int i = 0; i < 100; ++i)
    cache.put("h" + std::to_string(i), {"u", "user"});
  EXPECT_LE(cache.size(), 10u);
}

}  // namespace
}  // namespace kx::gateway
