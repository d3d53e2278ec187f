#include "tokens.hpp"

#include "kx/crypto/crypto.hpp"

namespace kx::auth {
namespace {

constexpr const char* kSupersede = R"sql(
UPDATE account_tokens SET used_at = now()
WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL)sql";
constexpr const char* kInsert = R"sql(
INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at)
VALUES ($1, $2, $3, now() + make_interval(mins => $4))
RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))sql";
constexpr const char* kConsume = R"sql(
UPDATE account_tokens SET used_at = now()
WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
RETURNING user_id)sql";

constexpr const char* kPeek = R"sql(
SELECT user_id FROM account_tokens
WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now())sql";

std::optional<std::string> run(pqxx::work& tx, const char* sql, const std::string& token,
                               const std::string& purpose) {
  // A token of another length never came from issue(); no need to hash and look it up.
  if (token.size() != 43)
    return std::nullopt;
  auto res = tx.exec_params(sql, crypto::sha256_hex(token), purpose);
  if (res.empty())
    return std::nullopt;
  return res[0][0].as<std::string>();
}

}  // namespace

IssuedToken AccountTokens::issue(pqxx::work& tx, const std::string& user_id,
                                 const std::string& purpose, std::chrono::minutes ttl) {
  tx.exec_params(kSupersede, user_id, purpose);
  IssuedToken t{crypto::random_token(32), ""};
  t.expires_at = tx.exec_params1(kInsert, crypto::sha256_hex(t.token), user_id, purpose,
                                 static_cast<int>(ttl.count()))[0]
                     .as<std::string>();
  return t;
}

std::optional<std::string> AccountTokens::peek(pqxx::work& tx, const std::string& token,
                                               const std::string& purpose) {
  return run(tx, kPeek, token, purpose);
}

std::optional<std::string> AccountTokens::consume(pqxx::work& tx, const std::string& token,
                                                  const std::string& purpose) {
  return run(tx, kConsume, token, purpose);
}

}  // namespace kx::auth
