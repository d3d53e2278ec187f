#include "api_support.hpp"

#include <charconv>

#include "kx/http/error.hpp"

namespace kx::billing {
namespace {

std::optional<int> parse_int(std::string_view s) {
  int n = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (err != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return n;
}

}  // namespace

int QueryParams::integer(const char* name, int fallback, int min, int max) {
  auto v = req_.query_param(name);
  if (!v || v->empty())
    return fallback;
  auto n = parse_int(*v);
  if (n && *n >= min && *n <= max)
    return *n;
  add_error(name, "muss eine Zahl zwischen " + std::to_string(min) + " und " + std::to_string(max) +
                      " sein");
  return fallback;
}

std::vector<std::string> QueryParams::kinds(const char* name) {
  std::vector<std::string> out;
  auto v = req_.query_param(name);
  if (!v || v->empty())
    return out;
  std::string_view rest = *v;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string kind(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (!is_entry_kind(kind)) {
      add_error(name,
                "kennt nur purchase, call_usage, grace_usage, admin_adjustment, refund und bonus");
      return {};
    }
    out.push_back(kind);
  }
  return out;
}

std::optional<std::chrono::sys_days> QueryParams::date(const char* name) {
  auto v = req_.query_param(name);
  if (!v || v->empty())
    return std::nullopt;
  const std::string& s = *v;
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
    auto y = parse_int(std::string_view(s).substr(0, 4));
    auto m = parse_int(std::string_view(s).substr(5, 2));
    auto d = parse_int(std::string_view(s).substr(8, 2));
    if (y && m && d && *m > 0 && *d > 0) {
      std::chrono::year_month_day ymd{std::chrono::year(*y),
                                      std::chrono::month(static_cast<unsigned>(*m)),
                                      std::chrono::day(static_cast<unsigned>(*d))};
      if (ymd.ok())
        return std::chrono::sys_days(ymd);
    }
  }
  add_error(name, "muss ein Datum im Format JJJJ-MM-TT sein");
  return std::nullopt;
}

void QueryParams::add_error(std::string field, std::string message) {
  errors_.push_back({std::move(field), std::move(message)});
}

void QueryParams::require_valid() const {
  if (!errors_.empty())
    throw http::Error::validation(errors_);
}

std::string format_date(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

void write_entry(json::Writer& w, const Entry& e) {
  w.begin_object()
      .field("id", e.id)
      .field("type", e.kind)
      .field("amount_cents", e.amount_cents)
      .field("balance_after_cents", e.balance_after_cents)
      .field("reference", e.reference)
      .field("description", e.description)
      .field("created_at", e.created_at)
      .end_object();
}

void publish_audit(const events::Outbox& outbox, pqxx::work& tx, const http::Request& req,
                   const AuditRecord& r) {
  std::string ip(req.header("X-Forwarded-For").value_or(req.remote_address));
  if (auto comma = ip.find(','); comma != std::string::npos)
    ip = ip.substr(0, comma);
  json::Writer w;
  w.begin_object()
      .field("admin_id", req.identity.user_id)
      .field("action", r.action)
      .field("target_type", r.target_type)
      .field("target_id", r.target_id)
      .key("before")
      .raw(r.before)
      .key("after")
      .raw(r.after)
      .field("ip", ip)
      .field("user_agent", std::string(req.header("User-Agent").value_or("")).substr(0, 512))
      .field("at", events::utc_now())
      .field("user_id", r.user_id)
      .field("request_id", req.request_id)
      .end_object();
  outbox.add(tx, "admin.action", r.user_id.value_or(req.identity.user_id), r.target_id, w.str());
}

}  // namespace kx::billing
