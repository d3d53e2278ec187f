#include "security_events.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"
#include "throttle.hpp"

namespace kx::auth {
namespace {

constexpr const char* kInsert = R"sql(
INSERT INTO security_events (id, kind, user_id, email, ip, user_agent, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb))sql";

// The rows as one JSON array, built by PostgreSQL so detail stays the stored object.
constexpr const char* kItemColumns = R"sql(
  json_build_object('id', e.id, 'kind', e.kind, 'user_id', e.user_id, 'email', e.email,
                    'ip', e.ip, 'user_agent', e.user_agent,
                    'at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                    'detail', e.detail))sql";
constexpr const char* kFilter = R"sql(
  ($1::text IS NULL OR e.user_id = $1) AND ($2::text IS NULL OR e.kind = $2)
  AND ($3::date IS NULL OR e.at >= $3::date)
  AND ($4::date IS NULL OR e.at < $4::date + 1))sql";
const std::string kPage = std::string(
                              "SELECT coalesce(json_agg(item ORDER BY at DESC, id DESC), "
                              "'[]'::json)::text FROM (SELECT e.at, e.id, ") +
                          kItemColumns + " AS item FROM security_events e WHERE " + kFilter +
                          " ORDER BY e.at DESC, e.id DESC LIMIT $5 OFFSET $6) page";
const std::string kCount = std::string("SELECT count(*) FROM security_events e WHERE ") + kFilter;
const std::string kOfUser = std::string(
                                "SELECT coalesce(json_agg(item ORDER BY at DESC, id DESC), "
                                "'[]'::json)::text FROM (SELECT e.at, e.id, ") +
                            kItemColumns +
                            " AS item FROM security_events e WHERE e.user_id = $1"
                            " ORDER BY e.at DESC, e.id DESC LIMIT $2) page";
constexpr const char* kInsertDeletion = R"sql(
INSERT INTO security_events (id, kind, user_id, detail)
VALUES ($1, 'account_deleted', $2, json_build_object('by', $3::text)))sql";
constexpr const char* kForget =
    "DELETE FROM security_events WHERE user_id = $1 OR lower(email) = lower($2)";

}  // namespace

void SecurityEvents::record(pqxx::work& tx, const std::string& kind, const http::Request& req,
                            const std::optional<std::string>& user_id, const std::string& email,
                            const std::string& detail) {
  tx.exec_params(kInsert, crypto::uuid_v7(), kind, user_id, email.substr(0, 254), client_ip(req),
                 std::string(req.header("User-Agent").value_or("")).substr(0, 512), detail);
}

std::string SecurityEvents::page_json(pqxx::work& tx, const SecurityEventFilter& f) {
  auto items = tx.exec_params1(kPage, f.user_id, f.kind, f.from, f.to, f.limit, f.offset)[0]
                   .as<std::string>();
  auto total = tx.exec_params1(kCount, f.user_id, f.kind, f.from, f.to)[0].as<std::int64_t>();
  json::Writer w;
  w.begin_object().key("items").raw(items);
  w.field("total", total).field("limit", f.limit).field("offset", f.offset).end_object();
  return w.str();
}

std::string SecurityEvents::of_user_json(pqxx::work& tx, const std::string& user_id, int limit) {
  return tx.exec_params1(kOfUser, user_id, limit)[0].as<std::string>();
}

void SecurityEvents::record_deletion(pqxx::work& tx, const std::string& user_id,
                                     const std::string& by) {
  tx.exec_params(kInsertDeletion, crypto::uuid_v7(), user_id, by);
}

void SecurityEvents::forget_user(pqxx::work& tx, const std::string& user_id,
                                 const std::string& email) {
  tx.exec_params(kForget, user_id, email);
}

}  // namespace kx::auth
