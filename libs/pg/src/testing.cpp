#include "kx/pg/testing.hpp"

#include <cstdlib>
#include <stdexcept>

#include "kx/crypto/crypto.hpp"

namespace kx::pg::testing {

std::string test_uri() {
  const char* uri = std::getenv("KX_TEST_PG_URI");
  if (!uri || !*uri) {
    throw std::runtime_error(
        "KX_TEST_PG_URI is not set: run the tests through infra/test.sh, which starts "
        "PostgreSQL and the dev broker");
  }
  return uri;
}

ScratchSchema::ScratchSchema(const std::string& prefix)
    : name_(prefix + "_" + crypto::hex_encode(crypto::random_bytes(6))) {
  pqxx::connection conn(test_uri());
  pqxx::nontransaction tx(conn);
  tx.exec("CREATE SCHEMA " + tx.quote_name(name_));
}

ScratchSchema::~ScratchSchema() {
  try {
    pqxx::connection conn(test_uri());
    pqxx::nontransaction tx(conn);
    tx.exec("DROP SCHEMA IF EXISTS " + tx.quote_name(name_) + " CASCADE");
  } catch (const std::exception&) {
    // Leaving a scratch schema behind must not fail the test run.
  }
}

PoolOptions ScratchSchema::pool_options(std::size_t size) const {
  PoolOptions o;
  o.uri = test_uri();
  o.schema = name_;
  o.size = size;
  o.acquire_timeout = std::chrono::milliseconds(5000);
  return o;
}

}  // namespace kx::pg::testing
