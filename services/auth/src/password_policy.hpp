#pragma once
// Password and e-mail rules for sign-up: length and a list of well-known passwords rather than
// composition rules, in line with NIST SP 800-63B; a strength score for the UI.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kx::auth {

struct PasswordStrength {
  int score = 0;                      ///< 0 (very weak) .. 4 (very strong)
  std::string label;                  ///< German label for the UI
  std::vector<std::string> problems;  ///< German sentences; empty when acceptable
  bool acceptable() const { return problems.empty(); }
};

inline constexpr std::size_t kMinPasswordLength = 8;
inline constexpr std::size_t kMaxPasswordLength = 128;

PasswordStrength check_password(std::string_view password, std::string_view email);

/// The trimmed, lower-cased address, or nullopt when it is not a plausible e-mail address.
std::optional<std::string> normalize_email(std::string_view email);

}  // namespace kx::auth
