#pragma once
// Internet messages as mail servers and clients expect them (RFC 5322, MIME RFC 2045–2047):
// multipart/alternative with the plain text first and HTML last, UTF-8 bodies in
// quoted-printable, non-ASCII headers as RFC 2047 encoded-words, CRLF line ends and no line
// longer than 78 characters. Pure functions, thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kx::integrations {

/// A display name and an address ("Kametrix <no-reply@kametrix.example>").
struct Mailbox {
  std::string name;  ///< may be empty; any UTF-8
  std::string address;
};

/// "Name <local@domain>", "<local@domain>" or "local@domain"; std::nullopt for anything else,
/// including an address with spaces, control characters or angle brackets (header injection).
std::optional<Mailbox> parse_mailbox(std::string_view text);
/// A plausible address: one '@', printable ASCII without spaces, quotes, brackets or commas.
bool is_plain_address(std::string_view address);

/// `text` as a header value: unchanged when it is short printable ASCII, else RFC 2047
/// "B" encoded-words of at most 75 characters, split at character boundaries and folded with
/// CRLF SP.
std::string encode_header_text(std::string_view text);
/// The mailbox as a header value: the display name quoted or encoded, the address never.
std::string format_mailbox(const Mailbox& mailbox);
/// Quoted-printable (RFC 2045 6.7) with CRLF line ends and soft breaks keeping lines ≤ 76; any
/// "\n" or "\r\n" in `text` becomes a hard line break.
std::string quoted_printable(std::string_view text);
/// RFC 5322 date-time in the given offset, e.g. "Mon, 05 Jan 2026 10:31:00 +0100".
std::string rfc5322_date(std::chrono::system_clock::time_point time,
                         std::chrono::seconds utc_offset = std::chrono::seconds(0));

struct MimeMessage {
  Mailbox from;
  Mailbox to;
  std::string subject;
  std::string text;  ///< the plain-text part, readable on its own
  std::string html;
  std::string message_id;  ///< without angle brackets: "kind.eventid@domain"
  std::chrono::system_clock::time_point date;
  std::chrono::seconds utc_offset{0};
  /// Set on opt-in mails: List-Unsubscribe with this https URL and, for RFC 8058 one-click,
  /// List-Unsubscribe-Post.
  std::optional<std::string> unsubscribe_url;
  std::string boundary;  ///< empty: a random one
};

/// The complete message with CRLF line ends. Throws std::invalid_argument for addresses
/// is_plain_address refuses or a message id with spaces or angle brackets.
std::string build_mime(const MimeMessage& message);

}  // namespace kx::integrations
