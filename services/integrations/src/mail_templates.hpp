#pragma once
// The owners' e-mails in German and English: one mustache template per kind and language, one
// shared layout, an HTML part (every value HTML-escaped) and a plain-text part that reads well
// on its own. Thread-safe; templates are parsed once.

#include <string>
#include <string_view>
#include <vector>

#include "kx/json/json.hpp"

namespace kx::integrations {

/// welcome, verify_email, password_reset, low_balance, grace_entered, agents_paused,
/// agents_resumed, purchase_receipt, call_summary, new_booking, webhook_disabled.
const std::vector<std::string>& mail_kinds();
bool is_mail_kind(std::string_view kind);
/// Mails the owner has to ask for (and can unsubscribe from): call_summary, new_booking.
bool is_opt_in(std::string_view kind);

struct RenderedMail {
  std::string subject;
  std::string text;
  std::string html;
};

/// What a template sees besides the kind's own parameters.
struct MailFrame {
  std::string language = "de";  ///< de | en
  std::string name;             ///< the owner's name; may be empty
  std::string public_origin;    ///< links point here, e.g. https://app.kametrix.example
  std::string unsubscribe_url;  ///< opt-in mails only
};

/// Renders `kind` with `params`, a JSON object of raw values formatted here for the language:
/// "<x>_cents" → money "<x>" ("25,00 €" / "€25.00"), "<x>_count" → a number with separators,
/// "<x>_time" / "<x>_date" / "<x>_clock" (ISO-8601) → day and time / date / time of day in the
/// zone "timezone" (default Europe/Berlin), "<x>_seconds" → "3:05 Min."; other strings and
/// booleans pass as they are. Throws std::invalid_argument for an unknown kind.
RenderedMail render_mail(std::string_view kind, const MailFrame& frame, const json::Value& params);

/// "1.234,56 €" (de) / "€1,234.56" (en).
std::string format_money(std::int64_t cents, std::string_view language);

}  // namespace kx::integrations
