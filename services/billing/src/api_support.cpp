#include "api_support.hpp"

#include "kx/http/error.hpp"

namespace kx::billing {

std::vector<std::string> entry_kinds(http::QueryParams& q, const char* name) {
  std::vector<std::string> out;
  auto v = q.raw(name);
  if (!v)
    return out;
  std::string_view rest = *v;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string kind(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (!is_entry_kind(kind)) {
      q.add_error(
          name, "kennt nur purchase, call_usage, grace_usage, admin_adjustment, refund und bonus");
      return {};
    }
    out.push_back(kind);
  }
  return out;
}

http::Response ledger_page(pg::Pool& db, const http::Request& req, const std::string& user_id) {
  http::QueryParams q(req);
  auto [limit, offset] = q.page(50, 200);
  auto kinds = entry_kinds(q, "type");
  q.require_valid();
  auto [entries, total] = pg::transact(db, [&](pqxx::work& tx) {
    return std::make_pair(LedgerStore::list_entries(tx, user_id, kinds, limit, offset),
                          LedgerStore::count_entries(tx, user_id, kinds));
  });
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& e : entries)
    write_entry(w, e);
  w.end_array().field("total", total).field("limit", limit).field("offset", offset).end_object();
  return http::Response::json(200, w.str());
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
