#include "api_scopes.hpp"

#include <algorithm>

namespace kx::gateway {
namespace {

bool has_odd_segment(std::string_view path) {
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = std::min(path.find('/', start), path.size());
    auto segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..")
      return true;
    start = end + 1;
  }
  return false;
}

bool under(std::string_view path, std::string_view prefix) {
  return path.substr(0, prefix.size()) == prefix &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace

const std::vector<ScopeRule>& scope_table() {
  static const std::vector<std::string> read = {"GET"};
  static const std::vector<std::string> write = {"POST", "PATCH", "PUT", "DELETE"};
  static const std::vector<ScopeRule> table = {
      {"calls:read", read, "/api/calls"},         {"calls:read", read, "/api/escalations"},
      {"credits:read", read, "/api/credits"},     {"agents:read", read, "/api/agents"},
      {"agents:write", write, "/api/agents"},     {"webhooks:read", read, "/api/webhooks"},
      {"webhooks:write", write, "/api/webhooks"}, {"bookings:read", read, "/api/bookings"},
  };
  return table;
}

bool scope_allows(const std::vector<std::string>& scopes, std::string_view method,
                  std::string_view path) {
  if (path.empty() || path[0] != '/' || has_odd_segment(path))
    return false;
  for (const auto& rule : scope_table()) {
    if (std::find(scopes.begin(), scopes.end(), rule.scope) == scopes.end())
      continue;
    if (std::find(rule.methods.begin(), rule.methods.end(), method) != rule.methods.end() &&
        under(path, rule.prefix))
      return true;
  }
  return false;
}

std::optional<std::string_view> api_key_of(const http::Request& req) {
  if (req.path.rfind("/api/", 0) != 0)
    return std::nullopt;
  auto header = req.header("Authorization");
  if (!header)
    return std::nullopt;
  return http::bearer_token(*header);
}

}  // namespace kx::gateway
