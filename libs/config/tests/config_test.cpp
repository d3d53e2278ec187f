#include "kx/config/config.hpp"

#include <map>

#include <gtest/gtest.h>

namespace kx::config {
namespace {

Env env_of(std::map<std::string, std::string> vars) {
  return Env([vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  });
}

TEST(Env, ReadsTypedValues) {
  auto env = env_of({{"PORT", "8081"},
                     {"DEBUG", "yes"},
                     {"NAME", "auth"},
                     {"URL", "http://x:1/"},
                     {"TIMEOUT_MS", "250"}});
  EXPECT_EQ(env.port("PORT", 1), 8081);
  EXPECT_TRUE(env.flag("DEBUG", false));
  EXPECT_EQ(env.required("NAME"), "auth");
  EXPECT_EQ(env.url("URL"), "http://x:1");
  EXPECT_EQ(env.millis("TIMEOUT_MS", std::chrono::milliseconds(1)).count(), 250);
  EXPECT_EQ(env.optional("MISSING", "dflt"), "dflt");
  EXPECT_NO_THROW(env.check());
}

TEST(Env, ReportsEveryProblemInOneMessage) {
  auto env = env_of({{"PORT", "eighty"},
                     {"DEBUG", "maybe"},
                     {"SECRET", "short"},
                     {"LEVEL", "loud"},
                     {"URL", "ftp://x"}});
  env.port("PORT", 80);
  env.flag("DEBUG", false);
  env.required("DATABASE_URL");
  env.secret("SECRET", 16);
  env.one_of("LEVEL", "info", {"debug", "info"});
  env.url("URL");
  ASSERT_EQ(env.problems().size(), 6u);
  try {
    env.check();
    FAIL() << "check() must throw";
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    for (const char* name : {"PORT", "DEBUG", "DATABASE_URL", "SECRET", "LEVEL", "URL"}) {
      EXPECT_NE(msg.find(name), std::string::npos) << name << " missing in: " << msg;
    }
    EXPECT_EQ(msg.find("short"), std::string::npos) << "secret value leaked: " << msg;
  }
}

TEST(Env, ReadsAListOfReplicaUrls) {
  auto env = env_of({{"ONE", "http://a:1/"},
                     {"MANY", " http://a:1, https://b:2/ ,,"},
                     {"BAD", "http://a:1,ftp://b"},
                     {"EMPTY_ITEMS", " , "}});
  EXPECT_EQ(env.urls("ONE"), std::vector<std::string>{"http://a:1"});
  EXPECT_EQ(env.urls("MANY"), (std::vector<std::string>{"http://a:1", "https://b:2"}));
  EXPECT_NO_THROW(env.check());
  EXPECT_EQ(env.urls("BAD"), std::vector<std::string>{"http://a:1"});
  EXPECT_TRUE(env.urls("EMPTY_ITEMS").empty());
  EXPECT_TRUE(env.urls("MISSING").empty());
  ASSERT_EQ(env.problems().size(), 3u);
  EXPECT_NE(env.problems()[0].find("ftp://b"), std::string::npos);
}

TEST(Env, EmptyCountsAsUnsetAndRangesAreChecked) {
  auto env = env_of({{"A", ""}, {"N", "70000"}});
  EXPECT_EQ(env.optional("A", "fb"), "fb");
  env.port("N", 1);
  EXPECT_EQ(env.problems().size(), 1u);
}

}  // namespace
}  // namespace kx::config
