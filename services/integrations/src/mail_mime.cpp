#include "mail_mime.hpp"

#include <cstdio>
#include <stdexcept>

#include "kx/crypto/crypto.hpp"

namespace kx::integrations {
namespace {

constexpr std::size_t kMaxEncodedWord = 75;
constexpr std::string_view kWordStart = "=?UTF-8?B?";
constexpr std::string_view kWordEnd = "?=";
// Base64 of 45 bytes is 60 characters: 10 + 60 + 2 ≤ 75.
constexpr std::size_t kWordBytes = (kMaxEncodedWord - 12) / 4 * 3;
constexpr std::size_t kQpLine = 76;

bool is_printable_ascii(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7e)
      return false;
  return true;
}

// The start of the UTF-8 character that contains byte `i`.
std::size_t char_start(std::string_view s, std::size_t i) {
  while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80)
    --i;
  return i;
}

bool is_atext_phrase(std::string_view s) {
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '-' || c == '.' ||
          c == '_'))
      return false;
  return true;
}

std::string two_digits(int v) {
  char buf[4];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

}  // namespace

bool is_plain_address(std::string_view address) {
  if (address.empty() || address.size() > 254)
    return false;
  auto at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos)
    return false;
  for (char c : address)
    if (c <= 0x20 || c > 0x7e || c == '<' || c == '>' || c == '"' || c == ',' || c == '(' ||
        c == ')' || c == '[' || c == ']' || c == '\\' || c == ';' || c == ':')
      return false;
  return true;
}

std::optional<Mailbox> parse_mailbox(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ')
      s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
      s.remove_suffix(1);
    return s;
  };
  text = trim(text);
  for (char c : text)
    if (c == '\r' || c == '\n' || c == '\0')
      return std::nullopt;
  Mailbox box;
  auto open = text.find('<');
  if (open == std::string_view::npos) {
    box.address = std::string(text);
  } else {
    if (text.back() != '>')
      return std::nullopt;
    box.address = std::string(text.substr(open + 1, text.size() - open - 2));
    auto name = trim(text.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
      name = name.substr(1, name.size() - 2);
    if (name.find('"') != std::string_view::npos)
      return std::nullopt;
    box.name = std::string(name);
  }
  if (!is_plain_address(box.address))
    return std::nullopt;
  return box;
}

std::string encode_header_text(std::string_view text) {
  if (is_printable_ascii(text) && text.size() <= 70)
    return std::string(text);
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = pos + kWordBytes >= text.size() ? text.size() : char_start(text, pos + kWordBytes);
    if (end == pos)  // a malformed sequence longer than a word: cut it anyway
      end = std::min(text.size(), pos + kWordBytes);
    if (!out.empty())
      out += "\r\n ";
    out += kWordStart;
    out += crypto::base64_encode(text.substr(pos, end - pos));
    out += kWordEnd;
    pos = end;
  }
  return out;
}

std::string format_mailbox(const Mailbox& mailbox) {
  if (mailbox.name.empty())
    return mailbox.address;
  if (is_atext_phrase(mailbox.name) && mailbox.name.size() <= 60)
    return "\"" + mailbox.name + "\" <" + mailbox.address + ">";
  return encode_header_text(mailbox.name) + " <" + mailbox.address + ">";
}

std::string quoted_printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::string line;
  auto flush_soft = [&] {
    out += line;
    out += "=\r\n";
    line.clear();
  };
  auto put = [&](std::string_view piece) {
    // Room for the piece and a trailing "=" of a soft break.
    if (line.size() + piece.size() > kQpLine - 1)
      flush_soft();
    line += piece;
  };
  auto end_line = [&] {
    // Trailing white space would be removed by transports (RFC 2045 6.7 rule 3).
    if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
      char ws = line.back();
      line.pop_back();
      std::string enc = {'=', kHex[(ws >> 4) & 0xF], kHex[ws & 0xF]};
      put(enc);
    }
    out += line;
    out += "\r\n";
    line.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
      continue;
    if (c == '\n') {
      end_line();
      continue;
    }
    // A leading dot is encoded so that no transport's dot-stuffing can change the body.
    bool literal =
        (c >= 33 && c <= 126 && c != '=' && !(c == '.' && line.empty())) || c == ' ' || c == '\t';
    if (literal) {
      put(std::string_view(reinterpret_cast<const char*>(&text[i]), 1));
    } else {
      // Keep the bytes of one UTF-8 character on one line, so every line decodes on its own.
      std::size_t len = 1;
      if (c >= 0xF0)
        len = 4;
      else if (c >= 0xE0)
        len = 3;
      else if (c >= 0xC0)
        len = 2;
      std::string enc;
      for (std::size_t k = 0; k < len && i + k < text.size(); ++k) {
        auto b = static_cast<unsigned char>(text[i + k]);
        if (k > 0 && (b & 0xC0) != 0x80)
          break;
        enc += '=';
        enc += kHex[b >> 4];
        enc += kHex[b & 0xF];
      }
      i += enc.size() / 3 - 1;
      put(enc);
    }
  }
  if (!line.empty())
    end_line();
  return out;
}

std::string rfc5322_date(std::chrono::system_clock::time_point time,
                         std::chrono::seconds utc_offset) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto local = std::chrono::floor<std::chrono::seconds>(time) + utc_offset;
  auto day = std::chrono::floor<std::chrono::days>(local);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss hms(local - day);
  auto minutes = utc_offset.count() / 60;
  char sign = minutes < 0 ? '-' : '+';
  minutes = minutes < 0 ? -minutes : minutes;
  return std::string(kDays[std::chrono::weekday(day).c_encoding()]) + ", " +
         two_digits(static_cast<int>(static_cast<unsigned>(ymd.day()))) + " " +
         kMonths[static_cast<unsigned>(ymd.month()) - 1] + " " +
         std::to_string(static_cast<int>(ymd.year())) + " " +
         two_digits(static_cast<int>(hms.hours().count())) + ":" +
         two_digits(static_cast<int>(hms.minutes().count())) + ":" +
         two_digits(static_cast<int>(hms.seconds().count())) + " " + sign +
         two_digits(static_cast<int>(minutes / 60)) + two_digits(static_cast<int>(minutes % 60));
}

std::string build_mime(const MimeMessage& m) {
  if (!is_plain_address(m.from.address) || !is_plain_address(m.to.address))
    throw std::invalid_argument("mail address not usable");
  if (m.message_id.empty() || !is_plain_address(m.message_id))
    throw std::invalid_argument("message id not usable");
  if (m.unsubscribe_url && !is_printable_ascii(*m.unsubscribe_url))
    throw std::invalid_argument("unsubscribe url not usable");
  // "=_" never occurs in quoted-printable text, so the boundary cannot collide with a body.
  auto boundary =
      m.boundary.empty() ? "=_kx_" + crypto::hex_encode(crypto::random_bytes(12)) : m.boundary;
  std::string out;
  auto header = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  header("From", format_mailbox(m.from));
  header("To", format_mailbox(m.to));
  header("Subject", encode_header_text(m.subject));
  header("Date", rfc5322_date(m.date, m.utc_offset));
  header("Message-ID", "<" + m.message_id + ">");
  header("MIME-Version", "1.0");
  header("Auto-Submitted", "auto-generated");
  if (m.unsubscribe_url) {
    header("List-Unsubscribe", "<" + *m.unsubscribe_url + ">");
    header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
  }
  header("Content-Type", "multipart/alternative;\r\n boundary=\"" + boundary + "\"");
  out += "\r\n";
  auto part = [&](std::string_view type, std::string_view body) {
    out += "--" + boundary + "\r\n";
    out += "Content-Type: " + std::string(type) + "; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += quoted_printable(body);
  };
  part("text/plain", m.text);
  part("text/html", m.html);
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace kx::integrations
