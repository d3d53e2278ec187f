#pragma once
// One-time tokens for the links auth mails (e-mail verification, password reset). The token
// goes into the link; only its SHA-256 is stored, and it is good for one use before it expires.

#include <chrono>
#include <optional>
#include <string>

#include <pqxx/pqxx>

namespace kx::auth {

inline constexpr const char* kVerifyEmail = "verify_email";
inline constexpr const char* kPasswordReset = "password_reset";

struct IssuedToken {
  std::string token;       ///< for the link only; never stored
  std::string expires_at;  ///< RFC 3339 UTC
};

/// Stateless; every method works inside the caller's transaction.
class AccountTokens {
 public:
  /// A new token for `purpose` valid for `ttl`; earlier unused tokens of the user for the same
  /// purpose stop working, so only the newest mail's link does.
  static IssuedToken issue(pqxx::work& tx, const std::string& user_id, const std::string& purpose,
                           std::chrono::minutes ttl);
  /// The user id of a token that `consume` would accept now, without using it up.
  static std::optional<std::string> peek(pqxx::work& tx, const std::string& token,
                                         const std::string& purpose);
  /// Uses the token up: the user id when it was unused, unexpired and for `purpose`.
  static std::optional<std::string> consume(pqxx::work& tx, const std::string& token,
                                            const std::string& purpose);
};

}  // namespace kx::auth
