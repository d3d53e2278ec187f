#pragma once
// The mail area's HTTP routes: the owner's notification settings, the unsubscribe page and its
// one-click POST (RFC 8058, anonymous: the signed token is the authority), the admins' mail
// list and retry (audited as admin.action "mail.retry"), and the internal endpoint through which
// auth hands over mails with secret links (never through Kafka, whose topics analytics
// consumers read).

#include "kx/events/outbox.hpp"
#include "kx/http/router.hpp"
#include "mail_queue.hpp"

namespace kx::integrations {

class MailApi {
 public:
  MailApi(pg::Pool& db, MailQueue& queue, const events::Outbox& outbox)
      : db_(db), queue_(queue), outbox_(outbox) {}

  void add_routes(http::Router& router);

  /// GET|PUT /api/settings/notifications
  http::Response get_settings(http::Request& req);
  http::Response put_settings(http::Request& req);
  /// GET /api/public/unsubscribe?token=…: a confirmation page with a POST form.
  http::Response unsubscribe_page(http::Request& req);
  /// POST /api/public/unsubscribe?token=…: turns the mail kind off.
  http::Response unsubscribe(http::Request& req);
  /// GET /api/admin/mail?state&kind&user_id&limit&offset
  http::Response list(http::Request& req);
  /// POST /api/admin/mail/{id}/retry: a failed mail goes back into the queue (attempts from 0).
  http::Response retry(http::Request& req);
  /// POST /internal/mail/send
  http::Response send(http::Request& req);

 private:
  std::string settings_json(const std::string& user_id);

  pg::Pool& db_;
  MailQueue& queue_;
  const events::Outbox& outbox_;
};

}  // namespace kx::integrations
