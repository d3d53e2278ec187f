#include "accounts.hpp"

namespace kx::billing {
namespace {

constexpr const char* kOpenAccount =
    "INSERT INTO accounts (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING";
constexpr const char* kFindAccount = R"sql(
SELECT user_id, balance_cents,
       to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
FROM accounts WHERE user_id = $1)sql";

}  // namespace

bool Accounts::open(pqxx::work& tx, const std::string& user_id) {
  return tx.exec_params(kOpenAccount, user_id).affected_rows() == 1;
}

std::optional<Account> Accounts::find(pqxx::work& tx, const std::string& user_id) {
  auto res = tx.exec_params(kFindAccount, user_id);
  if (res.empty())
    return std::nullopt;
  return Account{res[0][0].as<std::string>(), res[0][1].as<std::int64_t>(),
                 res[0][2].as<std::string>()};
}

}  // namespace kx::billing
