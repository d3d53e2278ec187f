#pragma once
// Test support: a throw-away schema in the real PostgreSQL the test command starts
// (KX_TEST_PG_URI, a superuser URI). Tests that need a database fail loudly without it.

#include <string>

#include "kx/pg/pg.hpp"

namespace kx::pg::testing {

/// The superuser URI from KX_TEST_PG_URI; throws std::runtime_error naming the variable if unset.
std::string test_uri();

/// Creates a fresh schema on construction and drops it on destruction.
class ScratchSchema {
 public:
  explicit ScratchSchema(const std::string& prefix = "t");
  ~ScratchSchema();
  ScratchSchema(const ScratchSchema&) = delete;
  ScratchSchema& operator=(const ScratchSchema&) = delete;

  const std::string& name() const { return name_; }
  PoolOptions pool_options(std::size_t size = 4) const;

 private:
  std::string name_;
};

}  // namespace kx::pg::testing
