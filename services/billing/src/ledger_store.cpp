#include "ledger_store.hpp"

#include <algorithm>
#include <stdexcept>

#include "catalog_store.hpp"
#include "kx/pg/pg.hpp"

namespace kx::billing {
namespace {

// Timestamps as the wire shows them: ISO-8601 UTC with milliseconds.
#define KX_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

constexpr const char* kOpenAccount = R"sql(
INSERT INTO accounts (user_id, email, name, locale) VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id) DO UPDATE
  SET email = COALESCE(EXCLUDED.email, accounts.email),
      name = CASE WHEN EXCLUDED.email IS NULL THEN accounts.name ELSE EXCLUDED.name END,
      locale = CASE WHEN EXCLUDED.email IS NULL THEN accounts.locale ELSE EXCLUDED.locale END,
      updated_at = now()
  WHERE accounts.closed_at IS NULL
RETURNING (xmax = 0))sql";
constexpr const char* kAccountColumns =
    "user_id, balance_cents, last_entry_seq, low_warned, exhausted, COALESCE(email, ''), name, "
    "locale, stripe_customer_id, closed_at IS NOT NULL, " KX_UTC("opened_at");
// The statements of every charge are prepared (planned once per connection): each looks up one
// row by its key, so one plan suits every value.
const std::string kFindAccountSql =
    std::string("SELECT ") + kAccountColumns + " FROM accounts WHERE user_id = $1";
const pg::Statement kFindAccount(kFindAccountSql);
const pg::Statement kLockAccount(kFindAccountSql + " FOR UPDATE");
// A charge's first round trip: the price list, and the owner's account locked (NULLs when the
// owner has none yet).
const pg::Statement kSettingsAndLockedAccount(
    std::string("WITH account AS (") + kFindAccountSql + " FOR UPDATE)\nSELECT " +
    CatalogStore::kSettingsColumns + ", account.* FROM settings LEFT JOIN account ON true");
const pg::Statement kSaveBalance(R"sql(
UPDATE accounts SET balance_cents = $2, last_entry_seq = $3, low_warned = $4, exhausted = $5,
                    updated_at = now()
WHERE user_id = $1)sql");
// A closed account is a tombstone: a user.registered arriving after user.deleted (another
// topic) must not open it again with the owner's address.
constexpr const char* kCloseAccount = R"sql(
INSERT INTO accounts (user_id, closed_at) VALUES ($1, now())
ON CONFLICT (user_id) DO UPDATE SET closed_at = now(), updated_at = now()
  WHERE accounts.closed_at IS NULL)sql";
constexpr const char* kKeepStripeCustomer = R"sql(
UPDATE accounts SET stripe_customer_id = COALESCE(stripe_customer_id, $2), updated_at = now()
WHERE user_id = $1 RETURNING stripe_customer_id)sql";

constexpr const char* kAdoptStripeCustomer = R"sql(
UPDATE accounts SET stripe_customer_id = $2, updated_at = now()
WHERE user_id = $1 AND stripe_customer_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM accounts WHERE stripe_customer_id = $2))sql";

constexpr const char* kEntryColumns =
    "id, user_id, seq, kind, amount_cents, balance_after_cents, reference, description, " KX_UTC(
        "created_at");
// One booking, one round trip: the entry, and only when it is new (its reference unseen) the
// account's balance, entry sequence and alert flags ($9, $10) with it.
const pg::Statement kBook(std::string(R"sql(
WITH entry AS (
  INSERT INTO ledger_entries (id, user_id, seq, kind, amount_cents, balance_after_cents,
                              reference, description)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (reference) DO NOTHING
  RETURNING )sql") + kEntryColumns +
                          R"sql(
), balance AS (
  UPDATE accounts SET balance_cents = $6, last_entry_seq = $3, low_warned = $9, exhausted = $10,
                      updated_at = now()
  WHERE user_id = $2 AND EXISTS (SELECT FROM entry)
)
SELECT * FROM entry)sql");

// A call's record with its decision ($1–$9 the call, $10 the outcome, $11 the cents charged,
// $12 the entry), unless the call was decided before: nothing is written then.
constexpr const char* kInsertCallCharge = R"sql(
  INSERT INTO call_charges (call_id, user_id, agent_id, status, test, duration_seconds,
                            billed_minutes, cost_cents, call_ended_at, outcome, charged_cents,
                            entry_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, '')::timestamptz, $10, $11, $12)
  ON CONFLICT (call_id) DO NOTHING
  RETURNING call_id)sql";
const pg::Statement kDecideCall(kInsertCallCharge);

// A charged call, one round trip: its record and decision (kInsertCallCharge), and only when
// the call was not decided before its entry ($12, $2, $13–$18), the account's new balance, entry
// sequence and alert flags ($19, $20), and its events ($21). The entry's foreign key from
// call_charges is checked at the statement's end, after the entry's insert. Answers whether the
// call was new, and the entry.
const pg::Statement kBookCall(
    std::string("WITH decided AS (") + kInsertCallCharge + R"sql(
), entry AS (
  INSERT INTO ledger_entries (id, user_id, seq, kind, amount_cents, balance_after_cents,
                              reference, description)
  SELECT $12, $2, $13::bigint, $14, $15::bigint, $16::bigint, $17, $18
  WHERE EXISTS (SELECT FROM decided)
  ON CONFLICT (reference) DO NOTHING
  RETURNING )sql" +
    kEntryColumns +
    R"sql(
), balance AS (
  UPDATE accounts SET balance_cents = $16::bigint, last_entry_seq = $13::bigint, low_warned = $19,
                      exhausted = $20, updated_at = now()
  WHERE user_id = $2 AND EXISTS (SELECT FROM entry)
), )sql" +
    events::Outbox::insert_cte(21, "EXISTS (SELECT FROM entry)") +
    "\nSELECT EXISTS (SELECT FROM decided), entry.* FROM (SELECT) one LEFT JOIN entry ON true");
const std::string kEntryById =
    std::string("SELECT ") + kEntryColumns + " FROM ledger_entries WHERE id = $1";
const std::string kListEntries = std::string("SELECT ") + kEntryColumns + R"sql(
FROM ledger_entries
WHERE user_id = $1 AND ($2 = '' OR kind = ANY (string_to_array($2, ',')))
ORDER BY seq DESC LIMIT $3 OFFSET $4)sql";
constexpr const char* kCountEntries = R"sql(
SELECT count(*) FROM ledger_entries
WHERE user_id = $1 AND ($2 = '' OR kind = ANY (string_to_array($2, ','))))sql";

constexpr const char* kFindAdjustment = R"sql(
SELECT request_key, user_id, cents, reason, admin_id, entry_id FROM adjustments
WHERE request_key = $1)sql";
constexpr const char* kInsertAdjustment = R"sql(
INSERT INTO adjustments (request_key, user_id, cents, reason, admin_id, entry_id)
VALUES ($1, $2, $3, $4, $5, $6))sql";

// Per owner: the ledger's sum, its last balance_after, the entries whose balance_after is not
// the previous one plus their amount, and gaps in the entry numbering.
constexpr const char* kReconcile = R"sql(
WITH chain AS (
  SELECT user_id, seq, amount_cents, balance_after_cents,
         lag(balance_after_cents, 1, 0::bigint) OVER w AS before_cents,
         row_number() OVER w AS position
  FROM ledger_entries
  WINDOW w AS (PARTITION BY user_id ORDER BY seq)
), per_owner AS (
  SELECT user_id, sum(amount_cents)::bigint AS total, count(*) AS entries,
         count(*) FILTER (WHERE before_cents + amount_cents <> balance_after_cents
                             OR seq <> position) AS broken,
         (array_agg(balance_after_cents ORDER BY seq DESC))[1] AS last_after,
         max(seq) AS last_seq
  FROM chain GROUP BY user_id
)
SELECT a.user_id, a.balance_cents, COALESCE(p.total, 0), COALESCE(p.last_after, 0),
       COALESCE(p.broken, 0) + CASE WHEN a.last_entry_seq = COALESCE(p.last_seq, 0) THEN 0 ELSE 1 END,
       COALESCE(p.entries, 0)
FROM accounts a LEFT JOIN per_owner p USING (user_id)
ORDER BY a.user_id)sql";

#undef KX_UTC

std::string join_kinds(const std::vector<std::string>& kinds) {
  std::string out;
  for (const auto& k : kinds)
    out += (out.empty() ? "" : ",") + k;
  return out;
}

// The account in kAccountColumns from column `first` on.
Account account_from(const pqxx::row& row, int first = 0) {
  auto r = [&](int i) { return row[first + i]; };
  Account a;
  a.user_id = r(0).as<std::string>();
  a.balance_cents = r(1).as<std::int64_t>();
  a.last_entry_seq = r(2).as<std::int64_t>();
  a.flags.low_warned = r(3).as<bool>();
  a.flags.exhausted = r(4).as<bool>();
  a.email = r(5).as<std::string>();
  a.name = r(6).as<std::string>();
  a.locale = r(7).as<std::string>();
  if (!r(8).is_null())
    a.stripe_customer_id = r(8).as<std::string>();
  a.closed = r(9).as<bool>();
  a.opened_at = r(10).as<std::string>();
  return a;
}

// The entry in kEntryColumns from column `first` on.
Entry entry_from(const pqxx::row& row, int first = 0) {
  auto r = [&](int i) { return row[first + i]; };
  return Entry{r(0).as<std::string>(), r(1).as<std::string>(),  r(2).as<std::int64_t>(),
               r(3).as<std::string>(), r(4).as<std::int64_t>(), r(5).as<std::int64_t>(),
               r(6).as<std::string>(), r(7).as<std::string>(),  r(8).as<std::string>()};
}

std::optional<Account> first_account(const pqxx::result& res) {
  if (res.empty())
    return std::nullopt;
  return account_from(res[0]);
}

}  // namespace

bool is_entry_kind(const std::string& kind) {
  for (const char* k : {kPurchase, kCallUsage, kGraceUsage, kAdminAdjustment, kRefund, kBonus}) {
    if (kind == k)
      return true;
  }
  return false;
}

bool LedgerStore::open_account(pqxx::work& tx, const std::string& user_id,
                               const std::optional<std::string>& email, const std::string& name,
                               const std::string& locale) {
  auto opened = tx.exec_params(kOpenAccount, user_id, email, name, locale);
  return !opened.empty() && opened[0][0].as<bool>();
}

std::optional<Account> LedgerStore::find_account(pqxx::work& tx, const std::string& user_id) {
  return first_account(pg::exec_prepared(tx, kFindAccount, user_id));
}

std::optional<Account> LedgerStore::lock_account(pqxx::work& tx, const std::string& user_id) {
  return first_account(pg::exec_prepared(tx, kLockAccount, user_id));
}

LedgerStore::ChargeContext LedgerStore::lock_for_charge(pqxx::work& tx,
                                                        const std::string& user_id) {
  auto row = pg::exec_prepared(tx, kSettingsAndLockedAccount, user_id).at(0);
  constexpr int kAccountFrom = 8;  // the settings' columns come first
  ChargeContext out{CatalogStore::settings_from(row).values, std::nullopt};
  if (!row[kAccountFrom].is_null())
    out.account = account_from(row, kAccountFrom);
  return out;
}

void LedgerStore::save_balance(pqxx::work& tx, const Account& a) {
  pg::exec_prepared(tx, kSaveBalance, a.user_id, a.balance_cents, a.last_entry_seq,
                    a.flags.low_warned, a.flags.exhausted);
}

bool LedgerStore::close_account(pqxx::work& tx, const std::string& user_id) {
  return tx.exec_params(kCloseAccount, user_id).affected_rows() == 1;
}

std::string LedgerStore::keep_stripe_customer(pqxx::work& tx, const std::string& user_id,
                                              const std::string& customer_id) {
  return tx.exec_params1(kKeepStripeCustomer, user_id, customer_id)[0].as<std::string>();
}

void LedgerStore::adopt_stripe_customer(pqxx::work& tx, const std::string& user_id,
                                        const std::string& customer_id) {
  tx.exec_params(kAdoptStripeCustomer, user_id, customer_id);
}

std::optional<Entry> LedgerStore::book_entry(pqxx::work& tx, const Entry& e,
                                             const AlertFlags& flags) {
  auto res = pg::exec_prepared(tx, kBook, e.id, e.user_id, e.seq, e.kind, e.amount_cents,
                               e.balance_after_cents, e.reference, e.description, flags.low_warned,
                               flags.exhausted);
  if (res.empty())
    return std::nullopt;
  return entry_from(res[0]);
}

std::optional<Entry> LedgerStore::book_call(pqxx::work& tx, const CallCharge& c,
                                            const std::string& outcome, const Entry& e,
                                            const AlertFlags& flags,
                                            const events::PreparedEvents& events) {
  auto res = pg::exec_prepared(tx, kBookCall, c.call_id, c.user_id, c.agent_id, c.status, c.test,
                               c.duration_seconds, c.billed_minutes, c.cost_cents, c.call_ended_at,
                               outcome, -e.amount_cents, e.id, e.seq, e.kind, e.amount_cents,
                               e.balance_after_cents, e.reference, e.description, flags.low_warned,
                               flags.exhausted, events.rows);
  const auto& row = res.at(0);
  constexpr int kEntryFrom = 1;  // after "decided"
  if (!row[0].as<bool>())
    return std::nullopt;
  if (row[kEntryFrom].is_null())  // the statement's foreign key check makes this unreachable
    throw std::logic_error("call entry exists without its call record: " + c.call_id);
  return entry_from(row, kEntryFrom);
}

std::optional<Entry> LedgerStore::entry_by_id(pqxx::work& tx, const std::string& id) {
  auto res = tx.exec_params(kEntryById, id);
  if (res.empty())
    return std::nullopt;
  return entry_from(res[0]);
}

std::vector<Entry> LedgerStore::list_entries(pqxx::work& tx, const std::string& user_id,
                                             const std::vector<std::string>& kinds, int limit,
                                             int offset) {
  std::vector<Entry> out;
  for (const auto& r : tx.exec_params(kListEntries, user_id, join_kinds(kinds), limit, offset))
    out.push_back(entry_from(r));
  return out;
}

std::int64_t LedgerStore::count_entries(pqxx::work& tx, const std::string& user_id,
                                        const std::vector<std::string>& kinds) {
  return tx.exec_params1(kCountEntries, user_id, join_kinds(kinds))[0].as<std::int64_t>();
}

bool LedgerStore::decide_call(pqxx::work& tx, const CallCharge& c, const std::string& outcome) {
  return pg::exec_prepared(tx, kDecideCall, c.call_id, c.user_id, c.agent_id, c.status, c.test,
                           c.duration_seconds, c.billed_minutes, c.cost_cents, c.call_ended_at,
                           outcome, std::int64_t{0}, std::optional<std::string>())
             .affected_rows() == 1;
}

std::optional<Adjustment> LedgerStore::find_adjustment(pqxx::work& tx,
                                                       const std::string& request_key) {
  auto res = tx.exec_params(kFindAdjustment, request_key);
  if (res.empty())
    return std::nullopt;
  const auto& r = res[0];
  return Adjustment{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>(),
                    r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>()};
}

void LedgerStore::insert_adjustment(pqxx::work& tx, const Adjustment& a) {
  tx.exec_params(kInsertAdjustment, a.request_key, a.user_id, a.cents, a.reason, a.admin_id,
                 a.entry_id);
}

ReconciliationReport LedgerStore::reconcile(pqxx::work& tx) {
  ReconciliationReport report;
  for (const auto& r : tx.exec(kReconcile)) {
    Drift d{r[0].as<std::string>(), r[1].as<std::int64_t>(), r[2].as<std::int64_t>(),
            r[3].as<std::int64_t>(), r[4].as<std::int64_t>()};
    ++report.accounts;
    report.entries += r[5].as<std::int64_t>();
    if (d.balance_cents != d.ledger_sum_cents || d.balance_cents != d.last_balance_after_cents ||
        d.broken_links != 0) {
      report.drift.push_back(std::move(d));
    }
  }
  return report;
}

}  // namespace kx::billing
