// The client's connect-to address: the connection goes to the given IP while the request keeps
// the URL's host, so a caller can connect to exactly the address it checked.
// And its TLS settings, made when the first https connection needs them.
#include "kx/http/client.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kx/http/server.hpp"

namespace kx::http {
namespace {

class ClientConnectAddressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router router;
    router.add(
        "GET", "/host",
        [](Request& r) { return Response::text(200, std::string(r.header("Host").value_or(""))); },
        {.access = Access::open});
    server_ = std::make_unique<Server>(ServerOptions{.service_name = "client-test"}, router);
    port_ = std::to_string(server_->start());
  }
  void TearDown() override {
    server_->stop();
    server_->wait();
  }

  std::unique_ptr<Server> server_;
  std::string port_;
  Client client_{ClientOptions{.max_retries = 0}};
};

TEST_F(ClientConnectAddressTest, ConnectsToTheAddressAndKeepsTheUrlHost) {
  // .invalid never resolves (RFC 6761): only the connect address can have reached the server.
  ClientRequest req{.url = "http://receiver.invalid:" + port_ + "/host",
                    .connect_address = "127.0.0.1"};
  auto res = client_.send(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "receiver.invalid");
}

TEST_F(ClientConnectAddressTest, AMalformedAddressIsABadUrl) {
  for (const char* address : {"localhost", "127.0.0.1:80", "[::1]", "999.1.1.1"}) {
    ClientRequest req{.url = "http://receiver.invalid:" + port_ + "/host",
                      .connect_address = address};
    try {
      client_.send(req);
      ADD_FAILURE() << address << " was accepted";
    } catch (const ClientError& e) {
      EXPECT_EQ(e.kind(), ClientError::Kind::bad_url) << address;
    }
  }
}

TEST_F(ClientConnectAddressTest, ConnectionsToDifferentAddressesAreNotShared) {
  // A kept-alive connection to 127.0.0.1 must not serve a request meant for another address.
  ClientRequest ok{.url = "http://receiver.invalid:" + port_ + "/host",
                   .connect_address = "127.0.0.1"};
  EXPECT_EQ(client_.send(ok).status, 200);
  ClientRequest other{.url = "http://receiver.invalid:" + port_ + "/host",
                      .connect_address = "::1"};
  // ::1 may or may not be reachable here; if it answers, it is the server's own v6 socket,
  // which this test server does not have: the request must fail rather than reuse.
  EXPECT_THROW(client_.send(other), ClientError);
}

}  // namespace
}  // namespace kx::http

namespace kx::http {
namespace {

// TLS settings are made at the first https connection (the CA bundle is megabytes) and shared:
// concurrent first connections of two clients all get a TLS attempt, here refused by a server
// that speaks plain HTTP, as a TLS error.
TEST_F(ClientConnectAddressTest, TheFirstHttpsConnectionsMakeTheTlsSettingsOnce) {
  Client other{ClientOptions{.max_retries = 0}};
  std::atomic<int> tls_errors = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      try {
        (i % 2 ? other : client_).send({.url = "https://127.0.0.1:" + port_ + "/host"});
      } catch (const ClientError& e) {
        if (e.kind() == ClientError::Kind::tls)
          ++tls_errors;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(tls_errors, 8);
  // Plain HTTP still works beside it.
  EXPECT_EQ(client_.send({.url = "http://127.0.0.1:" + port_ + "/host"}).status, 200);
}

TEST(Client, AConfiguredCaBundleThatCannotBeReadFailsAtStart) {
  EXPECT_ANY_THROW(Client(ClientOptions{.ca_file = "/nonexistent/ca.pem"}));
}

}  // namespace
}  // namespace kx::http
