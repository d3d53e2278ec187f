// The local SMTP server's mailbox, for the browser and for tests. infra/dev/mailserver.py keeps
// every received message as <id>.eml (as received) and <id>.json (decoded: to, from, subject,
// date, received_at, message_id, text, html, size; "error" when unreadable) in SANDBOX_MAIL_DIR.
// These routes only read those files, and delete them for tests; ids sort by arrival time, so
// newest first is the ids in reverse order.
//
//   GET    /mail                                  the list (German HTML)
//   GET    /mail/{id}                             one mail: headers, the HTML part, the text part
//   GET    /mail/api/messages[?to=&limit=]        [{id, to, from, subject, date, received_at,
//                                                  message_id, size}], newest first
//   GET    /mail/api/messages/{id}                the same fields plus text and html (null when
//                                                  the mail has no such part) and error
//   GET    /mail/api/messages/{id}/raw            the message as received (message/rfc822)
//   DELETE /mail/api/messages                     forgets every mail
//
// A mail's HTML is whatever a service (or anyone on loopback) sent: it is shown in an iframe
// with the sandbox attribute and srcdoc, so its scripts never run and it cannot reach this
// origin; everything else is escaped.
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "sandbox.hpp"
#include "web_form.hpp"

namespace kx::sandbox {
namespace {

namespace fs = std::filesystem;
using http::Request;
using http::Response;

constexpr std::size_t kMaxIdLength = 64;
// The mail server refuses messages above 10 MiB; its JSON holds them decoded once more.
constexpr std::uintmax_t kMaxFileSize = 64 * 1024 * 1024;
constexpr std::int64_t kDefaultLimit = 200;
constexpr std::int64_t kMaxLimit = 1000;

/// The mail server's ids (letters, digits, "-", "_"): anything else, such as "." or "/", never
/// becomes part of a path.
bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdLength && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

struct StoredMail {
  std::string id;
  std::vector<std::string> to;  ///< the envelope's recipients
  std::string from;
  std::string subject;
  std::optional<std::string> date;  ///< the Date header in UTC; null when missing or unreadable
  std::string received_at;
  std::string message_id;
  std::optional<std::string> text;
  std::optional<std::string> html;
  std::optional<std::string> error;  ///< why the mail server could not decode the message
  std::int64_t size = 0;
};

std::optional<std::string> read_file(const fs::path& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec || size > kMaxFileSize)
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

/// The files the mail server wrote. Reads only; safe from any thread.
class Mailbox {
 public:
  explicit Mailbox(std::string dir) : dir_(std::move(dir)) {}

  /// Ids of the stored mails, newest first; empty while the mail server has stored nothing.
  std::vector<std::string> ids() const {
    std::vector<std::string> ids;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      auto name = it->path().filename().string();
      // The mail server writes the .json last, so a listed mail always has its .eml.
      if (name.size() > 5 && name.ends_with(".json") && valid_id(name.substr(0, name.size() - 5)))
        ids.push_back(name.substr(0, name.size() - 5));
    }
    std::sort(ids.begin(), ids.end(), std::greater<>());
    return ids;
  }

  /// nullopt for an unknown id or a file that is not the mail server's JSON.
  std::optional<StoredMail> load(const std::string& id) const {
    if (!valid_id(id))
      return std::nullopt;
    auto text = read_file(dir_ / (id + ".json"));
    if (!text)
      return std::nullopt;
    json::Document doc;
    try {
      doc = json::parse(*text);
    } catch (const json::ParseError& e) {
      log::warn("sandbox mail: unreadable JSON", {{"id", id}, {"error", e.what()}});
      return std::nullopt;
    }
    if (!doc.IsObject())
      return std::nullopt;
    StoredMail mail;
    mail.id = id;
    if (auto it = doc.FindMember("to"); it != doc.MemberEnd() && it->value.IsArray()) {
      for (const auto& address : it->value.GetArray()) {
        if (address.IsString())
          mail.to.emplace_back(address.GetString(), address.GetStringLength());
      }
    }
    mail.from = json::get_string(doc, "from");
    mail.subject = json::get_string(doc, "subject");
    mail.date = json::get_optional_string(doc, "date");
    mail.received_at = json::get_string(doc, "received_at");
    mail.message_id = json::get_string(doc, "message_id");
    mail.text = json::get_optional_string(doc, "text");
    mail.html = json::get_optional_string(doc, "html");
    mail.error = json::get_optional_string(doc, "error");
    mail.size = json::get_int(doc, "size");
    return mail;
  }

  std::optional<std::string> raw(const std::string& id) const {
    if (!valid_id(id))
      return std::nullopt;
    return read_file(dir_ / (id + ".eml"));
  }

  /// Removes every stored mail; returns how many.
  std::size_t clear() const {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      auto path = it->path();
      auto ext = path.extension().string();
      if ((ext == ".json" || ext == ".eml") && valid_id(path.stem().string()))
        files.push_back(path);
    }
    std::size_t removed = 0;
    for (const auto& path : files) {
      if (path.extension() == ".json" && fs::remove(path, ec))
        ++removed;
      else
        fs::remove(path, ec);
    }
    return removed;
  }

 private:
  fs::path dir_;
};

void write_summary(json::Writer& w, const StoredMail& mail) {
  w.field("id", mail.id).key("to").begin_array();
  for (const auto& address : mail.to)
    w.value(address);
  w.end_array();
  w.field("from", mail.from).field("subject", mail.subject).field("date", mail.date);
  w.field("received_at", mail.received_at).field("message_id", mail.message_id);
  w.field("size", mail.size);
}

/// "2026-11-29T21:37:20.658Z" as "29.11.2026, 21:37:20 UTC"; anything else as it is.
std::string german_time(const std::string& iso) {
  if (iso.size() < 19 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T')
    return iso;
  return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4) + ", " +
         iso.substr(11, 8) + " UTC";
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

/// The mail's HTML for srcdoc, with links opening outside the frame (a verification link in a
/// mail then works as in a mail program).
std::string framed_html(const std::string& html) {
  const std::string base = "<base target=\"_blank\">";
  std::string lower(html.size(), '\0');
  std::transform(html.begin(), html.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  auto head = lower.find("<head");
  auto end = head == std::string::npos ? std::string::npos : lower.find('>', head);
  if (end == std::string::npos)
    return base + html;
  return html.substr(0, end + 1) + base + html.substr(end + 1);
}

Response page(int status, const std::string& title, const std::string& body) {
  auto res = Response::text(
      status,
      "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\"><title>" +
          html_escape(title) +
          " – Kametrix-Sandbox</title><style>body{font-family:sans-serif;max-width:60rem;"
          "margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{"
          "border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}"
          "dt{font-weight:bold}dd{margin:0 0 .4rem 0}iframe{width:100%;height:32rem;border:1px "
          "solid #ccc}pre{white-space:pre-wrap;background:#f6f6f6;padding:.8rem}"
          ".error{color:#a00}</style></head><body>" +
          body + "</body></html>",
      "text/html; charset=utf-8");
  // The page itself has no scripts; the srcdoc frame inherits this policy as well.
  res.headers.set("Content-Security-Policy", "script-src 'none'; object-src 'none'");
  res.headers.set("Referrer-Policy", "no-referrer");
  return res;
}

class MailView {
 public:
  explicit MailView(const std::string& dir) : box_(dir), configured_(!dir.empty()) {}

  Response list_page(Request&) {
    if (!configured_)
      return page(503, "Mails", "<h1>Mails</h1><p class=\"error\">" + kNotConfigured + "</p>");
    std::string rows;
    std::int64_t shown = 0;
    for (const auto& id : box_.ids()) {
      if (shown == kMaxLimit)
        break;
      auto mail = box_.load(id);
      if (!mail)
        continue;
      ++shown;
      rows += "<tr><td>" + html_escape(german_time(mail->received_at)) + "</td><td>" +
              html_escape(joined(mail->to)) + "</td><td><a href=\"/mail/" + html_escape(id) +
              "\">" + html_escape(mail->subject.empty() ? "(ohne Betreff)" : mail->subject) +
              "</a></td></tr>";
    }
    std::string body =
        "<h1>Mails</h1><p>Die Mails, die die Plattform an den lokalen Mailserver geschickt hat, "
        "die neueste zuerst (höchstens " +
        std::to_string(kMaxLimit) + ").</p>";
    if (rows.empty())
      body += "<p id=\"empty\">Noch keine Mails empfangen.</p>";
    else
      body +=
          "<table><thead><tr><th>Empfangen</th><th>An</th><th>Betreff</th></tr></thead><tbody>" +
          rows + "</tbody></table>";
    return page(200, "Mails", body);
  }

  Response mail_page(Request& req) {
    const auto& id = req.param("id");
    auto mail = configured_ ? box_.load(id) : std::nullopt;
    if (!mail)
      return page(404, "Mail nicht gefunden",
                  "<p><a href=\"/mail\">← Alle Mails</a></p><h1>Diese Mail gibt es nicht "
                  "(mehr).</h1>");
    const auto& m = *mail;
    auto raw_link = "/mail/api/messages/" + html_escape(id);
    std::string body = "<p><a href=\"/mail\">← Alle Mails</a></p><h1>" +
                       html_escape(m.subject.empty() ? "(ohne Betreff)" : m.subject) +
                       "</h1><dl><dt>Von</dt><dd>" + html_escape(m.from) + "</dd><dt>An</dt><dd>" +
                       html_escape(joined(m.to)) + "</dd><dt>Datum</dt><dd>" +
                       html_escape(m.date ? german_time(*m.date) : "–") +
                       "</dd><dt>Empfangen</dt><dd>" + html_escape(german_time(m.received_at)) +
                       "</dd><dt>Message-ID</dt><dd>" + html_escape(m.message_id) +
                       "</dd><dt>Größe</dt><dd>" + std::to_string(m.size) +
                       " Bytes</dd></dl><p><a href=\"" + raw_link +
                       "/raw\">Rohfassung (.eml)</a> · <a href=\"" + raw_link + "\">JSON</a></p>";
    if (m.error)
      body += "<p class=\"error\">Der Mailserver konnte diese Mail nicht lesen: " +
              html_escape(*m.error) + "</p>";
    body += "<h2>HTML-Teil</h2>";
    if (m.html)
      body +=
          "<iframe sandbox=\"allow-popups allow-popups-to-escape-sandbox\" title=\"HTML-Teil "
          "der Mail\" srcdoc=\"" +
          html_escape(framed_html(*m.html)) + "\"></iframe>";
    else
      body += "<p>Diese Mail hat keinen HTML-Teil.</p>";
    body += "<h2>Text-Teil</h2>";
    if (m.text)
      body += "<pre>" + html_escape(*m.text) + "</pre>";
    else
      body += "<p>Diese Mail hat keinen Text-Teil.</p>";
    return page(200, m.subject.empty() ? "Mail" : m.subject, body);
  }

  Response list(Request& req) {
    require_configured();
    auto limit = kDefaultLimit;
    if (auto text = req.query_param("limit")) {
      auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
      if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > kMaxLimit)
        throw http::Error::bad_request("limit muss zwischen 1 und " + std::to_string(kMaxLimit) +
                                       " liegen.");
    }
    auto to = req.query_param("to");
    json::Writer w;
    w.begin_array();
    std::int64_t n = 0;
    for (const auto& id : box_.ids()) {
      if (n == limit)
        break;
      auto mail = box_.load(id);
      if (!mail || (to && std::none_of(mail->to.begin(), mail->to.end(),
                                       [&](const auto& a) { return http::iequals(a, *to); })))
        continue;
      w.begin_object();
      write_summary(w, *mail);
      w.end_object();
      ++n;
    }
    w.end_array();
    return Response::json(200, w.str());
  }

  Response get(Request& req) {
    auto mail = find(req);
    json::Writer w;
    w.begin_object();
    write_summary(w, mail);
    w.field("text", mail.text).field("html", mail.html);
    if (mail.error)
      w.field("error", *mail.error);
    w.end_object();
    return Response::json(200, w.str());
  }

  Response raw(Request& req) {
    const auto& id = find(req).id;
    auto bytes = box_.raw(id);
    if (!bytes)
      throw http::Error::not_found("Diese Mail gibt es nicht (mehr).");
    auto res = Response::text(200, std::move(*bytes));
    // A message declares its own charsets; message/rfc822 takes no charset parameter.
    res.headers.set("Content-Type", "message/rfc822");
    res.headers.set("Content-Disposition", "inline; filename=\"" + id + ".eml\"");
    res.headers.set("X-Content-Type-Options", "nosniff");
    return res;
  }

  Response clear(Request&) {
    require_configured();
    auto removed = box_.clear();
    log::info("sandbox mail: mailbox cleared", {{"removed", static_cast<std::int64_t>(removed)}});
    return Response::no_content();
  }

 private:
  inline static const std::string kNotConfigured =
      "Kein Mail-Verzeichnis eingerichtet (SANDBOX_MAIL_DIR).";

  void require_configured() const {
    if (!configured_)
      throw http::Error::unavailable(kNotConfigured);
  }

  StoredMail find(Request& req) const {
    require_configured();
    const auto& id = req.param("id");
    if (!valid_id(id))
      throw http::Error::bad_request("Ungültige Mail-Kennung.", "invalid_id");
    auto mail = box_.load(id);
    if (!mail)
      throw http::Error::not_found("Diese Mail gibt es nicht (mehr).");
    return std::move(*mail);
  }

  Mailbox box_;
  bool configured_;
};

}  // namespace

void add_mail_routes(http::Router& router, const SandboxSettings& settings) {
  auto view = std::make_shared<MailView>(settings.mail_dir);
  auto add = [&](const char* method, const char* pattern, Response (MailView::*fn)(Request&)) {
    router.add(method, pattern, [view, fn](Request& req) { return ((*view).*fn)(req); },
               {.max_body = 0, .access = http::Access::open});
  };
  add("GET", "/mail", &MailView::list_page);
  add("GET", "/mail/{id}", &MailView::mail_page);
  add("GET", "/mail/api/messages", &MailView::list);
  add("GET", "/mail/api/messages/{id}", &MailView::get);
  add("GET", "/mail/api/messages/{id}/raw", &MailView::raw);
  add("DELETE", "/mail/api/messages", &MailView::clear);
}

}  // namespace kx::sandbox
