#pragma once
// The public API an API key reaches: which scope opens which methods under which path prefix
// (docs/api.md, "API keys"; docs/openapi.yaml describes every route). Pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kx/http/message.hpp"

namespace kx::gateway {

/// One line of the scope table: `scope` opens `methods` on `prefix` and everything below it.
struct ScopeRule {
  std::string scope;
  std::vector<std::string> methods;
  std::string prefix;
};

const std::vector<ScopeRule>& scope_table();

/// Whether a key holding `scopes` may send `method` to `path` (percent-decoded). Paths with a
/// "." or ".." segment or an empty segment are never allowed, so no spelling of a path leaves
/// the prefix a scope opened.
bool scope_allows(const std::vector<std::string>& scopes, std::string_view method,
                  std::string_view path);

/// The API key of a request to /api/*: the credentials of its "Authorization: Bearer" header.
/// Other paths (provider webhooks authenticate with their own bearer secrets) have none.
std::optional<std::string_view> api_key_of(const http::Request& req);

}  // namespace kx::gateway
