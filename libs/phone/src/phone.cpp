#include "kx/phone/phone.hpp"

#include <phonenumbers/phonenumberutil.h>

namespace kx::phone {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr std::size_t kMaxInput = 64;  // far beyond any number with its formatting

Kind kind_of(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::FIXED_LINE:
      return Kind::fixed_line;
    case PhoneNumberUtil::MOBILE:
      return Kind::mobile;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return Kind::fixed_line_or_mobile;
    case PhoneNumberUtil::TOLL_FREE:
      return Kind::toll_free;
    case PhoneNumberUtil::PREMIUM_RATE:
      return Kind::premium_rate;
    case PhoneNumberUtil::VOIP:
      return Kind::voip;
    default:
      return Kind::other;
  }
}

bool blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t')
      return false;
  }
  return true;
}

}  // namespace

std::variant<Number, Problem> normalize(std::string_view text, std::string_view region) {
  if (blank(text))
    return Problem::empty;
  if (text.size() > kMaxInput)
    return Problem::too_long;
  const auto* util = PhoneNumberUtil::GetInstance();
  PhoneNumber parsed;
  switch (util->Parse(std::string(text), std::string(region), &parsed)) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return Problem::invalid_country;
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return Problem::too_short;
    case PhoneNumberUtil::TOO_LONG_NSN:
      return Problem::too_long;
    default:
      return Problem::not_a_number;
  }
  switch (util->IsPossibleNumberWithReason(parsed)) {
    case PhoneNumberUtil::IS_POSSIBLE:
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return Problem::invalid_country;
    case PhoneNumberUtil::TOO_SHORT:
      return Problem::too_short;
    case PhoneNumberUtil::TOO_LONG:
      return Problem::too_long;
    default:
      return Problem::invalid;
  }
  if (!util->IsValidNumber(parsed))
    return Problem::invalid;
  Number out;
  util->Format(parsed, PhoneNumberUtil::E164, &out.e164);
  out.kind = kind_of(util->GetNumberType(parsed));
  return out;
}

std::string_view german_message(Problem problem) {
  switch (problem) {
    case Problem::empty:
      return "fehlt";
    case Problem::not_a_number:
      return "ist keine Telefonnummer (erlaubt sind Ziffern, Leerzeichen, +, -, / und Klammern)";
    case Problem::invalid_country:
      return "hat keine gültige Ländervorwahl";
    case Problem::too_short:
      return "ist zu kurz";
    case Problem::too_long:
      return "ist zu lang";
    case Problem::invalid:
      return "ist keine gültige Telefonnummer";
  }
  return "ist keine gültige Telefonnummer";
}

std::string_view english_message(Problem problem) {
  switch (problem) {
    case Problem::empty:
      return "is missing";
    case Problem::not_a_number:
      return "is not a phone number (digits, spaces, +, -, / and brackets are allowed)";
    case Problem::invalid_country:
      return "has no valid country code";
    case Problem::too_short:
      return "is too short";
    case Problem::too_long:
      return "is too long";
    case Problem::invalid:
      return "is not a valid phone number";
  }
  return "is not a valid phone number";
}

bool is_e164(std::string_view s) {
  if (s.size() < 9 || s.size() > 16 || s[0] != '+' || s[1] == '0')
    return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
  }
  return true;
}

std::string international_format(std::string_view e164) {
  const auto* util = PhoneNumberUtil::GetInstance();
  PhoneNumber parsed;
  if (!is_e164(e164) ||
      util->Parse(std::string(e164), "ZZ", &parsed) != PhoneNumberUtil::NO_PARSING_ERROR)
    return std::string(e164);
  std::string out;
  util->Format(parsed, PhoneNumberUtil::INTERNATIONAL, &out);
  return out;
}

}  // namespace kx::phone
