#include "mail_templates.hpp"

#include <kainjow/mustache.hpp>

#include <map>
#include <stdexcept>

#include "google_client.hpp"
#include "kx/time/format.hpp"
#include "kx/time/zone.hpp"

namespace kx::integrations {
namespace {

namespace mst = kainjow::mustache;

// A kind's words in one language. `body` is plain text with mustache tags; paragraphs are
// separated by blank lines. The HTML part is made from the same source: each paragraph a <p>,
// line breaks <br>, and a paragraph that is only a link becomes a button labelled `action`.
struct Words {
  const char* subject;
  const char* action;
  const char* body;
};

struct Template {
  Words de;
  Words en;
};

const std::map<std::string, Template, std::less<>>& templates() {
  static const std::map<std::string, Template, std::less<>> t = {
      {"welcome",
       {{"Willkommen bei Kametrix – schön, dass Sie da sind", "Zum Dashboard",
         "vielen Dank für Ihre Registrierung. Ihr Kametrix-Konto ist eingerichtet, und Ihr "
         "Telefonassistent kann schon heute Anrufe für Sie annehmen.\n\n"
         "So geht es weiter:\n"
         "1. Legen Sie Ihren ersten Assistenten an und wählen Sie eine Rufnummer.\n"
         "2. Verbinden Sie auf Wunsch Ihren Google-Kalender, damit Anrufer direkt Termine buchen "
         "können.\n"
         "3. Laden Sie Guthaben auf, sobald Ihr Startguthaben aufgebraucht ist.\n\n"
         "{{dashboard_url}}"},
        {"Welcome to Kametrix – glad to have you", "Open the dashboard",
         "thank you for signing up. Your Kametrix account is ready, and your phone assistant can "
         "start answering calls for you today.\n\n"
         "Next steps:\n"
         "1. Create your first assistant and choose a phone number.\n"
         "2. Connect your Google Calendar if callers should book appointments directly.\n"
         "3. Top up your credit once your starting credit is used up.\n\n"
         "{{dashboard_url}}"}}},
      {"verify_email",
       {{"Bitte bestätigen Sie Ihre E-Mail-Adresse", "E-Mail-Adresse bestätigen",
         "bitte bestätigen Sie Ihre E-Mail-Adresse für Kametrix über diesen Link:\n\n"
         "{{link}}\n\n"
         "Der Link ist gültig bis {{expires}}. Falls Sie kein Konto bei Kametrix angelegt haben, "
         "können Sie diese E-Mail einfach ignorieren."},
        {"Please confirm your e-mail address", "Confirm e-mail address",
         "please confirm your e-mail address for Kametrix with this link:\n\n"
         "{{link}}\n\n"
         "The link is valid until {{expires}}. If you did not create a Kametrix account, you can "
         "simply ignore this e-mail."}}},
      {"password_reset",
       {{"Ihr Passwort für Kametrix zurücksetzen", "Neues Passwort festlegen",
         "wir haben eine Anfrage erhalten, das Passwort Ihres Kametrix-Kontos zurückzusetzen. "
         "Über diesen Link legen Sie ein neues Passwort fest:\n\n"
         "{{link}}\n\n"
         "Der Link ist gültig bis {{expires}} und kann nur einmal verwendet werden. Wenn Sie "
         "die Anfrage nicht gestellt haben, ignorieren Sie diese E-Mail bitte; Ihr Passwort "
         "bleibt dann unverändert."},
        {"Reset your Kametrix password", "Choose a new password",
         "we received a request to reset the password of your Kametrix account. Use this link "
         "to choose a new password:\n\n"
         "{{link}}\n\n"
         "The link is valid until {{expires}} and can be used once. If you did not ask for "
         "this, please ignore this e-mail; your password stays unchanged."}}},
      {"low_balance",
       {{"Ihr Guthaben wird knapp", "Guthaben aufladen",
         "Ihr Guthaben beträgt nur noch {{balance}} und liegt damit unter Ihrer Warnschwelle "
         "von {{threshold}}. Damit Ihre Telefonassistenten weiterhin Anrufe annehmen, laden Sie "
         "bitte rechtzeitig Guthaben auf.\n\n"
         "{{credits_url}}"},
        {"Your credit is running low", "Top up credit",
         "your credit is down to {{balance}}, below your warning threshold of {{threshold}}. "
         "Please top up in time so that your phone assistants keep answering calls.\n\n"
         "{{credits_url}}"}}},
      {"grace_entered",
       {{"Ihr Guthaben ist aufgebraucht", "Guthaben aufladen",
         "Ihr Guthaben ist aufgebraucht (aktueller Stand: {{balance}}). Ihre Telefonassistenten "
         "nehmen vorerst weiter Anrufe an; der Fehlbetrag wird mit Ihrer nächsten Aufladung "
         "verrechnet. Wird der zulässige Fehlbetrag erreicht, pausieren Ihre Assistenten, bis "
         "wieder Guthaben vorhanden ist.\n\n"
         "{{credits_url}}"},
        {"Your credit is used up", "Top up credit",
         "your credit is used up (current balance: {{balance}}). Your phone assistants keep "
         "answering calls for now; the amount owed is settled with your next top-up. Once the "
         "allowed overdraft is reached, your assistants pause until there is credit again.\n\n"
         "{{credits_url}}"}}},
      {"agents_paused",
       {{"Ihre Telefonassistenten sind pausiert", "Guthaben aufladen",
         "Ihr Konto hat den zulässigen Fehlbetrag von {{grace_limit}} erreicht (aktueller "
         "Stand: {{balance}}). Deshalb haben wir Ihre Telefonassistenten pausiert – Anrufe "
         "werden im Moment nicht angenommen.\n\n"
         "Sobald Sie Guthaben aufladen, nehmen Ihre Assistenten automatisch wieder Anrufe an.\n\n"
         "{{credits_url}}"},
        {"Your phone assistants are paused", "Top up credit",
         "your account has reached the allowed overdraft of {{grace_limit}} (current balance: "
         "{{balance}}). We have therefore paused your phone assistants – calls are not being "
         "answered at the moment.\n\n"
         "As soon as you top up, your assistants answer calls again automatically.\n\n"
         "{{credits_url}}"}}},
      {"agents_resumed",
       {{"Ihre Telefonassistenten sind wieder aktiv", "Zum Dashboard",
         "vielen Dank für Ihre Aufladung. Ihr Guthaben beträgt jetzt {{balance}}, und Ihre "
         "Telefonassistenten nehmen wieder Anrufe an.\n\n"
         "{{dashboard_url}}"},
        {"Your phone assistants are active again", "Open the dashboard",
         "thank you for topping up. Your balance is now {{balance}}, and your phone assistants "
         "are answering calls again.\n\n"
         "{{dashboard_url}}"}}},
      {"purchase_receipt",
       {{"Zahlungsbestätigung: {{pack}} ({{amount}})", "Guthaben ansehen",
         "vielen Dank für Ihren Kauf. Das Guthaben wurde Ihrem Konto gutgeschrieben.\n\n"
         "Paket: {{pack}}\n"
         "Guthaben: {{credits}} Credits\n"
         "Betrag: {{amount}}\n"
         "Datum: {{purchased}}\n"
         "Vorgangsnummer: {{transaction_id}}\n"
         "Neuer Kontostand: {{balance}}\n\n"
         "{{credits_url}}"},
        {"Payment confirmation: {{pack}} ({{amount}})", "View credit",
         "thank you for your purchase. The credit has been added to your account.\n\n"
         "Pack: {{pack}}\n"
         "Credit: {{credits}} credits\n"
         "Amount: {{amount}}\n"
         "Date: {{purchased}}\n"
         "Reference: {{transaction_id}}\n"
         "New balance: {{balance}}\n\n"
         "{{credits_url}}"}}},
      {"call_summary",
       {{"Anruf von {{caller}} – {{agent}}", "Anruf ansehen",
         "Ihr Assistent „{{agent}}“ hat einen Anruf entgegengenommen.\n\n"
         "Anrufer: {{caller}}\n"
         "Beginn: {{started}}\n"
         "Dauer: {{duration}}\n"
         "Ergebnis: {{status}}{{#appointment_booked}}, Termin gebucht{{/appointment_booked}}\n\n"
         "Zusammenfassung:\n{{summary}}\n\n"
         "{{calls_url}}"},
        {"Call from {{caller}} – {{agent}}", "View call",
         "your assistant “{{agent}}” answered a call.\n\n"
         "Caller: {{caller}}\n"
         "Started: {{started}}\n"
         "Duration: {{duration}}\n"
         "Outcome: {{status}}{{#appointment_booked}}, appointment booked{{/appointment_booked}}"
         "\n\n"
         "Summary:\n{{summary}}\n\n"
         "{{calls_url}}"}}},
      {"new_booking",
       {{"Neuer Termin: {{start}}", "Termine ansehen",
         "Ihr Assistent „{{agent}}“ hat einen Termin für Sie gebucht.\n\n"
         "Name: {{caller_name}}\n"
         "Beginn: {{start}}\n"
         "Ende: {{end}}\n\n"
         "Der Termin steht in Ihrem Google-Kalender.\n\n"
         "{{bookings_url}}"},
        {"New appointment: {{start}}", "View appointments",
         "your assistant “{{agent}}” booked an appointment for you.\n\n"
         "Name: {{caller_name}}\n"
         "Starts: {{start}}\n"
         "Ends: {{end}}\n\n"
         "The appointment is in your Google Calendar.\n\n"
         "{{bookings_url}}"}}},
      {"webhook_disabled",
       {{"Webhook-Endpunkt deaktiviert", "Zu den Integrationen",
         "wir konnten seit {{failing_since}} keine Ereignisse an Ihren Webhook-Endpunkt "
         "zustellen:\n\n"
         "Adresse: {{url}}\n\n"
         "Deshalb haben wir den Endpunkt deaktiviert. Bitte prüfen Sie, ob Ihr System "
         "erreichbar ist, und aktivieren Sie den Endpunkt danach wieder.\n\n"
         "{{integrations_url}}"},
        {"Webhook endpoint disabled", "Go to integrations",
         "we have not been able to deliver events to your webhook endpoint since "
         "{{failing_since}}:\n\n"
         "URL: {{url}}\n\n"
         "We have therefore disabled the endpoint. Please check that your system is reachable, "
         "then enable the endpoint again.\n\n"
         "{{integrations_url}}"}}},
  };
  return t;
}

constexpr const char* kTextLayout =
    "{{greeting}}\n\n{{{content}}}\n\n{{closing}}\n\n-- \n{{footer}}\n"
    "{{#unsubscribe_url}}{{unsubscribe_note}}\n{{unsubscribe_url}}\n{{/unsubscribe_url}}";

constexpr const char* kHtmlLayout =
    "<!DOCTYPE html>\n<html lang=\"{{language}}\">\n<head>\n<meta charset=\"UTF-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>{{subject}}</title>\n</head>\n"
    "<body style=\"margin:0;padding:0;background:#f4f5f7;\">\n"
    "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
    "style=\"background:#f4f5f7;padding:24px 0;\">\n<tr><td align=\"center\">\n"
    "<table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" "
    "style=\"max-width:600px;width:100%;background:#ffffff;border-radius:8px;"
    "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2933;\">\n"
    "<tr><td style=\"padding:20px 32px;border-bottom:1px solid #e4e7eb;font-size:20px;"
    "font-weight:bold;color:#1d4ed8;\">Kametrix</td></tr>\n"
    "<tr><td style=\"padding:24px 32px;\">\n<p>{{greeting}}</p>\n{{{content}}}\n"
    "<p>{{closing}}</p>\n</td></tr>\n"
    "<tr><td style=\"padding:16px 32px;border-top:1px solid #e4e7eb;font-size:12px;"
    "color:#616e7c;\">\n<p>{{footer}}</p>\n"
    "{{#unsubscribe_url}}<p>{{unsubscribe_reason}} <a href=\"{{unsubscribe_url}}\" "
    "style=\"color:#616e7c;\">{{unsubscribe_label}}</a></p>\n{{/unsubscribe_url}}"
    "</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n";

bool is_link_tag(std::string_view paragraph) {
  if (paragraph.size() < 5 || !paragraph.starts_with("{{") || !paragraph.ends_with("}}"))
    return false;
  auto name = paragraph.substr(2, paragraph.size() - 4);
  if (name.find_first_of("{}#^/ ") != std::string_view::npos)
    return false;
  return name == "link" || name.ends_with("_url");
}

// The HTML source of a body: see Words.
std::string html_source(std::string_view body) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    auto end = body.find("\n\n", pos);
    auto paragraph =
        body.substr(pos, end == std::string_view::npos ? body.size() - pos : end - pos);
    if (is_link_tag(paragraph)) {
      out += "<p style=\"margin:24px 0;\"><a href=\"" + std::string(paragraph) +
             "\" style=\"display:inline-block;padding:10px 20px;background:#1d4ed8;"
             "color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold;\">"
             "{{action}}</a></p>\n"
             "<p style=\"font-size:12px;color:#616e7c;word-break:break-all;\">" +
             std::string(paragraph) + "</p>\n";
    } else {
      out += "<p>";
      for (char c : paragraph)
        out += c == '\n' ? std::string("<br>\n") : std::string(1, c);
      out += "</p>\n";
    }
    if (end == std::string_view::npos)
      break;
    pos = end + 2;
  }
  return out;
}

std::string render(const std::string& source, const mst::data& data, bool html) {
  mst::mustache tmpl(source);
  if (!tmpl.is_valid())
    throw std::logic_error("mail template: " + tmpl.error_message());
  if (!html)
    tmpl.set_custom_escape([](const std::string& s) { return s; });
  return tmpl.render(data);
}

std::string grouped(std::int64_t value, char separator) {
  auto digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += separator;
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

time::Language lang_of(std::string_view language) {
  return language == "en" ? time::Language::en : time::Language::de;
}

std::string status_label(std::string_view status, bool de) {
  static const std::map<std::string, std::pair<const char*, const char*>, std::less<>> labels = {
      {"completed", {"beendet", "completed"}},
      {"failed", {"fehlgeschlagen", "failed"}},
      {"no_answer", {"nicht angenommen", "not answered"}},
      {"busy", {"besetzt", "busy"}},
      {"transferred", {"weitergeleitet", "transferred"}},
      {"escalated", {"an Mitarbeiter übergeben", "handed over to staff"}},
      {"voicemail", {"Mailbox", "voicemail"}},
  };
  auto it = labels.find(status);
  if (it == labels.end())
    return std::string(status);
  return de ? it->second.first : it->second.second;
}

// Adds the formatted values of `params` to `data` (see render_mail).
void add_params(mst::data& data, const json::Value& params, std::string_view language) {
  bool de = language != "en";
  auto lang = lang_of(language);
  auto zone_name = json::get_string(params, "timezone", "Europe/Berlin");
  auto zone = time::Zone::find(zone_name).value_or(time::Zone::utc());
  if (!params.IsObject())
    return;
  for (const auto& m : params.GetObject()) {
    std::string key(m.name.GetString(), m.name.GetStringLength());
    auto base = [&](std::string_view suffix) {
      return key.ends_with(suffix) ? key.substr(0, key.size() - suffix.size()) : std::string();
    };
    if (m.value.IsBool()) {
      data.set(key, m.value.GetBool());
    } else if (m.value.IsInt64()) {
      auto v = m.value.GetInt64();
      if (auto b = base("_cents"); !b.empty()) {
        data.set(b, format_money(v, language));
      } else if (b = base("_count"); !b.empty()) {
        data.set(b, grouped(v, de ? '.' : ','));
      } else if (b = base("_seconds"); !b.empty()) {
        char buf[48];
        std::snprintf(buf, sizeof buf, de ? "%lld:%02lld Min." : "%lld:%02lld min",
                      static_cast<long long>(v / 60), static_cast<long long>(v % 60));
        data.set(b, std::string(buf));
      } else {
        data.set(key, std::to_string(v));
      }
    } else if (m.value.IsString()) {
      std::string value(m.value.GetString(), m.value.GetStringLength());
      std::string b;
      for (const char* suffix : {"_time", "_date", "_clock"}) {
        if (auto candidate = base(suffix); !candidate.empty()) {
          auto t = parse_rfc3339(value);
          if (!t)
            break;
          auto local = zone.local(*t);
          std::string formatted;
          if (std::string_view(suffix) == "_date")
            formatted = time::format_date(local.date, lang);
          else if (std::string_view(suffix) == "_clock")
            formatted = time::format_clock(local.minutes, lang);
          else
            formatted = time::format_day(local.date, lang) + " " +
                        std::to_string(static_cast<int>(local.date.year())) + ", " +
                        time::format_clock(local.minutes, lang);
          data.set(candidate, formatted);
          b = candidate;
          break;
        }
      }
      if (b.empty())
        data.set(key, key == "status" ? status_label(value, de) : value);
    }
  }
}

}  // namespace

const std::vector<std::string>& mail_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> k;
    for (const auto& [name, _] : templates())
      k.push_back(name);
    return k;
  }();
  return kinds;
}

bool is_mail_kind(std::string_view kind) {
  return templates().contains(kind);
}

bool is_opt_in(std::string_view kind) {
  return kind == "call_summary" || kind == "new_booking";
}

std::string format_money(std::int64_t cents, std::string_view language) {
  auto abs = cents < 0 ? -cents : cents;
  char frac[4];
  std::snprintf(frac, sizeof frac, "%02lld", static_cast<long long>(abs % 100));
  auto sign = cents < 0 ? "-" : "";
  if (language == "en")
    return std::string(sign) + "€" + grouped(abs / 100, ',') + "." + frac;
  return std::string(sign) + grouped(abs / 100, '.') + "," + frac + " €";
}

RenderedMail render_mail(std::string_view kind, const MailFrame& frame, const json::Value& params) {
  auto it = templates().find(kind);
  if (it == templates().end())
    throw std::invalid_argument("unknown mail kind");
  bool de = frame.language != "en";
  const Words& words = de ? it->second.de : it->second.en;

  mst::data data;
  add_params(data, params, frame.language);
  const auto& o = frame.public_origin;
  data.set("dashboard_url", o + "/overview");
  data.set("credits_url", o + "/credits");
  data.set("calls_url", o + "/calls");
  data.set("bookings_url", o + "/bookings");
  data.set("integrations_url", o + "/integrations");
  data.set("settings_url", o + "/settings");
  data.set("action", std::string(words.action));
  data.set("language", de ? std::string("de") : std::string("en"));

  RenderedMail out;
  out.subject = render(words.subject, data, false);
  // A subject is one line whatever a value held.
  for (auto& c : out.subject)
    if (c == '\r' || c == '\n' || c == '\t')
      c = ' ';
  auto text_content = render(words.body, data, false);
  auto html_content = render(html_source(words.body), data, true);

  mst::data layout = data;
  layout.set("subject", out.subject);
  if (frame.name.empty())
    layout.set("greeting", std::string(de ? "Guten Tag," : "Hello,"));
  else
    layout.set("greeting", (de ? "Guten Tag " : "Hello ") + frame.name + ",");
  layout.set("closing", std::string(de ? "Freundliche Grüße\nIhr Kametrix-Team"
                                       : "Kind regards\nYour Kametrix team"));
  layout.set("footer", std::string(de ? "Diese E-Mail wurde automatisch von Kametrix versendet."
                                      : "This e-mail was sent automatically by Kametrix."));
  if (!frame.unsubscribe_url.empty()) {
    layout.set("unsubscribe_url", frame.unsubscribe_url);
    std::string reason = de ? "Sie erhalten diese E-Mail, weil Sie sie in Ihren "
                              "Benachrichtigungseinstellungen aktiviert haben."
                            : "You receive this e-mail because you turned it on in your "
                              "notification settings.";
    layout.set("unsubscribe_reason", reason);
    layout.set("unsubscribe_note", reason + (de ? " Abbestellen:" : " Unsubscribe:"));
    layout.set("unsubscribe_label",
               std::string(de ? "Diese Benachrichtigung abbestellen" : "Unsubscribe"));
  }
  layout.set("content", text_content);
  out.text = render(kTextLayout, layout, false);
  layout.set("content", html_content);
  auto html = render(kHtmlLayout, layout, true);
  // The closing's line break in HTML.
  auto pos = html.find(de ? "Freundliche Grüße\n" : "Kind regards\n");
  if (pos != std::string::npos)
    html.replace(html.find('\n', pos), 1, "<br>\n");
  out.html = std::move(html);
  return out;
}

}  // namespace kx::integrations
