#pragma once
// Maps (method, path) to a handler. Patterns are literal segments, "{name}" parameters, and an
// optional trailing "*" that matches the rest of the path (stored as param "*"). A path that
// matches no pattern is 404; a path that matches only with other methods is 405 with Allow.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "kx/http/message.hpp"

namespace kx::http {

/// Who may call a route. Every request to a service except health and metrics must carry the
/// gateway's signature; the access level then says which identity it must assert.
enum class Access {
  open,       ///< no signature needed: health, metrics, and the gateway's own public routes
  anonymous,  ///< signed by the gateway, no user needed (sign-up, login, provider webhooks)
  user,       ///< a signed-in user (or admin)
  admin,      ///< a signed-in admin
  service,    ///< another service calling an internal endpoint
};

struct RouteOptions {
  std::size_t max_body = 64 * 1024;  ///< larger bodies are refused with 413 before reading
  Access access = Access::user;
};

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;  ///< "*" matches any method
  std::string pattern;
  Handler handler;
  RouteOptions options;
};

/// Result of a lookup.
struct Match {
  const Route* route = nullptr;      ///< set when found
  std::vector<std::string> allowed;  ///< methods of the path when the method did not match
  std::map<std::string, std::string> params;
};

/// Not thread-safe to modify; lookups are read-only and may run concurrently after setup.
class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  /// The same with a member function `Response T::fn(Request&)` of `api`, which must outlive
  /// the router.
  template <class T, class Fn>
  requires std::is_member_function_pointer_v<Fn>
  void add(std::string method, std::string pattern, T& api, Fn fn, RouteOptions options = {}) {
    add(std::move(method), std::move(pattern),
        Handler([&api, fn](Request& req) { return std::invoke(fn, api, req); }), options);
  }
  Match match(std::string_view method, std::string_view path) const;
  /// Replaces every handler added so far by decorate(handler), e.g. to map infrastructure
  /// failures to one answer for all routes.
  void wrap(const std::function<Handler(Handler)>& decorate);
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace kx::http
