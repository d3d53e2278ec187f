// Replicas: requests spread over the replicas, skip one that is gone or not ready, and only what
// is safe is sent to a second replica.
#include "kx/http/replicas.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kx/http/server.hpp"

namespace kx::http {
namespace {

using namespace std::chrono_literals;

struct Replica {
  std::atomic<int> hits{0};
  std::atomic<bool> ready{true};
  std::atomic<int> delay_ms{0};
  std::unique_ptr<Server> server;
  std::string url;

  void start() {
    Router router;
    auto handler = [this](Request&) {
      ++hits;
      if (int d = delay_ms.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(d));
      return Response::text(200, "ok");
    };
    router.add("GET", "/work", handler, {.access = Access::open});
    router.add("POST", "/work", handler, {.access = Access::open});
    ServerOptions options{.service_name = "replica-test"};
    options.readiness = [this](std::string& reason) {
      reason = ready ? "" : "not yet";
      return ready.load();
    };
    server = std::make_unique<Server>(options, router);
    url = "http://127.0.0.1:" + std::to_string(server->start());
  }
  void stop() {
    if (server) {
      server->stop();
      server->wait();
      server.reset();
    }
  }
  ~Replica() { stop(); }
};

ClientRequest req(const std::string& method) {
  ClientRequest r;
  r.method = method;
  r.url = "/work";
  return r;
}

ReplicaOptions fast() {
  ReplicaOptions o;
  o.client.request_timeout = 300ms;
  o.client.backoff = 10ms;
  o.probe_interval = 50ms;
  return o;
}

TEST(ReplicasTest, SpreadsRequestsOverEveryReplica) {
  Replica a, b, c;
  a.start(), b.start(), c.start();
  Replicas set({a.url, b.url, c.url}, fast());
  for (int i = 0; i < 30; ++i)
    ASSERT_EQ(set.send(req("GET")).status, 200);
  EXPECT_EQ(a.hits, 10);
  EXPECT_EQ(b.hits, 10);
  EXPECT_EQ(c.hits, 10);
}

TEST(ReplicasTest, AStoppedReplicaIsSkippedEvenForPosts) {
  Replica a, b;
  a.start(), b.start();
  Replicas set({a.url, b.url}, fast());
  a.stop();
  // A refused connection sent nothing, so even a POST goes on to the other replica.
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(set.send(req("POST")).status, 200) << i;
  EXPECT_EQ(b.hits, 20);
}

TEST(ReplicasTest, ANotReadyReplicaGetsNoRequestsUntilItIsReadyAgain) {
  Replica a, b;
  a.start(), b.start();
  Replicas set({a.url, b.url}, fast());
  a.ready = false;
  for (int i = 0; i < 100 && set.available() != 1; ++i)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(set.available(), 1u);
  int before = a.hits;
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(set.send(req("GET")).status, 200);
  EXPECT_EQ(a.hits, before);
  a.ready = true;
  for (int i = 0; i < 100 && set.available() != 2; ++i)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(set.available(), 2u);
  for (int i = 0; i < 10; ++i)
    set.send(req("GET"));
  EXPECT_GT(a.hits, before);
}

TEST(ReplicasTest, ATimedOutGetGoesToAnotherReplicaButAPostDoesNot) {
  Replica slow, quick;
  slow.start(), quick.start();
  slow.delay_ms = 1'000;
  auto options = fast();
  options.probe_interval = 0ms;
  // Only the slow replica is first in line for every request of this test.
  Replicas get_set({slow.url, quick.url}, options);
  int got = 0;
  for (int i = 0; i < 4; ++i)
    got += get_set.send(req("GET")).status == 200;
  EXPECT_EQ(got, 4);  // the ones that hit the slow replica first were retried on the quick one

  Replicas post_set({slow.url}, options);
  int before = slow.hits;
  EXPECT_THROW(post_set.send(req("POST")), ClientError);
  std::this_thread::sleep_for(1'100ms);
  EXPECT_EQ(slow.hits, before + 1);  // sent once, never repeated
}

TEST(ReplicasTest, EveryReplicaGoneIsAConnectError) {
  Replica a;
  a.start();
  auto url = a.url;
  a.stop();
  Replicas set({url}, fast());
  try {
    set.send(req("GET"));
    FAIL() << "expected an error";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind(), ClientError::Kind::connect);
  }
}

}  // namespace
}  // namespace kx::http
