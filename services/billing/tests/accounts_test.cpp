#include "accounts.hpp"

#include <gtest/gtest.h>

#include "billing_api.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::billing {
namespace {

TEST(Accounts, UserRegisteredOpensOneZeroBalanceAccount) {
  pg::testing::ScratchSchema schema("billing");
  pg::Pool pool(schema.pool_options());
  auto migrations = events::migrations();
  for (auto& m : service::to_migrations(kx_service_migration_files()))
    migrations.push_back(m);
  pg::migrate(pool, migrations);
  events::Event e;
  e.id = "e1";
  e.type = "user.registered";
  e.data =
      R"({"user_id":"u1","email":"a@b.de","name":"A","locale":"de","registered_at":"2026-11-21T10:00:00.000Z"})";
  pg::transact(pool, [&](pqxx::work& tx) { BillingApi::on_user_registered(e, tx); });
  pg::transact(pool, [&](pqxx::work& tx) { BillingApi::on_user_registered(e, tx); });
  auto account = pg::transact(pool, [](pqxx::work& tx) { return Accounts::find(tx, "u1"); });
  ASSERT_TRUE(account.has_value());
  EXPECT_EQ(account->balance_cents, 0);
  auto none = pg::transact(pool, [](pqxx::work& tx) { return Accounts::find(tx, "u2"); });
  EXPECT_FALSE(none.has_value());
}

}  // namespace
}  // namespace kx::billing
