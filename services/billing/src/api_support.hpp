#pragma once
// Small pieces the billing handlers share: the ledger page (for the owner and for admins) and
// the JSON shape of a ledger entry.

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "kx/http/message.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/pg.hpp"
#include "ledger_store.hpp"

namespace kx::billing {

/// Ledger entry kinds as a comma-separated list ("purchase,refund"); empty = all.
std::vector<std::string> entry_kinds(http::QueryParams& q, const char* name);

/// One page of an owner's ledger, newest first (query: limit, offset, type).
http::Response ledger_page(pg::Pool& db, const http::Request& req, const std::string& user_id);

/// The entry as the API shows it.
void write_entry(json::Writer& w, const Entry& entry);

/// `s` without leading and trailing white space.
std::string trimmed(std::string s);

}  // namespace kx::billing
