#pragma once
// What billing sells and at which price: the settings row and the credit packs. All SQL for
// them lives here; every function works inside the caller's transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "credit_rules.hpp"

namespace kx::billing {

struct StoredSettings {
  BillingSettings values;
  std::string updated_at;
  std::string updated_by;  ///< admin id, empty for the defaults
};

struct Pack {
  std::string id;
  std::string name;
  std::int64_t credits = 0;
  std::int64_t price_cents = 0;
  std::string currency = "EUR";
  bool active = true;
  int sort_order = 0;
};

class CatalogStore {
 public:
  /// The settings row's columns as settings_from() reads them, for statements that read the
  /// settings together with other rows (a charge reads them with the owner's account).
  static constexpr const char* kSettingsColumns = R"sql(
price_per_minute_cents, rounding, grace_limit_cents, low_balance_threshold_cents,
signup_bonus_cents, charge_test_calls,
to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), COALESCE(updated_by, ''))sql";
  /// The settings in a row's kSettingsColumns, from column `first` on.
  static StoredSettings settings_from(const pqxx::row& row, int first = 0);

  static StoredSettings settings(pqxx::work& tx);
  static StoredSettings save_settings(pqxx::work& tx, const BillingSettings& s,
                                      const std::string& admin_id);

  static std::optional<Pack> pack(pqxx::work& tx, const std::string& id);
  /// Packs in display order (sort order, then price); inactive ones only when asked.
  static std::vector<Pack> packs(pqxx::work& tx, bool include_inactive);
  /// False when the id is taken.
  static bool insert_pack(pqxx::work& tx, const Pack& pack);
  static void update_pack(pqxx::work& tx, const Pack& pack);
};

}  // namespace kx::billing
