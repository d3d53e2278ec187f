#pragma once
// Plain HTTP request/response values shared by the server, the router, the client and handlers.
// They carry no Beast types, so handler files compile without Boost.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kx::http {

/// Header list with case-insensitive lookup; keeps order and duplicates (Set-Cookie).
class Headers {
 public:
  std::optional<std::string_view> get(std::string_view name) const;
  /// Replaces every header of that name.
  void set(std::string name, std::string value);
  /// Appends one more header of that name.
  void add(std::string name, std::string value);
  void remove(std::string_view name);
  bool has(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

bool iequals(std::string_view a, std::string_view b);

/// The caller's identity as asserted by the gateway and verified by the service.
struct Identity {
  std::string user_id;  ///< empty for anonymous requests (sign-up, login, webhooks)
  std::string role;     ///< "user", "admin", or "service:<name>" for internal calls
  bool is_admin() const { return role == "admin"; }
  bool is_service() const { return role.rfind("service:", 0) == 0; }
};

/// One parsed request as handlers see it.
struct Request {
  std::string method;
  std::string target;  ///< path and query as received
  std::string path;    ///< percent-decoded path without the query
  std::string query;   ///< raw query string without '?'
  Headers headers;
  std::string body;
  std::string request_id;
  std::string remote_address;
  std::map<std::string, std::string> params;  ///< path parameters, and "*" for a prefix tail
  Identity identity;                          ///< filled when the route requires it

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  /// One query parameter, percent-decoded; std::nullopt if absent.
  std::optional<std::string> query_param(std::string_view name) const;
  /// One cookie from the Cookie header; std::nullopt if absent.
  std::optional<std::string> cookie(std::string_view name) const;
  const std::string& param(const std::string& name) const;
};

/// Where a streamed response body goes (e.g. Server-Sent Events). Thread-safe; no call blocks:
/// bytes are queued and written by the server's I/O thread.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  /// Queues bytes for the client; false once the stream has ended (client gone, a write failed,
  /// too much queued for a slow client, close(), or the server shutting down).
  virtual bool send(std::string bytes) = 0;
  /// Ends the stream: what is queued is written, then the connection closes.
  virtual void close() = 0;
  virtual bool is_open() const = 0;
};

/// A response produced by a handler or by the server itself.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  /// Set for a streamed body: the server sends status and headers (no Content-Length; the
  /// connection closes when the stream ends), then calls this once with the sink on a worker
  /// thread. It must return promptly and keep the sink to send to later. `body` is ignored.
  std::function<void(std::shared_ptr<StreamSink>)> stream;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body, std::string content_type = "text/plain");
  static Response no_content();
};

/// Options for a Set-Cookie header.
struct CookieOptions {
  std::string path = "/";
  std::optional<std::int64_t> max_age_seconds;  ///< unset: session cookie; 0: delete
  bool http_only = true;
  bool secure = true;
  std::string same_site = "Lax";
};

/// The (name, value) pairs of a Cookie header, in order.
std::vector<std::pair<std::string_view, std::string_view>> parse_cookies(std::string_view header);

std::string set_cookie_value(std::string_view name, std::string_view value,
                             const CookieOptions& options);

std::string percent_decode(std::string_view in, bool plus_is_space = false);
/// The value without surrounding spaces and tabs (HTTP's optional whitespace, RFC 9110 5.6.3).
std::string_view trim_ows(std::string_view s);
/// The credentials of a "Bearer" value (the scheme matched case-insensitively, RFC 9110 11.1),
/// trimmed; nullopt when the value does not start with "Bearer ".
std::optional<std::string_view> bearer_token(std::string_view value);
/// 1 to max_length ASCII letters, digits or "-_.:": safe in logs, keys and headers (client
/// request ids, Idempotency-Keys).
bool is_plain_token(std::string_view s, std::size_t max_length);
std::string percent_encode(std::string_view in);
std::string reason_phrase(int status);

}  // namespace kx::http
