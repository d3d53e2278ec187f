#include "kx/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kx/crypto/crypto.hpp"
#include "kx/http/client.hpp"
#include "kx/json/json.hpp"

namespace kx::http {
namespace {

// A connected socket with a receive timeout.
int connect_to(std::uint16_t port, int timeout_seconds = 2) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{timeout_seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("GET", "/hello/{name}",
                [](Request& r) { return Response::text(200, "hi " + r.param("name")); },
                {.access = Access::open});
    router_.add("POST", "/echo", [](Request& r) { return Response::text(200, r.body); },
                {.max_body = 1024, .access = Access::open});
    router_.add("GET", "/slow",
                [this](Request&) {
                  slow_started_ = true;
                  std::this_thread::sleep_for(std::chrono::milliseconds(400));
                  return Response::text(200, "done");
                },
                {.access = Access::open});
    router_.add("GET", "/stream",
                [this](Request&) {
                  Response res;
                  res.headers.set("Content-Type", "text/event-stream");
                  res.stream = [this](std::shared_ptr<StreamSink> sink) {
                    sink->send("data: one\n\n");
                    sink_.set_value(sink);
                  };
                  return res;
                },
                {.access = Access::open});
    ServerOptions o;
    o.idle_timeout = std::chrono::milliseconds(500);
    o.read_timeout = std::chrono::milliseconds(500);
    o.on_response = [](const Request&, Response& res) {
      res.headers.set("X-Frame-Options", "DENY");
    };
    server_ = std::make_unique<Server>(o, router_);
    port_ = server_->start();
    base_ = "http://127.0.0.1:" + std::to_string(port_);
  }
  void TearDown() override {
    server_->stop();
    server_->wait();
  }

  // Sends raw bytes and returns everything the server sends until it closes or 1 s passes.
  std::string raw(const std::string& bytes) {
    int fd = connect_to(port_, 1);
    EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
      out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return out;
  }

  Router router_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::string base_;
  std::atomic<bool> slow_started_{false};
  std::promise<std::shared_ptr<StreamSink>> sink_;
  Client client_;
};

// Reads until `needle` has arrived (or the peer closes / 2 s pass).
std::string read_until(int fd, std::string& got, const std::string& needle) {
  char buf[4096];
  while (got.find(needle) == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

TEST_F(ServerTest, StreamsUntilTheProducerClosesOrTheClientLeaves) {
  int fd = connect_to(port_);
  std::string req = "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string got;
  read_until(fd, got, "data: one\n\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(got.find("X-Frame-Options: DENY\r\n"), std::string::npos);  // on_response ran
  EXPECT_EQ(got.find("Content-Length"), std::string::npos);
  auto sink = sink_.get_future().get();
  // The idle timeout (500 ms) does not apply to a stream.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_TRUE(sink->send("data: two\n\n"));
  read_until(fd, got, "data: two\n\n");
  EXPECT_NE(got.find("data: two\n\n"), std::string::npos);
  sink->send("data: last\n\n");
  sink->close();
  EXPECT_FALSE(sink->is_open());
  read_until(fd, got, "never");  // until the server closes
  EXPECT_NE(got.find("data: last\n\n"), std::string::npos);
  ::close(fd);

  // A client that goes away ends the stream on the server side too.
  sink_ = {};
  fd = connect_to(port_);
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  auto second = sink_.get_future().get();
  ::close(fd);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (second->is_open() && std::chrono::steady_clock::now() < deadline) {
    second->send(": ping\n\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(second->is_open());
}

TEST_F(ServerTest, AnswersWithRequestIdAndHooks) {
  Headers h;
  h.set("X-Request-Id", "abc-123");
  auto res = client_.get(base_ + "/hello/welt", h);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "hi welt");
  EXPECT_EQ(res.headers.get("X-Request-Id").value_or(""), "abc-123");
  EXPECT_EQ(res.headers.get("X-Frame-Options").value_or(""), "DENY");
  // An unsafe client id is replaced.
  h.set("X-Request-Id", "bad id\" with quotes");
  res = client_.get(base_ + "/hello/x", h);
  EXPECT_NE(res.headers.get("X-Request-Id").value_or(""), "bad id\" with quotes");
}

TEST_F(ServerTest, HealthReadinessAndMetricsAnswerWithoutRoutes) {
  EXPECT_EQ(client_.get(base_ + "/healthz").status, 200);
  EXPECT_EQ(client_.get(base_ + "/readyz").status, 200);
  client_.get(base_ + "/hello/m");
  auto metrics = client_.get(base_ + "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("kx_http_requests_total{"), std::string::npos);
}

TEST(PublicEdgeServer, ServesNoMetricsAndNoReadinessReasons) {
  ServerOptions o;
  o.public_edge = true;
  o.readiness = [](std::string& reason) {
    reason = "broker unreachable: Local: Broker transport failure";
    return false;
  };
  Server server(o, Router{});
  auto base = "http://127.0.0.1:" + std::to_string(server.start());
  Client client;
  EXPECT_EQ(client.get(base + "/healthz").status, 200);
  EXPECT_EQ(client.get(base + "/metrics").status, 404);
  auto ready = client.get(base + "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, R"({"status":"not_ready"})");
  server.stop();
  server.wait();
}

TEST(ConnectionCap, AnAddressOverItsMaximumIsClosedAtOnceAndTheRestStillServed) {
  Router router;
  router.add("GET", "/x", [](Request&) { return Response::text(200, "x"); },
             {.access = Access::open});
  ServerOptions o;
  o.max_connections_per_address = 3;
  o.idle_timeout = std::chrono::milliseconds(5'000);
  Server server(o, router);
  auto port = server.start();
  // Three idle connections hold the address's budget.
  std::vector<int> idle;
  for (int i = 0; i < 3; ++i)
    idle.push_back(connect_to(port));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // accepted and counted
  int over = connect_to(port);
  const char get[] = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
  (void)::send(over, get, sizeof get - 1, MSG_NOSIGNAL);
  char buf[256];
  EXPECT_LE(::recv(over, buf, sizeof buf, 0), 0);  // closed without an answer
  ::close(over);
  // An idle one still gets served, and a freed slot can be used again.
  ASSERT_EQ(::send(idle[0], get, sizeof get - 1, MSG_NOSIGNAL),
            static_cast<ssize_t>(sizeof get - 1));
  auto n = ::recv(idle[0], buf, sizeof buf, 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)).rfind("HTTP/1.1 200", 0), 0u);
  ::close(idle[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the server saw the close
  Client client{ClientOptions{.max_retries = 0}};
  EXPECT_EQ(client.get("http://127.0.0.1:" + std::to_string(port) + "/x").status, 200);
  for (int fd : {idle[0], idle[2]})
    ::close(fd);
  server.stop();
  server.wait();
}

TEST_F(ServerTest, RefusesOversizedBodyBeforeReadingIt) {
  ClientRequest r;
  r.method = "POST";
  r.url = base_ + "/echo";
  r.body = std::string(2048, 'x');
  auto res = client_.send(r);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(std::string(json::parse(res.body)["error"]["code"].GetString()), "payload_too_large");
  // Far above every limit: answered from the header alone, and the client still reads it.
  r.body = std::string(3 * 1024 * 1024, 'x');
  EXPECT_EQ(client_.send(r).status, 413);
  r.body = "small";
  EXPECT_EQ(client_.send(r).body, "small");
}

TEST_F(ServerTest, RefusesChunkedBodyOverLimit) {
  std::string chunk(1500, 'y');
  char size[16];
  std::snprintf(size, sizeof size, "%zx", chunk.size());
  std::string out = raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                        std::string(size) + "\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out.substr(0, 80);
}

TEST_F(ServerTest, MalformedRequestGets400) {
  std::string out = raw("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
}

TEST_F(ServerTest, PipelinedRequestsAnsweredInOrder) {
  std::string out =
      raw("GET /hello/a HTTP/1.1\r\nHost: x\r\n\r\n"
          "GET /hello/b HTTP/1.1\r\nHost: x\r\n\r\n"
          "GET /hello/c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto a = out.find("hi a"), b = out.find("hi b"), c = out.find("hi c");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(c, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(ServerTest, IdleConnectionIsClosedAfterTimeout) {
  auto t0 = std::chrono::steady_clock::now();
  std::string out = raw("GET /hello/a HTTP/1.1\r\nHost: x\r\n\r\n");  // keep-alive, then idle
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_NE(out.find("hi a"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000));  // closed by the server, not our 1 s recv
}

TEST_F(ServerTest, ConnectionReuseByClient) {
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(client_.get(base_ + "/hello/x").status, 200);
}

TEST_F(ServerTest, GracefulShutdownFinishesInFlightRequest) {
  auto pending = std::async(std::launch::async, [&] {
    Client c;
    return c.get(base_ + "/slow");
  });
  while (!slow_started_)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server_->stop();
  auto res = pending.get();
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "done");
  server_->wait();
  EXPECT_THROW(client_.get(base_ + "/hello/x"), ClientError);
  server_ = std::make_unique<Server>(ServerOptions{}, Router{});  // for TearDown
  server_->start();
}

TEST(Client, TimesOutAndRefusesBadUrls) {
  Router router;
  router.add("GET", "/sleep",
             [](Request&) {
               std::this_thread::sleep_for(std::chrono::milliseconds(300));
               return Response::text(200, "late");
             },
             {.access = Access::open});
  Server server(ServerOptions{}, router);
  auto port = server.start();
  Client client(ClientOptions{.request_timeout = std::chrono::milliseconds(100), .max_retries = 0});
  try {
    client.get("http://127.0.0.1:" + std::to_string(port) + "/sleep");
    FAIL() << "expected a timeout";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind(), ClientError::Kind::timeout);
  }
  EXPECT_THROW(client.get("ftp://x/"), ClientError);
  server.stop();
  server.wait();
  try {
    client.get("http://127.0.0.1:" + std::to_string(port) + "/sleep");
    FAIL() << "expected connection refused";
  } catch (const ClientError& e) {
    EXPECT_EQ(e.kind(), ClientError::Kind::connect);
  }
}

TEST(Client, RetriesIdempotentRequestsOn503) {
  std::atomic<int> calls{0};
  Router router;
  router.add("GET", "/flaky",
             [&](Request&) {
               return ++calls < 3 ? Response::text(503, "busy") : Response::text(200, "ok");
             },
             {.access = Access::open});
  router.add("POST", "/flaky-post",
             [&](Request&) {
               ++calls;
               return Response::text(503, "busy");
             },
             {.access = Access::open});
  Server server(ServerOptions{}, router);
  auto base = "http://127.0.0.1:" + std::to_string(server.start());
  Client client(ClientOptions{.backoff = std::chrono::milliseconds(5)});
  EXPECT_EQ(client.get(base + "/flaky").status, 200);
  EXPECT_EQ(calls, 3);
  calls = 0;
  EXPECT_EQ(client.post_json(base + "/flaky-post", "{}").status, 503);
  EXPECT_EQ(calls, 1);  // POST without Idempotency-Key is not retried
  server.stop();
  server.wait();
}

// Errors and slow requests always get their line; of the fast successes about one in N, the
// same ones in every service, since the choice follows the request id.
TEST(RequestLogSampler, LogsErrorsAndSlowRequestsAndOneInNOfTheRest) {
  using std::chrono::milliseconds;
  const RequestLogSampler sampler(100, milliseconds(1000));
  EXPECT_TRUE(sampler.should_log(500, milliseconds(1), "r-1"));
  EXPECT_TRUE(sampler.should_log(404, milliseconds(1), "r-1"));
  EXPECT_TRUE(sampler.should_log(200, milliseconds(1500), "r-1"));
  const RequestLogSampler other_service(100, milliseconds(500));
  int logged = 0;
  for (int i = 0; i < 100'000; ++i) {
    auto id = crypto::uuid_v4();
    bool here = sampler.should_log(200, milliseconds(3), id);
    EXPECT_EQ(here, other_service.should_log(204, milliseconds(3), id));
    logged += here ? 1 : 0;
  }
  EXPECT_GT(logged, 800);
  EXPECT_LT(logged, 1200);

  const RequestLogSampler all(1, milliseconds(1000)), none(0, milliseconds(1000));
  int all_logged = 0, none_logged = 0;
  for (int i = 0; i < 10; ++i) {
    all_logged += all.should_log(204, milliseconds(1), crypto::uuid_v4()) ? 1 : 0;
    none_logged += none.should_log(204, milliseconds(1), crypto::uuid_v4()) ? 1 : 0;
  }
  EXPECT_EQ(all_logged, 10);
  EXPECT_EQ(none_logged, 0);
  EXPECT_TRUE(none.should_log(503, milliseconds(1), "r-2"));
}

}  // namespace
}  // namespace kx::http
