#include "kx/log/log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "kx/json/json.hpp"

#include <unistd.h>

#include <algorithm>
#include <vector>

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

// A busy service's log stays within (keep + 1) files of max_bytes, the newest lines in the file
// itself, and every line whole.
TEST(Log, FileOutputRotatesBySize) {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / ("kx-log-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto file = (dir / "svc.log").string();
  init("svc", "info", {.file = file, .max_bytes = 4096, .keep = 2});
  for (int i = 0; i < 500; ++i)
    info("request", {{"n", i}, {"path", "/api/calls"}});
  warn("last line");
  init("svc", "info");  // back to stdout: closes the file

  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
    EXPECT_LE(fs::file_size(e.path()), 4096u) << e.path();
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"svc.1.log", "svc.2.log", "svc.log"}));
  std::ifstream in(file);
  std::string line, last;
  while (std::getline(in, line)) {
    auto doc = json::parse(line);  // throws on a cut line
    EXPECT_EQ(json::get_string(doc, "service"), "svc");
    last = line;
  }
  EXPECT_NE(last.find("last line"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Log, AFileThatCannotBeOpenedIsAClearError) {
  EXPECT_THROW(init("svc", "info", {.file = "/proc/kx-no-such-dir/svc.log"}), std::runtime_error);
  init("svc", "info");
}

}  // namespace
}  // namespace kx::log
