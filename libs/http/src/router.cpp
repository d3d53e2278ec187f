#include "kx/http/router.hpp"

#include <algorithm>

namespace kx::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string_view::npos)
      j = path.size();
    parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

bool match_pattern(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>& params) {
  auto pat = split_path(pattern);
  auto segs = split_path(path);
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (pat[i] == "*" && i + 1 == pat.size()) {
      std::string rest;
      for (std::size_t j = i; j < segs.size(); ++j)
        rest += "/" + std::string(segs[j]);
      params["*"] = rest.empty() ? "/" : rest;
      return true;
    }
    if (i >= segs.size())
      return false;
    if (pat[i].size() > 2 && pat[i].front() == '{' && pat[i].back() == '}') {
      params[std::string(pat[i].substr(1, pat[i].size() - 2))] = std::string(segs[i]);
    } else if (pat[i] != segs[i]) {
      return false;
    }
  }
  return pat.size() == segs.size();
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  routes_.push_back({std::move(method), std::move(pattern), std::move(handler), options});
}

void Router::wrap(const std::function<Handler(Handler)>& decorate) {
  for (auto& route : routes_)
    route.handler = decorate(std::move(route.handler));
}

Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!match_pattern(route.pattern, path, params))
      continue;
    // HEAD is answered by GET routes (the server drops the body).
    if (route.method == "*" || route.method == method ||
        (method == "HEAD" && route.method == "GET")) {
      result.route = &route;
      result.params = std::move(params);
      result.allowed.clear();
      return result;
    }
    if (std::find(result.allowed.begin(), result.allowed.end(), route.method) ==
        result.allowed.end()) {
      result.allowed.push_back(route.method);
    }
  }
  return result;
}

}  // namespace kx::http
