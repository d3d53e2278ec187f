#include "event_stream.hpp"

#include <gtest/gtest.h>

#include "gateway.hpp"
#include "kx/http/error.hpp"

namespace kx::gateway {
namespace {

// Records what the hub sends; the server's sink does the same through a socket.
class RecordingSink : public http::StreamSink {
 public:
  bool send(std::string bytes) override {
    std::lock_guard lock(mutex_);
    if (!open_)
      return false;
    text_ += bytes;
    return true;
  }
  void close() override {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  bool is_open() const override {
    std::lock_guard lock(mutex_);
    return open_;
  }
  std::string text() const {
    std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
  bool open_ = true;
};

StreamEvent event(std::string id, std::string type, std::string user, std::string data = "{}") {
  return {std::move(id), std::move(type), std::move(user), std::move(data)};
}

TEST(SseFrame, CarriesIdTypeAndEveryDataLine) {
  EXPECT_EQ(sse_frame(event("e1", "call.started", "u1", R"({"caller_number":"+49"})")),
            "id: e1\nevent: call.started\ndata: {\"caller_number\":\"+49\"}\n\n");
  EXPECT_EQ(sse_frame(event("e2", "credits.low", "u1", "{\n\"a\":1\n}")),
            "id: e2\nevent: credits.low\ndata: {\ndata: \"a\":1\ndata: }\n\n");
}

TEST(EventHub, StreamsGetOnlyTheirOwnersEvents) {
  EventHub hub;
  auto anna = std::make_shared<RecordingSink>();
  auto anna_tab2 = std::make_shared<RecordingSink>();
  auto bert = std::make_shared<RecordingSink>();
  ASSERT_TRUE(hub.open("anna", anna));
  ASSERT_TRUE(hub.open("anna", anna_tab2));
  ASSERT_TRUE(hub.open("bert", bert));
  hub.publish(event("e1", "call.started", "anna", R"({"call_id":"c1"})"));
  hub.publish(event("e2", "credits.deducted", "bert", R"({"balance_cents":970})"));
  hub.publish(event("e3", "call.completed", "carla"));

  EXPECT_NE(anna->text().find("id: e1\nevent: call.started\n"), std::string::npos);
  EXPECT_EQ(anna->text(), anna_tab2->text());
  EXPECT_EQ(anna->text().find("e2"), std::string::npos);
  EXPECT_NE(bert->text().find("id: e2\nevent: credits.deducted\n"), std::string::npos);
  EXPECT_EQ(bert->text().find("e1"), std::string::npos);
  for (const auto& sink : {anna, bert})
    EXPECT_EQ(sink->text().find("e3"), std::string::npos);
}

TEST(EventHub, RevocationEndsEveryStreamOfThatUserOnly) {
  EventHub hub;
  auto anna = std::make_shared<RecordingSink>();
  auto bert = std::make_shared<RecordingSink>();
  hub.open("anna", anna);
  hub.open("bert", bert);
  hub.end_user("anna");
  EXPECT_FALSE(anna->is_open());
  EXPECT_TRUE(bert->is_open());
  EXPECT_EQ(hub.streams_of("anna"), 0u);
  hub.publish(event("e1", "call.started", "anna"));
  EXPECT_EQ(anna->text().find("e1"), std::string::npos);
}

TEST(EventHub, LastEventIdReplaysWhatWasMissed) {
  EventHub hub;
  hub.publish(event("e1", "call.started", "anna"));
  hub.publish(event("e2", "call.completed", "anna"));
  hub.publish(event("e3", "credits.deducted", "anna"));
  hub.publish(event("x1", "call.started", "bert"));
  auto back = std::make_shared<RecordingSink>();
  hub.open("anna", back, "e1");
  auto text = back->text();
  EXPECT_EQ(text.find("id: e1\n"), std::string::npos);
  auto e2 = text.find("id: e2\n");
  auto e3 = text.find("id: e3\n");
  ASSERT_NE(e2, std::string::npos);
  ASSERT_NE(e3, std::string::npos);
  EXPECT_LT(e2, e3);
  EXPECT_EQ(text.find("x1"), std::string::npos);
  // An id the backlog no longer knows replays nothing (the page reloads its data anyway).
  auto unknown = std::make_shared<RecordingSink>();
  hub.open("anna", unknown, "gone");
  EXPECT_EQ(unknown->text(), "retry: 2000\n\n");
}

TEST(EventHub, CapsStreamsPerUserAndFreesEndedOnes) {
  EventHub hub({.max_streams_per_user = 2});
  auto a = std::make_shared<RecordingSink>();
  auto b = std::make_shared<RecordingSink>();
  auto c = std::make_shared<RecordingSink>();
  EXPECT_TRUE(hub.open("anna", a));
  EXPECT_TRUE(hub.open("anna", b));
  EXPECT_FALSE(hub.open("anna", c));
  EXPECT_FALSE(c->is_open());
  EXPECT_TRUE(hub.open("bert", std::make_shared<RecordingSink>()));
  a->close();  // the browser tab went away
  auto d = std::make_shared<RecordingSink>();
  EXPECT_TRUE(hub.open("anna", d));
  EXPECT_EQ(hub.stream_count(), 3u);
}

TEST(EventHub, HeartbeatReachesEveryStream) {
  EventHub hub;
  auto a = std::make_shared<RecordingSink>();
  hub.open("anna", a);
  hub.heartbeat();
  EXPECT_NE(a->text().find(": ping\n\n"), std::string::npos);
}

TEST(EventStreamRoute, NeedsASignedInUser) {
  http::IdentitySigner signer(std::string(32, 's'));
  GatewaySettings settings;
  settings.service_urls["auth"] = {"http://127.0.0.1:9"};
  Gateway gateway(settings, signer);
  http::Request req;
  req.method = "GET";
  req.path = req.target = "/api/events";
  try {
    gateway.event_stream(req);
    FAIL() << "a stream without a session";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.status(), 401);
  }
  const auto& types = streamed_event_types();
  for (const char* type : {"call.started", "call.completed", "call.escalated", "credits.purchased",
                           "credits.deducted", "agent.updated", "phone_number.assigned"})
    EXPECT_NE(std::find(types.begin(), types.end(), type), types.end()) << type;
}

}  // namespace
}  // namespace kx::gateway
