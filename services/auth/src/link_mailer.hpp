#pragma once
// Mails with secret links (verification, password reset) go straight to integrations'
// POST /internal/mail/send, never through Kafka, so the token is not copied into the broker.

#include <memory>
#include <string>

#include "kx/http/client.hpp"
#include "kx/http/identity.hpp"
#include "kx/http/replicas.hpp"

namespace kx::auth {

struct LinkMail {
  std::string kind;  ///< "verify_email" or "password_reset"
  std::string user_id;
  std::string email;
  std::string language;  ///< "de" or "en"
  std::string link;
  std::string expires_at;  ///< RFC 3339
};

/// Sends link mails. Implementations are thread-safe.
class LinkMailer {
 public:
  virtual ~LinkMailer() = default;
  /// Hands the mail over for delivery; throws std::runtime_error when it was not accepted.
  virtual void send(const LinkMail& mail, const std::string& request_id) const = 0;
};

/// Through integrations, signed as service:auth. Blocks for the HTTP call (at most ~5 s).
class IntegrationsMailer final : public LinkMailer {
 public:
  /// `integrations_urls`: its replicas' base URLs.
  IntegrationsMailer(std::vector<std::string> integrations_urls,
                     const http::IdentitySigner& signer);
  void send(const LinkMail& mail, const std::string& request_id) const override;

 private:
  const http::IdentitySigner& signer_;
  mutable http::Replicas integrations_;
};

/// Makes a signed internal GET/POST request of auth to another service (for http::Replicas: the
/// URL is the target alone).
http::ClientRequest signed_service_request(const http::IdentitySigner& signer, std::string method,
                                           const std::string& target,
                                           const std::string& request_id);

}  // namespace kx::auth
