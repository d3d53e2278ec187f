#include "call_control.hpp"

#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::telephony {

CallControl::CallControl(std::string allowed_http_prefix)
    : allowed_http_prefix_(std::move(allowed_http_prefix)),
      client_(http::ClientOptions{.connect_timeout = std::chrono::milliseconds(1'000),
                                  .max_retries = 0}) {}

bool CallControl::allowed(std::string_view url) const {
  if (url.rfind("https://", 0) == 0)
    return true;
  return !allowed_http_prefix_.empty() && url.rfind(allowed_http_prefix_ + "/", 0) == 0;
}

bool CallControl::transfer(const std::string& control_url, const std::string& number,
                           const std::string& announcement, std::chrono::milliseconds timeout) {
  if (!allowed(control_url))
    return false;
  json::Writer w;
  w.begin_object().field("type", "transfer").key("destination").begin_object();
  w.field("type", "number").field("number", number).end_object();
  w.field("content", announcement).end_object();
  http::ClientRequest call;
  call.method = "POST";
  call.url = control_url;
  call.body = w.str();
  call.timeout = timeout;
  call.headers.set("Content-Type", "application/json");
  try {
    auto res = client_.send(call);
    if (res.status >= 200 && res.status < 300)
      return true;
    log::warn("call control refused the transfer", {{"status", res.status}});
  } catch (const http::ClientError& e) {
    log::warn("call control not reachable", {{"error", e.what()}});
  }
  return false;
}

}  // namespace kx::telephony
