#include "link_mailer.hpp"

#include <stdexcept>

#include "kx/json/json.hpp"

namespace kx::auth {

http::ClientRequest signed_service_request(const http::IdentitySigner& signer, std::string method,
                                           const std::string& target,
                                           const std::string& request_id) {
  http::ClientRequest call;
  call.method = std::move(method);
  call.url = target;
  call.headers.set("X-Request-Id", request_id);
  signer.sign(call.headers, {"", "service:auth"}, call.method, target, request_id);
  return call;
}

IntegrationsMailer::IntegrationsMailer(std::vector<std::string> integrations_urls,
                                       const http::IdentitySigner& signer)
    : signer_(signer),
      integrations_(std::move(integrations_urls),
                    {.client = {.request_timeout = std::chrono::milliseconds(5'000)}}) {}

void IntegrationsMailer::send(const LinkMail& m, const std::string& request_id) const {
  json::Writer w;
  w.begin_object()
      .field("kind", m.kind)
      .field("user_id", m.user_id)
      .field("email", m.email)
      .field("language", m.language)
      .field("link", m.link)
      .field("expires_at", m.expires_at)
      .end_object();
  auto call = signed_service_request(signer_, "POST", "/internal/mail/send", request_id);
  call.headers.set("Content-Type", "application/json");
  call.body = w.str();
  // Integrations answers the same request again with the same id, so a retry cannot send twice.
  call.headers.set("Idempotency-Key",
                   "auth-" + m.kind + "-" + m.user_id + "-" + m.expires_at.substr(0, 19));
  auto res = integrations_.send(std::move(call));
  if (res.status != 202 && res.status != 200)
    throw std::runtime_error("integrations refused the mail with status " +
                             std::to_string(res.status));
}

}  // namespace kx::auth
