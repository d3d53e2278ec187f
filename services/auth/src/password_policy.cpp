#include "password_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace kx::auth {
namespace {

constexpr std::array<std::string_view, 48> kCommonPasswords = {
    "123456",      "12345678",    "123456789",    "1234567890", "password",  "password1",
    "passwort",    "passwort1",   "qwerty",       "qwertz",     "qwertz123", "qwerty123",
    "abc123",      "111111",      "000000",       "iloveyou",   "admin",     "admin123",
    "welcome",     "willkommen",  "hallo",        "hallo123",   "letmein",   "monkey",
    "dragon",      "football",    "fussball",     "sunshine",   "master",    "schalke04",
    "password123", "passwort123", "geheim",       "geheim123",  "11111111",  "12341234",
    "1q2w3e4r",    "asdfghjk",    "ichliebedich", "schatz",     "sommer",    "winter2024",
    "sommer2025",  "changeme",    "secret",       "kametrix",   "test1234",  "start123"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

PasswordStrength check_password(std::string_view password, std::string_view email) {
  PasswordStrength s;
  const std::string pw = lower(password);
  if (password.size() < kMinPasswordLength) {
    s.problems.push_back("Das Passwort muss mindestens 8 Zeichen lang sein.");
  }
  if (password.size() > kMaxPasswordLength) {
    s.problems.push_back("Das Passwort darf höchstens 128 Zeichen lang sein.");
  }
  if (std::find(kCommonPasswords.begin(), kCommonPasswords.end(), pw) != kCommonPasswords.end()) {
    s.problems.push_back("Dieses Passwort ist zu verbreitet. Bitte wählen Sie ein anderes.");
  }
  auto at = email.find('@');
  std::string local = lower(email.substr(0, at));
  if (local.size() >= 4 && pw.find(local) != std::string::npos) {
    s.problems.push_back("Das Passwort darf Ihre E-Mail-Adresse nicht enthalten.");
  }
  bool distinct =
      std::any_of(password.begin(), password.end(), [&](char c) { return c != password.front(); });
  if (!password.empty() && !distinct) {
    s.problems.push_back("Das Passwort darf nicht nur aus einem Zeichen bestehen.");
  }

  int classes = 0;
  auto has = [&](auto pred) { return std::any_of(password.begin(), password.end(), pred); };
  classes += has([](unsigned char c) { return std::islower(c); });
  classes += has([](unsigned char c) { return std::isupper(c); });
  classes += has([](unsigned char c) { return std::isdigit(c); });
  classes += has([](unsigned char c) { return !std::isalnum(c); });
  int score = 0;
  if (password.size() >= 8)
    ++score;
  if (password.size() >= 12)
    ++score;
  if (password.size() >= 16)
    ++score;
  if (classes >= 3)
    ++score;
  if (!s.acceptable())
    score = 0;
  s.score = std::min(score, 4);
  static const char* const kLabels[] = {"sehr schwach", "schwach", "mittel", "stark", "sehr stark"};
  s.label = kLabels[s.score];
  return s;
}

std::optional<std::string> normalize_email(std::string_view email) {
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.front())))
    email.remove_prefix(1);
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.back())))
    email.remove_suffix(1);
  if (email.size() < 3 || email.size() > 254)
    return std::nullopt;
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 ||
      email.find('@', at + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view local = email.substr(0, at), domain = email.substr(at + 1);
  if (local.size() > 64 || domain.size() < 3)
    return std::nullopt;
  auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 2 > domain.size())
    return std::nullopt;
  if (domain.front() == '-' || domain.find("..") != std::string_view::npos ||
      local.find("..") != std::string_view::npos || local.front() == '.' || local.back() == '.') {
    return std::nullopt;
  }
  for (unsigned char c : local) {
    if (!(std::isalnum(c) || std::string_view("!#$%&'*+/=?^_`{|}~.-").find(static_cast<char>(c)) !=
                                 std::string_view::npos)) {
      return std::nullopt;
    }
  }
  for (unsigned char c : domain) {
    if (!(std::isalnum(c) || c == '-' || c == '.'))
      return std::nullopt;
  }
  return lower(email);
}

}  // namespace kx::auth
