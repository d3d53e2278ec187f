#include "kx/pg/timestamp.hpp"

#include <stdexcept>

namespace kx::pg {
namespace {

bool digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return !s.empty();
}

[[noreturn]] void refuse(std::string_view text) {
  throw std::invalid_argument("not a UTC timestamp in ISO style: " + std::string(text));
}

}  // namespace

std::string iso_utc(std::string_view text, int fraction_digits) {
  // "YYYY-MM-DD HH:MM:SS" [".f…"] "+00"
  constexpr std::size_t kSeconds = 19;
  if (text.size() < kSeconds + 3 || text.substr(text.size() - 3) != "+00" || text[4] != '-' ||
      text[7] != '-' || text[10] != ' ' || text[13] != ':' || text[16] != ':' ||
      !digits(text.substr(0, 4)) || !digits(text.substr(5, 2)) || !digits(text.substr(8, 2)) ||
      !digits(text.substr(11, 2)) || !digits(text.substr(14, 2)) || !digits(text.substr(17, 2)))
    refuse(text);
  auto fraction = text.substr(kSeconds, text.size() - 3 - kSeconds);
  if (!fraction.empty()) {
    if (fraction[0] != '.' || !digits(fraction.substr(1)))
      refuse(text);
    fraction.remove_prefix(1);
  }
  std::string out;
  out.reserve(kSeconds + 2 + static_cast<std::size_t>(fraction_digits));
  out.append(text.substr(0, kSeconds));
  out[10] = 'T';
  if (fraction_digits > 0) {
    out.push_back('.');
    for (int i = 0; i < fraction_digits; ++i)
      out.push_back(static_cast<std::size_t>(i) < fraction.size() ? fraction[i] : '0');
  }
  out.push_back('Z');
  return out;
}

std::optional<std::string> iso_utc_nullable(const std::optional<std::string>& text,
                                            int fraction_digits) {
  if (!text)
    return std::nullopt;
  return iso_utc(*text, fraction_digits);
}

}  // namespace kx::pg
