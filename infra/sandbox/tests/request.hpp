#pragma once
// A request to the sandbox's routes as the server hands it to the router (path percent-decoded,
// query split off), for tests that dispatch without a socket.

#include <string>

#include "kx/http/message.hpp"

namespace kx::sandbox {

inline http::Request test_request(const std::string& method, const std::string& target,
                                  std::string body = {}) {
  http::Request req;
  req.method = method;
  req.target = target;
  auto q = target.find('?');
  req.path = http::percent_decode(target.substr(0, q));
  req.query = q == std::string::npos ? "" : target.substr(q + 1);
  req.body = std::move(body);
  req.request_id = "test";
  return req;
}

}  // namespace kx::sandbox
