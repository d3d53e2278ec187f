#pragma once
// One service's part of an owner's data export (GDPR Art. 15/20): auth's GET /api/account/export
// asks every service for GET /internal/users/{user_id}/export and composes the answers.

#include <functional>
#include <string>

#include <pqxx/pqxx>

#include "kx/http/error.hpp"
#include "kx/http/router.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/pg.hpp"

namespace kx::service {

/// Everything the service holds about the owner as one JSON object text, read in the given
/// transaction. An owner the service never heard of gives empty collections, never an error.
using OwnerDataReader = std::function<std::string(pqxx::work& tx, const std::string& user_id)>;

/// Adds GET /internal/users/{user_id}/export (service access only), answering
/// {"service": <service>, "data": <read(...)>}. The reader runs in one REPEATABLE READ
/// transaction, so the parts of the export are consistent with each other.
inline void add_owner_export(http::Router& router, pg::Pool& db, std::string service,
                             OwnerDataReader read) {
  router.add(
      "GET", "/internal/users/{user_id}/export",
      [&db, service = std::move(service), read = std::move(read)](http::Request& req) {
        const auto& user_id = req.param("user_id");
        if (user_id.empty() || user_id.size() > 128)
          throw http::Error::validation({{"user_id", "Diese Benutzerkennung ist ungültig."}});
        auto data = pg::transact(db, [&](pqxx::work& tx) {
          tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
          return read(tx, user_id);
        });
        json::Writer w;
        w.begin_object().field("service", service).key("data").raw(data).end_object();
        return http::Response::json(200, w.str());
      },
      {.max_body = 0, .access = http::Access::service});
}

}  // namespace kx::service
