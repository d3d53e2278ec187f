#pragma once
// The owners' e-mail queue. Consumers turn events into rows of `mails` (one per kind and
// triggering event, however often the event arrives), rendered at once when the owner is known
// and later when the owner's user.registered arrives after the triggering event. A worker sends
// the due rows over SMTP: temporary failures (connection, timeout, 4xx) are retried with
// backoff, permanent ones (5xx) recorded as failed for the admin. A crash between the server's
// "250" and the commit sends the mail again with the same Message-ID, so a duplicate is
// recognisable; nothing else sends twice.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kx/events/envelope.hpp"
#include "kx/pg/pg.hpp"
#include "mail_mime.hpp"
#include "mail_smtp.hpp"

namespace kx::integrations {

struct MailSettings {
  Mailbox from{"Kametrix", "no-reply@kametrix.example"};
  std::string domain = "kametrix.example";  ///< right side of Message-IDs
  std::string public_origin;                ///< links in mails
  std::string unsubscribe_secret;           ///< keys the unsubscribe tokens
  std::chrono::seconds first_retry{30};
  std::chrono::seconds max_retry{3600};
  int max_attempts = 40;                  ///< SMTP attempts before a temporary failure is given up
  std::chrono::hours wait_for_owner{72};  ///< an owner never announced: given up after this
  std::chrono::seconds lease{120};        ///< a claimed mail is another worker's after this
  int batch = 20;
};

/// A mail the internal endpoint asked for (verify_email, password_reset).
struct DirectMail {
  std::string kind;
  std::string user_id;
  std::string email;
  std::string language;
  std::string link;
  std::string expires_at;  ///< RFC 3339
};

/// Thread-safe; several workers (replicas) share the queue.
class MailQueue {
 public:
  MailQueue(pg::Pool& db, const SmtpSender& smtp, MailSettings settings);

  /// user.registered / user.updated: the recipient (newest event wins); registered also queues
  /// the welcome mail. user.deleted: the owner's address, preferences and mails are gone.
  void on_user_registered(const events::Event& event, pqxx::work& tx);
  void on_user_updated(const events::Event& event, pqxx::work& tx);
  void on_user_deleted(const events::Event& event, pqxx::work& tx);
  void on_credits_low(const events::Event& event, pqxx::work& tx);
  /// Queues "grace entered" when this deduction took the balance below zero.
  void on_credits_deducted(const events::Event& event, pqxx::work& tx);
  void on_credits_exhausted(const events::Event& event, pqxx::work& tx);
  void on_credits_restored(const events::Event& event, pqxx::work& tx);
  void on_credits_purchased(const events::Event& event, pqxx::work& tx);
  /// Opt-in: only when the owner turned call summaries on; test calls never. A batch's calls at
  /// once.
  void on_calls_completed(const std::vector<const events::Event*>& events, pqxx::work& tx);
  /// Opt-in: only when the owner turned new-booking mails on.
  void on_appointment_booked(const events::Event& event, pqxx::work& tx);
  void on_webhook_disabled(const events::Event& event, pqxx::work& tx);

  /// Queues a mail carrying a secret link; returns the mail id (the same for a repeated
  /// request with the same link). The link and the message are dropped once it is sent.
  std::string queue_direct(const DirectMail& mail);

  /// Sends up to one batch of due mails; returns how many it settled (sent, failed, deferred).
  int run_once();

  /// The token of the unsubscribe link for one opt-in kind of one owner.
  std::string unsubscribe_token(const std::string& user_id, const std::string& kind) const;
  /// (user_id, kind) of a valid token.
  std::optional<std::pair<std::string, std::string>> read_unsubscribe_token(
      std::string_view token) const;

  const MailSettings& settings() const { return settings_; }

 private:
  /// Inserts the mail unless (kind, event_id) is there; renders it when the owner is known.
  void queue(pqxx::work& tx, const std::string& kind, const std::string& event_id,
             const std::string& user_id, const std::string& params,
             const std::optional<std::pair<std::string, std::string>>& recipient = std::nullopt);
  /// Renders a pending mail without a message; false when its owner is not known yet.
  bool render(pqxx::work& tx, const std::string& id);
  void upsert_owner(const events::Event& event, pqxx::work& tx);

  pg::Pool& db_;
  const SmtpSender& smtp_;
  MailSettings settings_;
};

}  // namespace kx::integrations
