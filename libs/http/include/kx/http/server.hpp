#pragma once
// Asynchronous HTTP/1.1 server on Boost.Beast (the Beast types stay in the .cpp).
//
// I/O runs on a few threads; handlers run on a separate worker pool, so a handler may block on
// the database or on another service without stalling other connections. Per connection,
// requests are answered strictly in order, one at a time: pipelined requests wait in a capped
// read buffer, which bounds the work one client can queue. Every read has a timeout (idle
// between requests, read once a request has started), every body a per-route size limit that is
// enforced before the body is read. Every response carries X-Request-Id; every request updates
// the request metrics, and errors, slow requests and a sample of the rest get an access-log line.
// /healthz, /readyz and /metrics are built in (a public edge serves no /metrics and no readiness
// reasons). stop() (or SIGTERM under run()) stops accepting, lets in-flight requests finish within
// the drain timeout and closes idle keep-alive connections.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kx/http/identity.hpp"
#include "kx/http/message.hpp"
#include "kx/http/router.hpp"

namespace kx::http {

struct ServerOptions {
  std::string service_name = "service";
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0 picks a free port (tests)
  std::size_t io_threads = 1;
  std::size_t worker_threads = 8;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds read_timeout{15'000};
  std::chrono::milliseconds drain_timeout{10'000};
  std::size_t header_limit = 16 * 1024;
  /// Open connections one client address may hold (0: no limit); a connection over it is closed
  /// as soon as it is accepted.
  std::size_t max_connections_per_address = 0;
  std::size_t unmatched_body_limit = 64 * 1024;  ///< for 404/405 answers, which read the body
  /// Verifies the gateway's identity headers; required when routes need more than Access::open.
  std::optional<IdentitySigner> identity;
  /// Last chance to adjust every response, including errors the server makes itself.
  std::function<void(const Request&, Response&)> on_response;
  /// /readyz: returns false (and a reason) while a dependency is unreachable.
  std::function<bool(std::string& reason)> readiness;
  /// A listener the internet reaches: no /metrics, and /readyz answers only {"status"}, since
  /// reasons and metrics tell an attacker what is down and how the platform is built (they are
  /// served on the local admin listener instead).
  bool public_edge = false;
  /// Request log lines: every answer with a status of 400 or more and every one slower than
  /// `slow_request` is logged; of the others, one in `log_sample_every` (1: all, 0: none), chosen
  /// by the request id, so every service logs the same requests and a sampled one can be followed
  /// through the hops. The metrics count every request either way. At 1,000 requests a second a
  /// line for each is about 17 GB a day.
  std::uint32_t log_sample_every = 1;
  std::chrono::milliseconds slow_request{1000};
};

/// Decides whether an answered request gets a log line (see ServerOptions::log_sample_every).
class RequestLogSampler {
 public:
  RequestLogSampler(std::uint32_t sample_every, std::chrono::milliseconds slow)
      : every_(sample_every), slow_(slow) {}
  bool should_log(int status, std::chrono::nanoseconds elapsed, std::string_view request_id) const;

 private:
  std::uint32_t every_;
  std::chrono::milliseconds slow_;
};

/// Thread-safe: start/stop/wait may be called from any thread.
class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts serving in background threads; returns the bound port. Throws
  /// std::runtime_error when the address cannot be bound.
  std::uint16_t start();
  /// Begins a graceful shutdown; returns at once.
  void stop();
  /// Blocks until the server has stopped (after stop() and the drain).
  void wait();
  /// start(), then serve until SIGINT or SIGTERM, then drain and return.
  void run_until_signal();
  /// True after stop() has been called (used to report not-ready while draining).
  bool draining() const;

 private:
  friend class Session;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Builds the response for a request using router semantics (404, 405, identity checks,
/// error mapping) without a socket; the server calls it, and tests can too.
Response dispatch(const Router& router, const ServerOptions& options, Request& request);

}  // namespace kx::http
