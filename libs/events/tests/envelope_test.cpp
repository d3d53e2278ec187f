#include <thread>

#include <gtest/gtest.h>

#include "kx/events/events.hpp"

namespace kx::events {
namespace {

const char* kRegistered =
    R"({"user_id":"u1","email":"a@b.de","name":"Anna","locale":"de","registered_at":"2026-11-21T10:00:00.000Z"})";

TEST(Envelope, RoundTripsThroughHeaders) {
  Event e{"0194b7e2-0000-7000-8000-000000000001",
          "user.registered",
          "v1",
          "auth",
          "u1",
          "2026-11-21T10:00:00.000Z",
          "u1",
          kRegistered};
  auto headers = to_headers(e);
  std::map<std::string, std::string> h(headers.begin(), headers.end());
  EXPECT_EQ(h["ce_specversion"], "1.0");
  EXPECT_EQ(h["ce_type"], "user.registered.v1");
  EXPECT_EQ(h["content-type"], "application/json");
  Event back = from_headers(headers, e.key, e.data);
  EXPECT_EQ(back.id, e.id);
  EXPECT_EQ(back.type, "user.registered");
  EXPECT_EQ(back.version, "v1");
  EXPECT_EQ(back.source, "auth");
  EXPECT_EQ(back.subject, "u1");
  EXPECT_EQ(back.time, e.time);
  EXPECT_EQ(back.data, e.data);
}

TEST(Envelope, RejectsIncompleteHeaders) {
  Event e{"id", "user.registered", "v1", "auth", "u1", "t", "u1", "{}"};
  auto headers = to_headers(e);
  for (const char* drop : {"ce_id", "ce_type", "ce_source", "ce_specversion", "ce_time"}) {
    auto copy = headers;
    std::erase_if(copy, [&](const auto& kv) { return kv.first == drop; });
    EXPECT_THROW(from_headers(copy, "k", "{}"), std::invalid_argument) << drop;
  }
  auto bad = headers;
  for (auto& kv : bad) {
    if (kv.first == "ce_type")
      kv.second = "user.registered";
  }
  EXPECT_THROW(from_headers(bad, "k", "{}"), std::invalid_argument);
}

TEST(Schemas, AcceptValidAndRejectInvalidData) {
  const Schemas& s = Schemas::embedded();
  EXPECT_NO_THROW(s.validate("user.registered.v1", kRegistered));
  EXPECT_THROW(s.validate("user.registered.v1", R"({"user_id":"u1"})"), SchemaError);
  EXPECT_THROW(
      s.validate(
          "user.registered.v1",
          R"({"user_id":1,"email":"a@b.de","name":"A","locale":"de","registered_at":"2026-11-21T10:00:00Z"})"),
      SchemaError);
  EXPECT_THROW(
      s.validate(
          "user.registered.v1",
          R"({"user_id":"u","email":"a@b.de","name":"A","locale":"fr","registered_at":"2026-11-21T10:00:00Z"})"),
      SchemaError);
  EXPECT_THROW(
      s.validate(
          "user.registered.v1",
          R"({"user_id":"u","email":"a@b.de","name":"A","locale":"de","registered_at":"yesterday"})"),
      SchemaError);
  EXPECT_THROW(s.validate("user.registered.v1", "not json"), SchemaError);
  EXPECT_THROW(s.validate("no.such.v1", "{}"), SchemaError);
}

TEST(Schemas, EveryTopicOfTheContractIsKnown) {
  auto topics = Schemas::embedded().topics();
  for (const char* t : {"user.registered", "call.completed", "credits.purchased", "agent.created",
                        "session.revoked", "admin.action", "appointment.booked"}) {
    EXPECT_NE(std::find(topics.begin(), topics.end(), t), topics.end()) << t;
  }
}

// ce_time orders the changes of an agent that come on different topics: two changes a few
// microseconds apart must not carry the same time (ISO-8601 strings of one length sort in time).
TEST(Time, UtcNowIsIso8601WithMilliseconds) {
  std::string t = utc_now();
  ASSERT_EQ(t.size(), 24u) << t;
  EXPECT_EQ(t[10], 'T');
  EXPECT_EQ(t.back(), 'Z');
}

TEST(Time, CeTimeHasMicrosecondsAndOrdersQuickChanges) {
  std::string t = ce_time_now();
  ASSERT_EQ(t.size(), 27u) << t;
  EXPECT_EQ(t[10], 'T');
  EXPECT_EQ(t[19], '.');
  EXPECT_EQ(t.back(), 'Z');
  for (int i = 0; i < 100; ++i) {
    auto first = ce_time_now();
    std::this_thread::sleep_for(std::chrono::microseconds(5));
    auto second = ce_time_now();
    ASSERT_LT(first, second) << i;
  }
}

}  // namespace
}  // namespace kx::events
