#pragma once
// Owners' credit accounts. All SQL of the accounts lives here.

#include <cstdint>
#include <optional>
#include <string>

#include <pqxx/pqxx>

namespace kx::billing {

struct Account {
  std::string user_id;
  std::int64_t balance_cents = 0;
  std::string opened_at;
};

class Accounts {
 public:
  /// Opens the account with a zero balance; opening twice changes nothing. Returns true when
  /// this call opened it.
  static bool open(pqxx::work& tx, const std::string& user_id);
  static std::optional<Account> find(pqxx::work& tx, const std::string& user_id);
};

}  // namespace kx::billing
