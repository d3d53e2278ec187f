#include "api_keys_api.hpp"

#include <set>

#include "api_keys.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::auth {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

// Each scope once, in the order given; problems go into `in`.
std::vector<std::string> read_scopes(json::FieldReader& in, const json::Value& doc) {
  std::vector<std::string> scopes;
  if (!doc.IsObject() || !doc.HasMember("scopes")) {
    in.add_error("scopes", "Bitte wählen Sie mindestens eine Berechtigung.");
    return scopes;
  }
  const auto* array = in.optional_array("scopes");
  if (!array)
    return scopes;
  std::set<std::string> seen;
  int i = 0;
  for (const auto& v : array->GetArray()) {
    auto field = "scopes[" + std::to_string(i++) + "]";
    if (!v.IsString()) {
      in.add_error(field, "muss ein Text sein");
      continue;
    }
    std::string scope(v.GetString(), v.GetStringLength());
    if (!is_api_key_scope(scope))
      in.add_error(field, "ist keine bekannte Berechtigung");
    else if (seen.insert(scope).second)
      scopes.push_back(scope);
  }
  if (scopes.empty() && in.ok())
    in.add_error("scopes", "Bitte wählen Sie mindestens eine Berechtigung.");
  return scopes;
}

}  // namespace

void ApiKeysApi::add_routes(http::Router& r) {
  r.add("GET", "/api/account/api-keys", *this, &ApiKeysApi::list,
        {.max_body = 0, .access = Access::user});
  r.add("POST", "/api/account/api-keys", *this, &ApiKeysApi::create,
        {.max_body = 16 * 1024, .access = Access::user});
  r.add("DELETE", "/api/account/api-keys/{id}", *this, &ApiKeysApi::revoke,
        {.max_body = 0, .access = Access::user});
  r.add("POST", "/internal/api-keys/resolve", *this, &ApiKeysApi::resolve,
        {.max_body = 1024, .access = Access::service});
}

Response ApiKeysApi::create(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"name", "scopes"});
  auto errors_before = in.errors().size();
  auto name = in.required_string("name", 60);
  if (in.errors().size() == errors_before && name.find_first_not_of(" \t\r\n") == std::string::npos)
    in.add_error("name", "darf nicht leer sein");
  auto scopes = read_scopes(in, doc);
  http::require_valid(in);

  const auto& user_id = req.identity.user_id;
  auto secret = new_api_key_secret();
  auto key = pg::transact(db_, [&](pqxx::work& tx) {
    // Two creations at once must not pass the limit together.
    ApiKeys::lock_owner(tx, user_id);
    if (ApiKeys::live_count(tx, user_id) >= kMaxLiveApiKeys) {
      throw Error::conflict("Sie können höchstens " + std::to_string(kMaxLiveApiKeys) +
                                " aktive API-Schlüssel haben. Bitte widerrufen Sie zuerst einen.",
                            "limit_reached");
    }
    return ApiKeys::insert(tx, user_id, name, scopes, secret);
  });
  log::info("api key created",
            {{"user_id", user_id}, {"key_id", key.id}, {"request_id", req.request_id}});
  json::Writer w;
  w.begin_object().key("key").raw(api_key_json(key)).field("secret", secret).end_object();
  return Response::json(201, w.str());
}

Response ApiKeysApi::list(Request& req) {
  auto keys =
      pg::transact(db_, [&](pqxx::work& tx) { return ApiKeys::list(tx, req.identity.user_id); });
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& k : keys)
    w.raw(api_key_json(k));
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response ApiKeysApi::revoke(Request& req) {
  const auto& key_id = req.param("id");
  const auto& user_id = req.identity.user_id;
  bool found =
      pg::transact(db_, [&](pqxx::work& tx) { return ApiKeys::revoke(tx, user_id, key_id); });
  if (!found)
    throw Error::not_found("Diesen API-Schlüssel gibt es nicht.");
  log::info("api key revoked",
            {{"user_id", user_id}, {"key_id", key_id}, {"request_id", req.request_id}});
  return Response::no_content();
}

Response ApiKeysApi::resolve(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto secret = in.required_string("key", 256);
  http::require_valid(in);
  auto key = pg::transact(db_, [&](pqxx::work& tx) { return ApiKeys::resolve(tx, secret); });
  if (!key)
    throw Error::not_found("API-Schlüssel unbekannt oder widerrufen.");
  return Response::json(200, resolved_api_key_json(*key));
}

}  // namespace kx::auth
