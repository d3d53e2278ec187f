#include "kx/pg/pg.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "kx/pg/testing.hpp"

namespace kx::pg {
namespace {

TEST(Pool, RunsTransactionsAndRollsBackOnError) {
  testing::ScratchSchema schema;
  Pool pool(schema.pool_options());
  transact(pool, [](pqxx::work& tx) { tx.exec("CREATE TABLE items (id int PRIMARY KEY)"); });
  transact(pool, [](pqxx::work& tx) { tx.exec("INSERT INTO items VALUES (1)"); });
  EXPECT_THROW(transact(pool,
                        [](pqxx::work& tx) {
                          tx.exec("INSERT INTO items VALUES (2)");
                          tx.exec("INSERT INTO items VALUES (1)");  // duplicate key
                        }),
               pqxx::unique_violation);
  auto count = transact(
      pool, [](pqxx::work& tx) { return tx.exec1("SELECT count(*) FROM items")[0].as<int>(); });
  EXPECT_EQ(count, 1);  // the failed transaction left nothing behind
  std::string reason;
  EXPECT_TRUE(pool.ping(reason));
}

TEST(Pool, BoundsConnectionsAndTimesOut) {
  testing::ScratchSchema schema;
  auto options = schema.pool_options(1);
  options.acquire_timeout = std::chrono::milliseconds(100);
  Pool pool(options);
  auto lease = pool.acquire();
  EXPECT_THROW(pool.acquire(), PoolTimeout);
}

TEST(Pool, UnreachableDatabaseIsReportedNotThrownByPing) {
  PoolOptions o;
  o.uri = "postgresql://nobody:x@127.0.0.1:1/none?connect_timeout=1";
  o.schema = "x";
  Pool pool(o);
  std::string reason;
  EXPECT_FALSE(pool.ping(reason));
  EXPECT_EQ(reason.find("nobody"), std::string::npos);
}

TEST(Migrate, AppliesOnceInOrderUnderConcurrency) {
  testing::ScratchSchema schema;
  // Not idempotent on purpose: applying either file twice fails or doubles the rows.
  std::vector<Migration> migrations = {
      {"svc/0002_rows.sql", "INSERT INTO things (id) VALUES (1), (2);"},
      {"svc/0001_table.sql", "CREATE TABLE things (id int PRIMARY KEY);"},
  };
  std::atomic<std::size_t> applied{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      try {
        Pool pool(schema.pool_options(1));
        applied += migrate(pool, migrations);
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(applied, 2u);
  Pool pool(schema.pool_options(1));
  EXPECT_EQ(migrate(pool, migrations), 0u);
  auto rows = transact(
      pool, [](pqxx::work& tx) { return tx.exec1("SELECT count(*) FROM things")[0].as<int>(); });
  EXPECT_EQ(rows, 2);
}

TEST(Migrate, RefusesAnEditedAppliedMigration) {
  testing::ScratchSchema schema;
  Pool pool(schema.pool_options(1));
  migrate(pool, {{"a/0001.sql", "CREATE TABLE x (id int);"}});
  EXPECT_THROW(migrate(pool, {{"a/0001.sql", "CREATE TABLE x (id bigint);"}}), std::runtime_error);
}

}  // namespace
}  // namespace kx::pg
