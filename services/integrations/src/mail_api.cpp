#include "mail_api.hpp"

#include "google_client.hpp"
#include "kx/events/audit.hpp"
#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "mail_templates.hpp"

namespace kx::integrations {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr const char* kTime = "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

std::string utc(const char* column) {
  char buf[160];
  std::snprintf(buf, sizeof buf, kTime, column);
  return buf;
}

const char* kind_label(std::string_view kind) {
  return kind == "call_summary" ? "Zusammenfassungen Ihrer Anrufe"
                                : "Benachrichtigungen über neue Termine";
}

// A complete page; `body` is trusted HTML built here (no value from the request in it except
// a token checked to be URL-safe).
Response page(int status, const std::string& title, const std::string& body) {
  auto html =
      "<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"UTF-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"robots\" content=\"noindex\">\n<title>" +
      title + " – Kametrix</title>\n</head>\n<body>\n<main>\n<h1>" + title + "</h1>\n" + body +
      "\n</main>\n</body>\n</html>\n";
  auto res = Response::text(status, std::move(html), "text/html; charset=utf-8");
  res.headers.set("Cache-Control", "no-store");
  return res;
}

Response invalid_link_page() {
  return page(400, "Link ungültig",
              "<p>Dieser Abmeldelink ist ungültig oder unvollständig. Bitte verwenden Sie den "
              "vollständigen Link aus der E-Mail, oder ändern Sie Ihre Benachrichtigungen im "
              "Dashboard unter Einstellungen.</p>");
}

bool wants_html(const Request& req) {
  auto accept = req.header("Accept");
  return accept && accept->find("text/html") != std::string_view::npos;
}

}  // namespace

void MailApi::add_routes(http::Router& router) {
  router.add("GET", "/api/settings/notifications", *this, &MailApi::get_settings, {.max_body = 0});
  router.add("PUT", "/api/settings/notifications", *this, &MailApi::put_settings,
             {.max_body = 4 * 1024});
  router.add("GET", "/api/public/unsubscribe", *this, &MailApi::unsubscribe_page,
             {.max_body = 0, .access = Access::anonymous});
  router.add("POST", "/api/public/unsubscribe", *this, &MailApi::unsubscribe,
             {.max_body = 4 * 1024, .access = Access::anonymous});
  router.add("GET", "/api/admin/mail", *this, &MailApi::list,
             {.max_body = 0, .access = Access::admin});
  router.add("POST", "/api/admin/mail/{id}/retry", *this, &MailApi::retry,
             {.max_body = 0, .access = Access::admin});
  router.add("POST", "/internal/mail/send", *this, &MailApi::send,
             {.max_body = 16 * 1024, .access = Access::service});
}

std::string MailApi::settings_json(const std::string& user_id) {
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto p = tx.exec_params(
        "SELECT call_summary, new_booking FROM mail_preferences WHERE user_id = $1", user_id);
    auto o = tx.exec_params(
        "SELECT email, locale FROM mail_owners WHERE user_id = $1 AND NOT deleted", user_id);
    json::Writer w;
    w.begin_object()
        .field("call_summary", !p.empty() && p[0][0].as<bool>())
        .field("new_booking", !p.empty() && p[0][1].as<bool>())
        .field("language", o.empty() ? std::string("de") : o[0][1].as<std::string>());
    w.key("email");
    o.empty() || o[0][0].is_null() ? w.null() : w.value(o[0][0].as<std::string>());
    w.end_object();
    return w.str();
  });
}

Response MailApi::get_settings(Request& req) {
  return Response::json(200, settings_json(req.identity.user_id));
}

Response MailApi::put_settings(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader r(doc);
  // language and email come from the profile; sending them back unchanged is allowed.
  r.reject_unknown({"call_summary", "new_booking", "language", "email"});
  auto call_summary = r.required_bool("call_summary");
  auto new_booking = r.required_bool("new_booking");
  http::require_valid(r);
  pg::transact(db_, [&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO mail_preferences (user_id, call_summary, new_booking) VALUES ($1, $2, $3) "
        "ON CONFLICT (user_id) DO UPDATE SET call_summary = $2, new_booking = $3, "
        "updated_at = now()",
        req.identity.user_id, call_summary, new_booking);
  });
  return Response::json(200, settings_json(req.identity.user_id));
}

Response MailApi::unsubscribe_page(Request& req) {
  auto token = req.query_param("token");
  auto owner = token ? queue_.read_unsubscribe_token(*token) : std::nullopt;
  if (!owner)
    return invalid_link_page();
  // Only a POST changes anything: link scanners of mail providers open every GET.
  return page(200, "Benachrichtigung abbestellen",
              std::string("<p>Möchten Sie die ") + kind_label(owner->second) +
                  " nicht mehr per E-Mail erhalten?</p>\n"
                  "<form method=\"post\" action=\"/api/public/unsubscribe?token=" +
                  *token +
                  "\">\n<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n"
                  "<button type=\"submit\">Abbestellen</button>\n</form>\n"
                  "<p>Sie können Ihre Benachrichtigungen jederzeit im Dashboard unter "
                  "Einstellungen wieder einschalten.</p>");
}

Response MailApi::unsubscribe(Request& req) {
  auto token = req.query_param("token");
  auto owner = token ? queue_.read_unsubscribe_token(*token) : std::nullopt;
  if (!owner) {
    if (wants_html(req))
      return invalid_link_page();
    throw Error::bad_request("Der Abmeldelink ist ungültig.", "invalid_token");
  }
  const auto& [user_id, kind] = *owner;
  pg::transact(db_, [&](pqxx::work& tx) {
    tx.exec_params("INSERT INTO mail_preferences (user_id) VALUES ($1) ON CONFLICT DO NOTHING",
                   user_id);
    tx.exec_params("UPDATE mail_preferences SET " + tx.quote_name(kind) +
                       " = false, updated_at = now() WHERE user_id = $1",
                   user_id);
  });
  log::info("mail unsubscribed", {{"user_id", user_id}, {"kind", kind}});
  if (wants_html(req))
    return page(200, "Abbestellt",
                std::string("<p>Sie erhalten keine ") + kind_label(kind) +
                    " mehr per E-Mail.</p>\n<p>Sie können sie jederzeit im Dashboard unter "
                    "Einstellungen wieder einschalten.</p>");
  json::Writer w;
  w.begin_object().field("unsubscribed", true).field("kind", kind).end_object();
  return Response::json(200, w.str());
}

Response MailApi::list(Request& req) {
  http::QueryParams q(req);
  auto state = q.one_of("state", {"pending", "sent", "failed"});
  auto kind = q.text("kind", 40);
  if (kind && !is_mail_kind(*kind))
    q.add_error("kind", "Unbekannte Art von E-Mail.");
  auto user_id = q.text("user_id", 200);
  auto page = q.page(50, 200);
  q.require_valid();
  return pg::transact(db_, [&](pqxx::work& tx) {
    const char* where =
        " FROM mails WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR kind = $2) "
        "AND ($3::text IS NULL OR user_id = $3)";
    auto total = tx.exec_params(std::string("SELECT count(*)") + where, state, kind, user_id)[0][0]
                     .as<std::int64_t>();
    auto rows = tx.exec_params(
        "SELECT id, kind, user_id, recipient, subject, language, state, attempts, last_error, "
        "message_id, " +
            utc("created_at") + ", " + utc("sent_at") + ", " + utc("next_attempt_at") + where +
            " ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5",
        state, kind, user_id, page.limit, page.offset);
    json::Writer w;
    w.begin_object().key("mails").begin_array();
    for (const auto& r : rows) {
      auto opt = [&](int i) {
        return r[i].is_null() ? std::optional<std::string>() : r[i].as<std::string>();
      };
      w.begin_object()
          .field("id", r[0].as<std::string>())
          .field("kind", r[1].as<std::string>())
          .field("user_id", r[2].as<std::string>())
          .field("recipient", opt(3))
          .field("subject", opt(4))
          .field("language", opt(5))
          .field("state", r[6].as<std::string>())
          .field("attempts", r[7].as<int>())
          .field("last_error", opt(8))
          .field("message_id", "<" + r[9].as<std::string>() + ">")
          .field("created_at", r[10].as<std::string>())
          .field("sent_at", opt(11));
      w.key("next_attempt_at");
      r[6].as<std::string>() == "pending" ? w.value(r[12].as<std::string>()) : w.null();
      w.end_object();
    }
    w.end_array()
        .field("total", total)
        .field("limit", page.limit)
        .field("offset", page.offset)
        .end_object();
    return Response::json(200, w.str());
  });
}

Response MailApi::retry(Request& req) {
  const auto& id = req.param("id");
  pg::transact(db_, [&](pqxx::work& tx) {
    auto r = id.size() > 100 ? pqxx::result()
                             : tx.exec_params(
                                   "SELECT user_id, kind, state, attempts, last_error, "
                                   "raw IS NOT NULL OR params IS NOT NULL FROM mails "
                                   "WHERE id = $1 FOR UPDATE",
                                   id);
    if (r.empty())
      throw Error::not_found("Diese E-Mail gibt es nicht.");
    auto state = r[0][2].as<std::string>();
    if (state != "failed")
      throw Error::conflict("Nur fehlgeschlagene E-Mails können erneut gesendet werden.",
                            "mail_not_failed");
    // A link for e-mail confirmation or a password reset is dropped when its mail fails; the
    // user asks for a new one instead.
    if (!r[0][5].as<bool>())
      throw Error::conflict(
          "Diese E-Mail enthielt einen Link, der nicht mehr gilt. Der Empfänger kann einen neuen "
          "anfordern.",
          "mail_not_retryable");
    json::Writer before;
    before.begin_object()
        .field("state", state)
        .field("attempts", r[0][3].as<int>())
        .field("last_error",
               r[0][4].is_null() ? std::optional<std::string>() : r[0][4].as<std::string>())
        .end_object();
    tx.exec_params(
        "UPDATE mails SET state = 'pending', attempts = 0, last_error = NULL, "
        "next_attempt_at = now() WHERE id = $1",
        id);
    json::Writer after;
    after.begin_object().field("state", "pending").field("attempts", 0).end_object();
    events::publish_audit(outbox_, tx, req,
                          events::AuditRecord{.action = "mail.retry",
                                              .target_type = "mail",
                                              .target_id = id,
                                              .before = before.str(),
                                              .after = after.str(),
                                              .user_id = r[0][0].as<std::string>()});
  });
  log::info("failed mail queued again by an admin", {{"mail_id", id}});
  json::Writer w;
  w.begin_object().field("id", id).field("state", "pending").end_object();
  return Response::json(200, w.str());
}

Response MailApi::send(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader r(doc);
  r.reject_unknown({"kind", "user_id", "email", "language", "link", "expires_at"});
  DirectMail mail;
  mail.kind = r.required_string("kind", 40);
  mail.user_id = r.required_string("user_id", 200);
  mail.email = r.required_string("email", 254);
  mail.language = r.optional_string("language", 5).value_or("de");
  mail.link = r.required_string("link", 2000);
  mail.expires_at = r.required_string("expires_at", 40);
  if (!mail.kind.empty() && mail.kind != "verify_email" && mail.kind != "password_reset")
    r.add_error("kind", "Erlaubt sind verify_email und password_reset.");
  if (!mail.email.empty() && !is_plain_address(mail.email))
    r.add_error("email", "Keine gültige E-Mail-Adresse.");
  if (mail.language != "de" && mail.language != "en")
    r.add_error("language", "Erlaubt sind de und en.");
  const auto& origin = queue_.settings().public_origin;
  // Links only to our own pages: the mail must never point a user anywhere else.
  if (!mail.link.empty() && mail.link.rfind(origin + "/", 0) != 0)
    r.add_error("link", "Der Link muss auf " + origin + " zeigen.");
  for (char c : mail.link)
    if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>') {
      r.add_error("link", "Der Link enthält unzulässige Zeichen.");
      break;
    }
  if (!mail.expires_at.empty() && !parse_rfc3339(mail.expires_at))
    r.add_error("expires_at", "Kein gültiger Zeitpunkt (RFC 3339).");
  http::require_valid(r);
  auto id = queue_.queue_direct(mail);
  json::Writer w;
  w.begin_object().field("id", id).field("state", "pending").end_object();
  return Response::json(202, w.str());
}

}  // namespace kx::integrations
