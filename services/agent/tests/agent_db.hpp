#pragma once
// A throw-away agent schema in the test PostgreSQL (the service's tables and the outbox) and
// the Agents the service runs on it.

#include "agents.hpp"
#include "kx/events/outbox.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::agent::testing {

struct AgentDb {
  explicit AgentDb(std::size_t connections = 8) : pool(schema.pool_options(connections)) {
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(pool, migrations);
  }

  pg::testing::ScratchSchema schema{"agent"};
  pg::Pool pool;
  events::Outbox outbox{events::Schemas::embedded(), "agent"};
  Agents agents{outbox};
};

}  // namespace kx::agent::testing
