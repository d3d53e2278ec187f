#include "mail_wiring.hpp"

#include <algorithm>

namespace kx::integrations {

MailConfig read_mail_config(config::Env& env) {
  MailConfig c;
  c.smtp.host = env.required("SMTP_HOST");
  c.smtp.port = env.port("SMTP_PORT", 587);
  auto tls = env.one_of("SMTP_TLS", "starttls", {"none", "starttls", "tls"});
  c.smtp.tls = tls == "none" ? SmtpTls::none : tls == "tls" ? SmtpTls::tls : SmtpTls::starttls;
  c.smtp.user = env.optional("SMTP_USER", "");
  c.smtp.password = env.optional_secret("SMTP_PASSWORD", 1);
  c.smtp.timeout = env.millis("SMTP_TIMEOUT_MS", c.smtp.timeout);
  bool loopback = c.smtp.host == "127.0.0.1" || c.smtp.host == "localhost" || c.smtp.host == "::1";
  if (c.smtp.tls == SmtpTls::none && !loopback)
    env.problem("SMTP_TLS=none is only allowed for a mail server on loopback");
  auto from = parse_mailbox(env.required("MAIL_FROM"));
  if (from)
    c.mail.from = *from;
  else
    env.problem("MAIL_FROM must be an address such as \"Kametrix <no-reply@example.com>\"");
  auto domain = c.mail.from.address.substr(c.mail.from.address.find('@') + 1);
  c.mail.domain = env.optional("MAIL_DOMAIN", domain);
  if (!is_plain_address("x@" + c.mail.domain))
    env.problem("MAIL_DOMAIN must be a domain name");
  c.smtp.helo_domain = c.mail.domain;
  c.mail.public_origin = env.url("PUBLIC_ORIGIN");
  c.mail.unsubscribe_secret = env.secret("MAIL_UNSUBSCRIBE_SECRET", 32);
  c.interval = env.millis("MAIL_INTERVAL_MS", c.interval);
  auto first_retry = env.millis("MAIL_FIRST_RETRY_MS", c.mail.first_retry);
  c.mail.first_retry = std::max(std::chrono::seconds(1),
                                std::chrono::duration_cast<std::chrono::seconds>(first_retry));
  return c;
}

std::unique_ptr<MailArea> wire_mail(service::Runtime& rt, const MailConfig& config) {
  auto area = std::make_unique<MailArea>(rt, config);
  auto& q = area->queue;
  rt.consume("user.registered", q, &MailQueue::on_user_registered);
  rt.consume("user.updated", q, &MailQueue::on_user_updated);
  rt.consume("user.deleted", q, &MailQueue::on_user_deleted);
  rt.consume("credits.low", q, &MailQueue::on_credits_low);
  rt.consume("credits.deducted", q, &MailQueue::on_credits_deducted);
  rt.consume("credits.exhausted", q, &MailQueue::on_credits_exhausted);
  rt.consume("credits.restored", q, &MailQueue::on_credits_restored);
  rt.consume("credits.purchased", q, &MailQueue::on_credits_purchased);
  rt.consume("call.completed", q, &MailQueue::on_calls_completed);
  rt.consume("appointment.booked", q, &MailQueue::on_appointment_booked);
  rt.consume("webhook_endpoint.disabled", q, &MailQueue::on_webhook_disabled);
  area->api.add_routes(rt.router());
  rt.every("mail", config.interval, [&q] {
    while (q.run_once() > 0) {
    }
  });
  return area;
}

}  // namespace kx::integrations
