#include "audit_log.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include "kx/json/json.hpp"
#include "kx/text/csv.hpp"

namespace kx::auth {
namespace {

// Fragments of action names the compliance report lists one by one. The SQL pre-selection is
// built from the same list, so both always agree.
constexpr std::array<std::string_view, 10> kSensitiveFragments = {
    "delete",  "password", "role",    "status",           "suspend",
    "release", "credits.", "api_key", "billing.settings", "anonymi"};

// Keys whose values are personal data of the person an entry is about (any depth).
constexpr std::array<std::string_view, 16> kPersonalKeys = {
    "email",         "name",      "display_name", "first_name",
    "last_name",     "full_name", "phone",        "phone_number",
    "caller_number", "mobile",    "address",      "street",
    "postal_code",   "city",      "ip",           "user_agent"};
constexpr std::array<std::string_view, 4> kPersonalSuffixes = {"_email", "_name", "_phone",
                                                               "_address"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool personal_key(std::string_view key) {
  auto k = lower(key);
  for (auto p : kPersonalKeys) {
    if (k == p)
      return true;
  }
  for (auto s : kPersonalSuffixes) {
    if (k.size() > s.size() && k.ends_with(s))
      return true;
  }
  return false;
}

void scrub(json::Value& v) {
  if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      if (personal_key(std::string_view(m.name.GetString(), m.name.GetStringLength())))
        m.value.SetNull();
      else
        scrub(m.value);
    }
  } else if (v.IsArray()) {
    for (auto& item : v.GetArray())
      scrub(item);
  }
}

std::string sensitive_pattern() {
  std::string out;
  for (auto f : kSensitiveFragments) {
    if (!out.empty())
      out += '|';
    for (char c : f) {
      if (c == '.')
        out += '\\';
      out += c;
    }
  }
  return out;
}

std::string field_of(std::string_view json_text, const char* key) {
  try {
    auto doc = json::parse(json_text);
    if (doc.IsObject() && doc.HasMember(key))
      return json::to_string(doc[key]);
  } catch (const std::exception&) {
  }
  return {};
}

// The entry columns, in the order entry_from() reads them (joined with users as u).
constexpr const char* kEntryColumns = R"sql(
  a.id, a.admin_id, u.email, a.action, a.target_type, a.target_id, a.user_id,
  coalesce(a.before::text, 'null'), coalesce(a.after::text, 'null'), a.ip, a.user_agent,
  a.request_id, a.service,
  to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))sql";

// $1 q (a LIKE pattern), $2 action, $3 admin, $4 target type, $5 target id, $6 user, $7 from,
// $8 to.
constexpr const char* kWhere = R"sql(
FROM audit_log a LEFT JOIN users u ON u.id = a.admin_id
WHERE ($1::text IS NULL OR a.action ILIKE $1 OR a.target_type ILIKE $1 OR a.target_id ILIKE $1
       OR a.admin_id ILIKE $1 OR u.email ILIKE $1 OR a.request_id ILIKE $1
       OR a.before::text ILIKE $1 OR a.after::text ILIKE $1)
  AND ($2::text IS NULL OR a.action = $2)
  AND ($3::text IS NULL OR a.admin_id = $3)
  AND ($4::text IS NULL OR a.target_type = $4)
  AND ($5::text IS NULL OR a.target_id = $5)
  AND ($6::text IS NULL OR a.user_id = $6)
  AND ($7::timestamptz IS NULL OR a.at >= $7::timestamptz)
  AND ($8::timestamptz IS NULL OR a.at < $8::timestamptz))sql";

const std::string kList = std::string("SELECT ") + kEntryColumns + kWhere +
                          " ORDER BY a.at DESC, a.id DESC LIMIT $9 OFFSET $10";
const std::string kCount = std::string("SELECT count(*) ") + kWhere;

constexpr const char* kInsert = R"sql(
INSERT INTO audit_log (event_id, at, admin_id, action, target_type, target_id, user_id, before,
                       after, ip, user_agent, request_id, service, anonymised_at)
VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, NULLIF($8::jsonb, 'null'::jsonb),
        NULLIF($9::jsonb, 'null'::jsonb), $10, $11, $12, $13, CASE WHEN $14 THEN now() END)
ON CONFLICT (event_id) DO NOTHING)sql";

// $1 the affected user, $2 the target, $3 the admin: which of them are erased.
constexpr const char* kErased = R"sql(
SELECT coalesce(bool_or(user_id = $1 OR user_id = $2), false),
       coalesce(bool_or(user_id = $3), false)
FROM audit_erased_users WHERE user_id IN ($1, $2, $3))sql";

constexpr const char* kRememberErased = R"sql(
INSERT INTO audit_erased_users (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING)sql";

constexpr const char* kAboutUser = R"sql(
SELECT id, admin_id, coalesce(before::text, 'null'), coalesce(after::text, 'null')
FROM audit_log
WHERE user_id = $1 OR target_id = $1 OR admin_id = $1
ORDER BY id FOR UPDATE)sql";

constexpr const char* kAnonymise = R"sql(
UPDATE audit_log
SET before = NULLIF($2::jsonb, 'null'::jsonb), after = NULLIF($3::jsonb, 'null'::jsonb),
    ip = CASE WHEN $4 THEN '' ELSE ip END, user_agent = CASE WHEN $4 THEN '' ELSE user_agent END,
    anonymised_at = now()
WHERE id = $1)sql";

const std::string kByAction = R"sql(
SELECT action, count(*) FROM audit_log
WHERE at >= $1::timestamptz AND at < $2::timestamptz
GROUP BY action ORDER BY count(*) DESC, action)sql";

const std::string kByAdmin = R"sql(
SELECT a.admin_id, min(u.email), count(*) FROM audit_log a LEFT JOIN users u ON u.id = a.admin_id
WHERE a.at >= $1::timestamptz AND a.at < $2::timestamptz
GROUP BY a.admin_id ORDER BY count(*) DESC, a.admin_id)sql";

// Candidates for the sensitive list: a superset of is_sensitive(), which decides.
const std::string kSensitiveCandidates = std::string("SELECT ") + kEntryColumns + R"sql(
FROM audit_log a LEFT JOIN users u ON u.id = a.admin_id
WHERE a.at >= $1::timestamptz AND a.at < $2::timestamptz
  AND (a.action ~ $3 OR a.before ? 'role' OR a.after ? 'role' OR a.before ? 'status'
       OR a.after ? 'status')
ORDER BY a.at DESC, a.id DESC)sql";

std::optional<std::string> opt(const pqxx::field& f) {
  return f.get<std::string>();
}

AuditEntry entry_from(const pqxx::row& r) {
  AuditEntry e;
  e.id = r[0].as<std::int64_t>();
  e.admin_id = r[1].as<std::string>();
  e.admin_email = opt(r[2]);
  e.action = r[3].as<std::string>();
  e.target_type = r[4].as<std::string>();
  e.target_id = r[5].as<std::string>();
  e.user_id = opt(r[6]);
  e.before = r[7].as<std::string>();
  e.after = r[8].as<std::string>();
  e.ip = r[9].as<std::string>();
  e.user_agent = r[10].as<std::string>();
  e.request_id = r[11].as<std::string>();
  e.service = r[12].as<std::string>();
  e.at = r[13].as<std::string>();
  return e;
}

}  // namespace

bool is_sensitive(std::string_view action, std::string_view before, std::string_view after) {
  auto a = lower(action);
  for (auto f : kSensitiveFragments) {
    if (a.find(f) != std::string::npos)
      return true;
  }
  for (const char* key : {"role", "status"}) {
    auto b = field_of(before, key);
    auto n = field_of(after, key);
    if ((!b.empty() || !n.empty()) && b != n && !before.empty() && before != "null" &&
        after != "null")
      return true;
  }
  return false;
}

std::string scrub_personal(std::string_view json_text) {
  try {
    auto doc = json::parse(json_text);
    scrub(doc);
    return json::to_string(doc);
  } catch (const std::exception&) {
    return "null";
  }
}

bool AuditLog::store(pqxx::work& tx, const events::Event& event) {
  auto doc = json::parse(event.data);
  if (!doc.IsObject())
    throw std::invalid_argument("admin.action data is not an object");
  auto text = [&](const char* key) { return json::get_string(doc, key); };
  auto raw = [&](const char* key) {
    return doc.HasMember(key) ? json::to_string(doc[key]) : std::string("null");
  };
  for (const char* key : {"admin_id", "action", "target_type", "target_id", "at"}) {
    if (text(key).empty())
      throw std::invalid_argument(std::string("admin.action without ") + key);
  }
  auto user_id = json::get_optional_string(doc, "user_id");
  auto erased = tx.exec_params1(kErased, user_id, text("target_id"), text("admin_id"));
  bool about_erased = erased[0].as<bool>(), by_erased = erased[1].as<bool>();
  auto before = raw("before"), after = raw("after");
  auto ip = text("ip"), user_agent = text("user_agent").substr(0, 512);
  if (about_erased || by_erased) {
    before = scrub_personal(before);
    after = scrub_personal(after);
  }
  if (by_erased) {
    ip.clear();
    user_agent.clear();
  }
  auto r = tx.exec_params(kInsert, event.id, text("at"), text("admin_id"), text("action"),
                          text("target_type"), text("target_id"), user_id, before, after, ip,
                          user_agent, text("request_id"), event.source, about_erased || by_erased);
  return r.affected_rows() == 1;
}

std::int64_t AuditLog::anonymise_user(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params(kRememberErased, user_id);
  tx.exec("SELECT set_config('kx.audit_anonymise', 'on', true)");
  std::int64_t changed = 0;
  for (const auto& r : tx.exec_params(kAboutUser, user_id)) {
    auto before = r[2].as<std::string>();
    auto after = r[3].as<std::string>();
    bool by_user = r[1].as<std::string>() == user_id;
    tx.exec_params(kAnonymise, r[0].as<std::int64_t>(), scrub_personal(before),
                   scrub_personal(after), by_user);
    ++changed;
  }
  tx.exec("SELECT set_config('kx.audit_anonymise', 'off', true)");
  return changed;
}

std::vector<AuditEntry> AuditLog::list(pqxx::work& tx, const AuditFilter& f, int limit,
                                       int offset) {
  std::vector<AuditEntry> out;
  for (const auto& r : tx.exec_params(kList, f.q, f.action, f.admin_id, f.target_type, f.target_id,
                                      f.user_id, f.from, f.to, limit, offset))
    out.push_back(entry_from(r));
  return out;
}

std::int64_t AuditLog::count(pqxx::work& tx, const AuditFilter& f) {
  return tx
      .exec_params1(kCount, f.q, f.action, f.admin_id, f.target_type, f.target_id, f.user_id,
                    f.from, f.to)[0]
      .as<std::int64_t>();
}

std::vector<ActionCount> AuditLog::by_action(pqxx::work& tx, const std::string& from,
                                             const std::string& to) {
  std::vector<ActionCount> out;
  for (const auto& r : tx.exec_params(kByAction, from, to))
    out.push_back({r[0].as<std::string>(), r[1].as<std::int64_t>()});
  return out;
}

std::vector<AdminCount> AuditLog::by_admin(pqxx::work& tx, const std::string& from,
                                           const std::string& to) {
  std::vector<AdminCount> out;
  for (const auto& r : tx.exec_params(kByAdmin, from, to))
    out.push_back({r[0].as<std::string>(), opt(r[1]), r[2].as<std::int64_t>()});
  return out;
}

std::vector<AuditEntry> AuditLog::sensitive(pqxx::work& tx, const std::string& from,
                                            const std::string& to, int limit) {
  std::vector<AuditEntry> out;
  for (const auto& r : tx.exec_params(kSensitiveCandidates, from, to, sensitive_pattern())) {
    auto e = entry_from(r);
    if (!is_sensitive(e.action, e.before, e.after))
      continue;
    out.push_back(std::move(e));
    if (static_cast<int>(out.size()) >= limit)
      break;
  }
  return out;
}

std::string audit_entry_json(const AuditEntry& e) {
  json::Writer w;
  w.begin_object()
      .field("id", e.id)
      .field("admin_id", e.admin_id)
      .field("admin_email", e.admin_email)
      .field("action", e.action)
      .field("target_type", e.target_type)
      .field("target_id", e.target_id)
      .field("user_id", e.user_id)
      .key("before")
      .raw(e.before)
      .key("after")
      .raw(e.after)
      .field("ip", e.ip)
      .field("user_agent", e.user_agent)
      .field("request_id", e.request_id)
      .field("service", e.service)
      .field("at", e.at)
      .end_object();
  return w.str();
}

std::string audit_csv(const std::vector<AuditEntry>& entries) {
  // Semicolons: what spreadsheet programs in Germany open correctly.
  text::CsvWriter csv(';');
  for (const char* title : {"Zeitpunkt (UTC)", "Admin-ID", "Admin-E-Mail", "Aktion", "Zieltyp",
                            "Ziel-ID", "Betroffener Nutzer", "Vorher", "Nachher", "IP-Adresse",
                            "User-Agent", "Request-ID", "Dienst"})
    csv.cell(title);
  csv.end_row();
  for (const auto& e : entries) {
    csv.cell(e.at)
        .cell(e.admin_id)
        .cell(e.admin_email.value_or(""))
        .cell(e.action)
        .cell(e.target_type)
        .cell(e.target_id)
        .cell(e.user_id.value_or(""))
        .cell(e.before)
        .cell(e.after)
        .cell(e.ip)
        .cell(e.user_agent)
        .cell(e.request_id)
        .cell(e.service)
        .end_row();
  }
  return std::string(text::kUtf8ByteOrderMark) + csv.str();
}

}  // namespace kx::auth
