#include "system_health.hpp"

#include <gtest/gtest.h>

#include "kx/json/json.hpp"

namespace kx::gateway {
namespace {

std::string service(const std::string& name, bool db_ok, bool broker_ok) {
  return R"({"name":")" + name +
         R"(","ready":true,"reason":null,"requests":12,"errors":1,)"
         R"("error_rate":0.0833,"latency_p50_ms":3.2,"latency_p99_ms":40.0,"outbox_backlog":0,)"
         R"("dead_letters":2,"consumer_lag":[{"group":")" +
         name +
         R"(","topic":"user.deleted","lag":5,"dead_letters":2}],)"
         R"("database":{"reachable":)" +
         (db_ok ? "true" : "false") + R"(,"reason":)" +
         (db_ok ? "null" : "\"database unreachable\"") +
         R"(,"connections":9,"size_bytes":123456},"broker":{"reachable":)" +
         (broker_ok ? "true" : "false") + R"(,"reason":null}})";
}

TEST(ComposeSystem, ListsEveryServiceAndSummarisesDatabaseAndBroker) {
  auto doc = json::parse(
      compose_system("2026-11-30T00:00:00.000Z",
                     {{"gateway",
                       R"({"name":"gateway","ready":true,"reason":null,"database":null,)"
                       R"("broker":{"reachable":true,"reason":null}})",
                       {}},
                      {"auth", service("auth", true, true), {}},
                      {"billing", service("forged", true, true), {}}}));
  EXPECT_EQ(json::get_string(doc, "checked_at"), "2026-11-30T00:00:00.000Z");
  const auto& services = doc["services"];
  ASSERT_EQ(services.Size(), 3u);
  EXPECT_EQ(json::get_string(services[2], "name"), "billing");
  EXPECT_EQ(services[1]["consumer_lag"][0]["lag"].GetInt(), 5);
  EXPECT_TRUE(json::get_bool(doc["database"], "reachable"));
  EXPECT_EQ(doc["database"]["connections"].GetInt(), 9);
  EXPECT_EQ(doc["database"]["size_bytes"].GetInt(), 123456);
  EXPECT_TRUE(json::get_bool(doc["broker"], "reachable"));
}

TEST(ComposeSystem, AServiceWithoutAnswerIsNotReadyWithTheReason) {
  auto doc = json::parse(compose_system("t", {{"auth", service("auth", false, true), {}},
                                              {"agent", std::nullopt, "connection failed"},
                                              {"billing", std::string("<html>"), {}}}));
  const auto& agent = doc["services"][1];
  EXPECT_FALSE(json::get_bool(agent, "ready", true));
  EXPECT_EQ(json::get_string(agent, "reason"), "no answer: connection failed");
  EXPECT_TRUE(agent["requests"].IsNull());
  EXPECT_EQ(json::get_string(doc["services"][2], "reason"), "no answer: unreadable report");
  EXPECT_FALSE(json::get_bool(doc["database"], "reachable", true));
  EXPECT_EQ(json::get_string(doc["database"], "reason"), "auth: database unreachable");
}

TEST(ComposeSystem, NothingReportedIsNotReachable) {
  auto doc = json::parse(compose_system("t", {{"auth", std::nullopt, "timeout"}}));
  EXPECT_FALSE(json::get_bool(doc["database"], "reachable", true));
  EXPECT_FALSE(json::get_bool(doc["broker"], "reachable", true));
}

}  // namespace
}  // namespace kx::gateway
