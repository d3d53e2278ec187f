#pragma once
// The mail area as main() wires it: read_mail_config() with the other settings (before the
// runtime opens), wire_mail() after it: consumers, routes and the sending worker.
//   SMTP_HOST, SMTP_PORT (587), SMTP_TLS (none|starttls|tls, starttls), SMTP_USER,
//   SMTP_PASSWORD, SMTP_TIMEOUT_MS (30000), MAIL_FROM, MAIL_DOMAIN (MAIL_FROM's domain),
//   PUBLIC_ORIGIN, MAIL_UNSUBSCRIBE_SECRET, MAIL_INTERVAL_MS (1000), MAIL_FIRST_RETRY_MS (30000)

#include <memory>

#include "kx/service/runtime.hpp"
#include "mail_api.hpp"

namespace kx::integrations {

struct MailConfig {
  SmtpSettings smtp;
  MailSettings mail;
  std::chrono::milliseconds interval{1'000};
};

/// Reads the settings; problems are recorded in `env` and reported by Runtime::open().
MailConfig read_mail_config(config::Env& env);

/// What the mail area keeps alive until run() returns.
struct MailArea {
  explicit MailArea(service::Runtime& rt, const MailConfig& config)
      : smtp(config.smtp), queue(rt.db(), smtp, config.mail), api(rt.db(), queue, rt.outbox()) {}
  SmtpSender smtp;
  MailQueue queue;
  MailApi api;
};

/// Registers the mail consumers, routes and worker on an opened runtime.
std::unique_ptr<MailArea> wire_mail(service::Runtime& rt, const MailConfig& config);

}  // namespace kx::integrations
