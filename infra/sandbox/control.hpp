#pragma once
// Test control of the provider stand-ins, outside every provider's API surface: faults a test
// injects (an error status, Retry-After, a delay longer than the caller's timeout, a broken
// answer) and how often each route was called, so tests can assert retries and caching.
//
//   POST   /_control/faults  {"method": "PATCH", "path_prefix": "/vapi/assistant", "status": 429,
//                             "retry_after": 2, "delay_ms": 0, "kind": "", "count": 3}
//   DELETE /_control/faults  removes every fault
//   GET    /_control/stats   {"requests": {"PATCH /vapi/assistant/{id}": 4, …}}
//   DELETE /_control/stats   zeroes the counts
// The same routes answer under /vapi/_control/… and /google/_control/… as well.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kx/http/router.hpp"

namespace kx::sandbox {

/// One injected fault. It matches requests whose method equals `method` ("*" or empty: any)
/// and whose path starts with `path_prefix`, and applies to the next `count` of them (-1: until
/// removed).
struct Fault {
  std::string method;
  std::string path_prefix;
  int status = 0;        ///< answer with this status and the provider's error body (0: no)
  int retry_after = -1;  ///< Retry-After seconds on that answer (-1: none)
  int delay_ms = 0;      ///< wait this long before answering (simulates a slow provider)
  /// A provider-specific broken answer instead of a status, e.g. the language model's
  /// "error_in_200", "invalid_json", "length" (see llm.cpp).
  std::string kind;
  int count = 1;
};

/// The error body a provider answers a fault's status with.
using ErrorBody = std::string (*)(int status);

/// Faults and request counts. Thread-safe.
class Control {
 public:
  /// Counts the request under `route` ("PATCH /vapi/assistant/{id}") and returns the fault that
  /// applies to it, if any (consuming one of its uses).
  std::optional<Fault> on_request(std::string_view method, std::string_view path,
                                  const std::string& route);
  void add(Fault fault);
  void clear();
  std::string stats_json() const;
  void reset_stats();

  /// Registers a provider route: counted, faults applied (the delay, then a status answered with
  /// `error_body` and Retry-After); a fault without status reaches `handler` as its argument.
  void route(http::Router& router, const std::string& method, const std::string& pattern,
             ErrorBody error_body,
             std::function<http::Response(http::Request&, const Fault*)> handler,
             std::size_t max_body = 256 * 1024);

  /// The /_control routes.
  void add_routes(http::Router& router);

 private:
  mutable std::mutex mutex_;
  std::vector<Fault> faults_;
  std::map<std::string, std::int64_t> requests_;
};

}  // namespace kx::sandbox
