#include "kx/text/fold.hpp"

#include <array>

namespace kx::text {
namespace {

// The Latin-1 letters U+00C0..U+00FF folded to ASCII (index = code point - 0xC0); umlauts and
// ß are spelled out, so "Bäckerei" and "Baeckerei" are the same word. × and ÷ stay as they are.
constexpr std::array<std::string_view, 64> kLatin1Folded = {
    "a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i",  "i", "i",  "i",
    "d", "n", "o", "o", "o",  "o", "oe", "",  "o", "u", "u", "u", "ue", "y", "th", "ss",
    "a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i",  "i", "i",  "i",
    "d", "n", "o", "o", "o",  "o", "oe", "",  "o", "u", "u", "u", "ue", "y", "th", "y"};

}  // namespace

std::string fold_for_matching(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      continue;
    }
    // Two-byte sequences C3 80..C3 BF are U+00C0..U+00FF; E1 BA 9E is the capital sharp s.
    auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (c == 0xC3 && next >= 0x80 && next <= 0xBF) {
      auto folded = kLatin1Folded[next - 0x80];
      out += folded.empty() ? text.substr(i, 2) : folded;
      ++i;
    } else if (text.substr(i, 3) == "\xE1\xBA\x9E") {
      out += "ss";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace kx::text
