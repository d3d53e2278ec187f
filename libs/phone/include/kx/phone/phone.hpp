#pragma once
// Phone numbers as people write them ("030 1234567", "+49 (0)30 1234567", "0049 151 …"),
// normalised to E.164 with Google's libphonenumber, and German messages for what is wrong with
// them. Used wherever an owner types a number (forwarding and fallback numbers, the pool) and
// wherever a caller's number is shown.
//
// Thread-safe: libphonenumber's PhoneNumberUtil is an immutable process-wide singleton (its
// metadata is loaded on first use, guarded by the library).

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace kx::phone {

/// Why a text is not a usable phone number.
enum class Problem {
  empty,            ///< nothing but spaces
  not_a_number,     ///< letters or other characters no phone number has
  invalid_country,  ///< an international prefix with no country behind it
  too_short,
  too_long,
  invalid,  ///< the right length, but no number of that country looks like this
};

/// What kind of line a valid number is, as far as the numbering plan tells.
enum class Kind { fixed_line, mobile, fixed_line_or_mobile, toll_free, premium_rate, voip, other };

struct Number {
  std::string e164;  ///< e.g. "+49301234567"
  Kind kind = Kind::other;
};

/// Normalises `text` to E.164. A national number ("030 1234567") is read in `region` (ISO
/// 3166-1 alpha-2, "DE" by default); "+49 …" and "0049 …" are international. Never throws.
std::variant<Number, Problem> normalize(std::string_view text, std::string_view region = "DE");

/// The German message for a field error, completing "Die Telefonnummer …", e.g.
/// "ist zu kurz." — used as a FieldReader message ("forwarding_number": "ist zu kurz").
std::string_view german_message(Problem problem);
/// The same in English ("is too short").
std::string_view english_message(Problem problem);

/// True for "+" followed by 8 to 15 digits, the first not 0 (the E.164 shape; not a validity
/// check of the numbering plan).
bool is_e164(std::string_view text);

/// An E.164 number in the international format people read, "+49 30 1234567"; the input as it
/// is when it is not a number.
std::string international_format(std::string_view e164);

}  // namespace kx::phone
