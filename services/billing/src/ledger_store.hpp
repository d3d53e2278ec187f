#pragma once
// The ledger's tables: accounts, ledger entries, charged calls and admin adjustments. All of
// billing's SQL for them lives here as named constants; every function works inside the
// caller's transaction and blocks on PostgreSQL.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "credit_rules.hpp"
#include "kx/events/outbox.hpp"

namespace kx::billing {

/// Ledger entry kinds, as stored and as the API names them.
inline constexpr const char* kPurchase = "purchase";
inline constexpr const char* kCallUsage = "call_usage";
inline constexpr const char* kGraceUsage = "grace_usage";
inline constexpr const char* kAdminAdjustment = "admin_adjustment";
inline constexpr const char* kRefund = "refund";
inline constexpr const char* kBonus = "bonus";
bool is_entry_kind(const std::string& kind);

struct Account {
  std::string user_id;
  std::int64_t balance_cents = 0;
  std::int64_t last_entry_seq = 0;
  AlertFlags flags;
  std::string email;  ///< empty until user.registered arrived
  std::string name;
  std::string locale = "de";
  std::optional<std::string> stripe_customer_id;
  bool closed = false;
  std::string opened_at;
};

struct Entry {
  std::string id;
  std::string user_id;
  std::int64_t seq = 0;
  std::string kind;
  std::int64_t amount_cents = 0;
  std::int64_t balance_after_cents = 0;
  std::string reference;
  std::string description;
  std::string created_at;
};

/// One call.completed as billing records it.
struct CallCharge {
  std::string call_id;
  std::string user_id;
  std::string agent_id;
  std::string status;
  bool test = false;
  std::int64_t duration_seconds = 0;
  std::int64_t billed_minutes = 0;
  std::int64_t cost_cents = 0;
  std::string call_ended_at;  ///< ISO-8601 from call.completed; the reconciliation's day
};

struct Adjustment {
  std::string request_key;
  std::string user_id;
  std::int64_t cents = 0;
  std::string reason;
  std::string admin_id;
  std::string entry_id;
};

/// One owner whose stored balance and ledger disagree.
struct Drift {
  std::string user_id;
  std::int64_t balance_cents = 0;
  std::int64_t ledger_sum_cents = 0;
  std::int64_t last_balance_after_cents = 0;
  std::int64_t broken_links = 0;  ///< entries whose balance_after is not previous + amount
};

struct ReconciliationReport {
  std::int64_t accounts = 0;
  std::int64_t entries = 0;
  std::vector<Drift> drift;
};

class LedgerStore {
 public:
  /// Creates the account if missing; fills in the owner's profile when `email` is given and the
  /// account is not closed (a closed one is the tombstone of a deleted owner).
  /// Returns true when this call created it.
  static bool open_account(pqxx::work& tx, const std::string& user_id,
                           const std::optional<std::string>& email = {},
                           const std::string& name = {}, const std::string& locale = "de");
  static std::optional<Account> find_account(pqxx::work& tx, const std::string& user_id);
  /// The account row locked (SELECT ... FOR UPDATE) until the transaction ends.
  static std::optional<Account> lock_account(pqxx::work& tx, const std::string& user_id);
  /// What a call's charge starts from, in one round trip: the settings, and the owner's account
  /// locked as lock_account (std::nullopt when the owner has none yet).
  struct ChargeContext {
    BillingSettings settings;
    std::optional<Account> account;
  };
  static ChargeContext lock_for_charge(pqxx::work& tx, const std::string& user_id);
  /// Stores balance, entry sequence and alert flags of a locked account.
  static void save_balance(pqxx::work& tx, const Account& account);
  static bool close_account(pqxx::work& tx, const std::string& user_id);
  /// Stores the customer Stripe Checkout created for the owner, unless the account has one or
  /// the customer belongs to another account.
  static void adopt_stripe_customer(pqxx::work& tx, const std::string& user_id,
                                    const std::string& customer_id);
  /// Stores the customer unless one is stored already; returns the one that is stored.
  static std::string keep_stripe_customer(pqxx::work& tx, const std::string& user_id,
                                          const std::string& customer_id);

  /// Appends an entry and stores the locked account's new balance, entry sequence and `flags`
  /// with it, in one statement; std::nullopt (and nothing written) when the entry's reference
  /// exists already.
  static std::optional<Entry> book_entry(pqxx::work& tx, const Entry& entry,
                                         const AlertFlags& flags);
  /// A charged call in one statement: its call_charges record with `outcome` and the entry,
  /// then the entry and the locked account's new balance as book_entry, and the charge's
  /// `events`. std::nullopt (and nothing written) when the call was decided before.
  static std::optional<Entry> book_call(pqxx::work& tx, const CallCharge& call,
                                        const std::string& outcome, const Entry& entry,
                                        const AlertFlags& flags,
                                        const events::PreparedEvents& events);
  static std::optional<Entry> entry_by_id(pqxx::work& tx, const std::string& id);
  /// The owner's entries, newest first; `kinds` empty = all kinds.
  static std::vector<Entry> list_entries(pqxx::work& tx, const std::string& user_id,
                                         const std::vector<std::string>& kinds, int limit,
                                         int offset);
  static std::int64_t count_entries(pqxx::work& tx, const std::string& user_id,
                                    const std::vector<std::string>& kinds);

  /// Records a call decided without an entry (nothing charged) with `outcome`; false (and
  /// nothing written) when the call was decided before.
  static bool decide_call(pqxx::work& tx, const CallCharge& call, const std::string& outcome);

  static std::optional<Adjustment> find_adjustment(pqxx::work& tx, const std::string& request_key);
  static void insert_adjustment(pqxx::work& tx, const Adjustment& adjustment);

  /// Compares every account's balance with the sum of its ledger and checks every entry's
  /// balance_after against the previous one.
  static ReconciliationReport reconcile(pqxx::work& tx);
};

}  // namespace kx::billing
