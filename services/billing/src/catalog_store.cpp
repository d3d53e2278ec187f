#include "catalog_store.hpp"

#include "kx/pg/pg.hpp"

namespace kx::billing {
namespace {

// Read for every booking but a call's (LedgerStore::lock_for_charge reads it there): prepared.
const pg::Statement kSettings(std::string("SELECT ") + CatalogStore::kSettingsColumns +
                              " FROM settings");
const std::string kSaveSettings = std::string(R"sql(
UPDATE settings SET price_per_minute_cents = $1, rounding = $2, grace_limit_cents = $3,
                    low_balance_threshold_cents = $4, signup_bonus_cents = $5,
                    charge_test_calls = $6, updated_at = now(), updated_by = $7
RETURNING )sql") + CatalogStore::kSettingsColumns;

constexpr const char* kPackColumns = "id, name, credits, price_cents, currency, active, sort_order";
const std::string kPack = std::string("SELECT ") + kPackColumns + " FROM packs WHERE id = $1";
const std::string kPacks = std::string("SELECT ") + kPackColumns + R"sql(
FROM packs WHERE active OR $1 ORDER BY sort_order, price_cents, id)sql";
constexpr const char* kInsertPack = R"sql(
INSERT INTO packs (id, name, credits, price_cents, currency, active, sort_order)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING)sql";
constexpr const char* kUpdatePack = R"sql(
UPDATE packs SET name = $2, credits = $3, price_cents = $4, currency = $5, active = $6,
                 sort_order = $7, updated_at = now()
WHERE id = $1)sql";

Pack pack_from(const pqxx::row& r) {
  return Pack{r[0].as<std::string>(),  r[1].as<std::string>(), r[2].as<std::int64_t>(),
              r[3].as<std::int64_t>(), r[4].as<std::string>(), r[5].as<bool>(),
              r[6].as<int>()};
}

}  // namespace

StoredSettings CatalogStore::settings_from(const pqxx::row& row, int first) {
  auto r = [&](int i) { return row[first + i]; };
  StoredSettings s;
  s.values.price_per_minute_cents = r(0).as<std::int64_t>();
  s.values.rounding = parse_rounding(r(1).as<std::string>()).value_or(Rounding::per_started_minute);
  s.values.grace_limit_cents = r(2).as<std::int64_t>();
  s.values.low_balance_threshold_cents = r(3).as<std::int64_t>();
  s.values.signup_bonus_cents = r(4).as<std::int64_t>();
  s.values.charge_test_calls = r(5).as<bool>();
  s.updated_at = r(6).as<std::string>();
  s.updated_by = r(7).as<std::string>();
  return s;
}

StoredSettings CatalogStore::settings(pqxx::work& tx) {
  return settings_from(pg::exec_prepared(tx, kSettings).at(0));
}

StoredSettings CatalogStore::save_settings(pqxx::work& tx, const BillingSettings& s,
                                           const std::string& admin_id) {
  return settings_from(tx.exec_params1(kSaveSettings, s.price_per_minute_cents,
                                       std::string(to_string(s.rounding)), s.grace_limit_cents,
                                       s.low_balance_threshold_cents, s.signup_bonus_cents,
                                       s.charge_test_calls, admin_id));
}

std::optional<Pack> CatalogStore::pack(pqxx::work& tx, const std::string& id) {
  auto res = tx.exec_params(kPack, id);
  if (res.empty())
    return std::nullopt;
  return pack_from(res[0]);
}

std::vector<Pack> CatalogStore::packs(pqxx::work& tx, bool include_inactive) {
  std::vector<Pack> out;
  for (const auto& r : tx.exec_params(kPacks, include_inactive))
    out.push_back(pack_from(r));
  return out;
}

bool CatalogStore::insert_pack(pqxx::work& tx, const Pack& p) {
  return tx.exec_params(kInsertPack, p.id, p.name, p.credits, p.price_cents, p.currency, p.active,
                        p.sort_order)
             .affected_rows() == 1;
}

void CatalogStore::update_pack(pqxx::work& tx, const Pack& p) {
  tx.exec_params(kUpdatePack, p.id, p.name, p.credits, p.price_cents, p.currency, p.active,
                 p.sort_order);
}

}  // namespace kx::billing
