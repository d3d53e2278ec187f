#pragma once
// Blocking HTTP/1.1 client on Boost.Beast and OpenSSL, meant to be called from worker threads.
// Certificates are verified (peer and host name) unless turned off for a test. Connections are
// kept alive and reused per calling thread and origin. Idempotent requests (GET, HEAD, PUT,
// DELETE, OPTIONS, or any request with an Idempotency-Key header) are retried with exponential
// backoff and jitter on connection failures and on 502/503/504.

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "kx/http/message.hpp"

namespace kx::http {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds request_timeout{10'000};  ///< whole exchange, per attempt
  int max_retries = 2;                                ///< extra attempts for idempotent requests
  std::chrono::milliseconds backoff{100};             ///< first delay; doubles each retry
  bool verify_tls = true;
  std::string ca_file;  ///< extra CA bundle (PEM); the system store is always used too
  std::size_t max_response_body = 8 * 1024 * 1024;
  std::size_t max_idle_per_origin = 16;
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  ///< http://host[:port]/path?query or https://...
  Headers headers;
  std::string body;
  /// Overrides ClientOptions::request_timeout for this request.
  std::optional<std::chrono::milliseconds> timeout;
  /// An IP address (IPv4 dotted or IPv6 without brackets) to connect to instead of resolving
  /// the URL's host, e.g. one a caller has already checked (no second lookup an attacker's DNS
  /// could answer differently). The Host header, TLS server name and certificate check stay on
  /// the URL's host. A malformed address is ClientError(bad_url).
  std::string connect_address;
};

/// The request could not be completed (no response): connection refused, timeout, TLS failure,
/// malformed response, or a bad URL.
class ClientError : public std::runtime_error {
 public:
  enum class Kind { bad_url, connect, timeout, tls, protocol };
  ClientError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

/// GET, HEAD, PUT, DELETE, OPTIONS, or a request with an Idempotency-Key header: sending it twice
/// has the effect of sending it once, so it may be retried after a failure.
bool is_idempotent(const ClientRequest& request);

/// Thread-safe: each calling thread uses its own connections.
class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends the request and returns the response (any status). Throws ClientError.
  Response send(const ClientRequest& request);
  Response get(const std::string& url, Headers headers = {});
  Response post_json(const std::string& url, std::string body, Headers headers = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kx::http
