#include "api_support.hpp"

#include <cctype>

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

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start])))
    ++start;
  return s.substr(start);
}

}  // namespace kx::billing
