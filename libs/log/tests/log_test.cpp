#include "kx/log/log.hpp"

#include <gtest/gtest.h>

#include "kx/json/json.hpp"

namespace kx::log {
namespace {

TEST(Log, SecretFieldsAreRedacted) {
  std::string line = format_fields("login", {{"password", "hunter2"},
                                             {"session_token", "abc"},
                                             {"Cookie", "kx_session=zzz"},
                                             {"stripe_secret_key", "sk_test_1"},
                                             {"user_id", "u1"},
                                             {"status", 401}});
  auto doc = json::parse(line);
  EXPECT_STREQ(doc["password"].GetString(), "[redacted]");
  EXPECT_STREQ(doc["session_token"].GetString(), "[redacted]");
  EXPECT_STREQ(doc["Cookie"].GetString(), "[redacted]");
  EXPECT_STREQ(doc["stripe_secret_key"].GetString(), "[redacted]");
  EXPECT_STREQ(doc["user_id"].GetString(), "u1");
  EXPECT_EQ(doc["status"].GetInt(), 401);
  EXPECT_EQ(line.find("hunter2"), std::string::npos);
}

TEST(Log, FreeTextIsScrubbed) {
  std::string s = scrub(
      "call failed: Authorization: Bearer abc.def-ghi password=hunter2 "
      "token: \"t0k\" key sk_live_ABCDEFGH hash $argon2id$v=19$m=1$x$y");
  for (const char* secret : {"abc.def-ghi", "hunter2", "t0k", "sk_live_ABCDEFGH", "$argon2id"}) {
    EXPECT_EQ(s.find(secret), std::string::npos) << secret << " leaked in " << s;
  }
  EXPECT_NE(s.find("call failed"), std::string::npos);
}

TEST(Log, MessageIsValidJsonWithEscapes) {
  auto doc = json::parse(format_fields("a \"quoted\"\nline", {{"ok", true}}));
  EXPECT_STREQ(doc["msg"].GetString(), "a \"quoted\"\nline");
  EXPECT_TRUE(doc["ok"].GetBool());
}

TEST(Log, SecretKeyDetection) {
  EXPECT_TRUE(is_secret_key("api_key"));
  EXPECT_TRUE(is_secret_key("x-vapi-signature"));
  EXPECT_TRUE(is_secret_key("key"));
  EXPECT_FALSE(is_secret_key("keyboard"));
  EXPECT_FALSE(is_secret_key("request_id"));
}

}  // namespace
}  // namespace kx::log
