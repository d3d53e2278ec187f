#include "catalog_admin_api.hpp"

#include <regex>

#include "api_support.hpp"
#include "catalog_store.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::billing {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr std::int64_t kMaxPackAmount = 10'000'000;  // 100.000 € per pack

std::string settings_json(const StoredSettings& s) {
  json::Writer w;
  w.begin_object()
      .field("price_per_minute_cents", s.values.price_per_minute_cents)
      .field("rounding", std::string(to_string(s.values.rounding)))
      .field("grace_limit_cents", s.values.grace_limit_cents)
      .field("low_balance_threshold_cents", s.values.low_balance_threshold_cents)
      .field("signup_bonus_cents", s.values.signup_bonus_cents)
      .field("charge_test_calls", s.values.charge_test_calls)
      .field("updated_at", s.updated_at)
      .field("updated_by", s.updated_by.empty() ? std::optional<std::string>() : s.updated_by)
      .end_object();
  return w.str();
}

std::string pack_json(const Pack& p) {
  json::Writer w;
  w.begin_object()
      .field("id", p.id)
      .field("name", p.name)
      .field("credits", p.credits)
      .field("price_cents", p.price_cents)
      .field("currency", p.currency)
      .field("active", p.active)
      .field("sort_order", p.sort_order)
      .end_object();
  return w.str();
}

// The pack fields of a create or update body, applied onto `pack`.
void read_pack_fields(json::FieldReader& in, Pack& pack, bool create) {
  if (auto name = create ? std::optional<std::string>(in.required_string("name", 60))
                         : in.optional_string("name", 60)) {
    pack.name = trimmed(*name);
    if (pack.name.empty())
      in.add_error("name", "darf nicht leer sein");
  }
  if (auto v = in.int_between("credits", 1, kMaxPackAmount, create))
    pack.credits = *v;
  if (auto v = in.int_between("price_cents", 1, kMaxPackAmount, create))
    pack.price_cents = *v;
  if (auto currency = in.optional_string("currency", 3)) {
    if (*currency != "EUR")
      in.add_error("currency", "muss \"EUR\" sein");
  }
  if (auto active = in.optional_bool("active"))
    pack.active = *active;
  if (auto v = in.int_between("sort_order", 0, 10'000, false))
    pack.sort_order = static_cast<int>(*v);
}

}  // namespace

void CatalogAdminApi::add_routes(http::Router& r) {
  const http::RouteOptions read{.max_body = 0, .access = Access::admin};
  const http::RouteOptions write{.max_body = 16 * 1024, .access = Access::admin};
  r.add("GET", "/api/admin/billing/settings", *this, &CatalogAdminApi::get_settings, read);
  r.add("PUT", "/api/admin/billing/settings", *this, &CatalogAdminApi::update_settings, write);
  r.add("GET", "/api/admin/billing/packs", *this, &CatalogAdminApi::list_packs, read);
  r.add("POST", "/api/admin/billing/packs", *this, &CatalogAdminApi::create_pack, write);
  r.add("PATCH", "/api/admin/billing/packs/{id}", *this, &CatalogAdminApi::update_pack, write);
}

Response CatalogAdminApi::get_settings(Request&) {
  auto s = pg::transact(db_, [](pqxx::work& tx) { return CatalogStore::settings(tx); });
  return Response::json(200, settings_json(s));
}

Response CatalogAdminApi::update_settings(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"price_per_minute_cents", "rounding", "grace_limit_cents",
                     "low_balance_threshold_cents", "signup_bonus_cents", "charge_test_calls"});
  auto price = in.int_between("price_per_minute_cents", 1, 1000, false);
  auto rounding_text = in.optional_string("rounding", 40);
  std::optional<Rounding> rounding;
  if (rounding_text) {
    rounding = parse_rounding(*rounding_text);
    if (!rounding)
      in.add_error("rounding", "muss \"per_started_minute\" oder \"per_second\" sein");
  }
  auto grace = in.int_between("grace_limit_cents", 0, 100'000, false);
  auto threshold = in.int_between("low_balance_threshold_cents", 0, 1'000'000, false);
  auto bonus = in.int_between("signup_bonus_cents", 0, 100'000, false);
  auto test_calls = in.optional_bool("charge_test_calls");
  if (in.ok() && !price && !rounding && !grace && !threshold && !bonus && !test_calls)
    in.add_error("", "mindestens eine Einstellung ist nötig");
  http::require_valid(in);

  auto saved = pg::transact(db_, [&](pqxx::work& tx) {
    auto before = CatalogStore::settings(tx);
    BillingSettings next = before.values;
    if (price)
      next.price_per_minute_cents = *price;
    if (rounding)
      next.rounding = *rounding;
    if (grace)
      next.grace_limit_cents = *grace;
    if (threshold)
      next.low_balance_threshold_cents = *threshold;
    if (bonus)
      next.signup_bonus_cents = *bonus;
    if (test_calls)
      next.charge_test_calls = *test_calls;
    auto after = CatalogStore::save_settings(tx, next, req.identity.user_id);
    events::publish_audit(outbox_, tx, req,
                          {"billing.settings.update", "billing_settings", "billing",
                           settings_json(before), settings_json(after)});
    return after;
  });
  log::info("billing settings changed",
            {{"admin_id", req.identity.user_id}, {"request_id", req.request_id}});
  return Response::json(200, settings_json(saved));
}

Response CatalogAdminApi::list_packs(Request&) {
  auto packs = pg::transact(db_, [](pqxx::work& tx) { return CatalogStore::packs(tx, true); });
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& p : packs)
    w.raw(pack_json(p));
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response CatalogAdminApi::create_pack(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"id", "name", "credits", "price_cents", "currency", "active", "sort_order"});
  Pack pack;
  if (auto id = in.optional_string("id", 40)) {
    static const std::regex kId("^[a-z0-9][a-z0-9-]{0,39}$");
    if (!std::regex_match(*id, kId))
      in.add_error("id", "darf nur Kleinbuchstaben, Ziffern und Bindestriche enthalten");
    pack.id = *id;
  } else {
    pack.id = crypto::uuid_v7();
  }
  read_pack_fields(in, pack, true);
  http::require_valid(in);
  bool created = pg::transact(db_, [&](pqxx::work& tx) {
    if (!CatalogStore::insert_pack(tx, pack))
      return false;
    events::publish_audit(outbox_, tx, req,
                          {"billing.pack.create", "credit_pack", pack.id, "null", pack_json(pack)});
    return true;
  });
  if (!created)
    throw Error::conflict("Ein Paket mit dieser Kennung gibt es schon.", "pack_exists");
  return Response::json(201, pack_json(pack));
}

Response CatalogAdminApi::update_pack(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"name", "credits", "price_cents", "currency", "active", "sort_order"});
  Pack changes;
  read_pack_fields(in, changes, false);
  http::require_valid(in);
  const auto& id = req.param("id");
  auto updated = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<Pack> {
    auto before = CatalogStore::pack(tx, id);
    if (!before)
      return std::nullopt;
    // Re-read the body onto the stored pack: only the fields sent change.
    Pack after = *before;
    json::FieldReader apply(doc);
    read_pack_fields(apply, after, false);
    CatalogStore::update_pack(tx, after);
    events::publish_audit(
        outbox_, tx, req,
        {"billing.pack.update", "credit_pack", id, pack_json(*before), pack_json(after)});
    return after;
  });
  if (!updated)
    throw Error::not_found("Dieses Guthabenpaket gibt es nicht.");
  return Response::json(200, pack_json(*updated));
}

}  // namespace kx::billing
