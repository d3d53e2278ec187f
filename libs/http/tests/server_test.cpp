#include "kx/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "kx/http/client.hpp"
#include "kx/json/json.hpp"

namespace kx::http {
namespace {

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
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
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
  Client client_;
};

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

}  // namespace
}  // namespace kx::http
