#include "admin_api.hpp"

#include <sstream>

#include "agent_json.hpp"
#include "agents_api.hpp"
#include "kx/events/audit.hpp"
#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::agent {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr std::size_t kMaxImportLines = 1000;

Error agent_not_found() {
  return Error::not_found("Diesen Agenten gibt es nicht (mehr).");
}
Error number_not_found() {
  return Error::not_found("Diese Nummer ist nicht im Pool.");
}

std::string number_json(const PhoneNumberRow& n) {
  json::Writer w;
  write_number(w, n);
  return w.str();
}

void audit(const events::Outbox& outbox, pqxx::work& tx, const Request& req, std::string action,
           std::string type, std::string id, std::string before, std::string after,
           std::optional<std::string> user_id) {
  events::publish_audit(
      outbox, tx, req,
      events::AuditRecord{std::move(action), std::move(type), std::move(id), std::move(before),
                          std::move(after), std::move(user_id)});
}

// One cell per line: the first column of a CSV (comma or semicolon), quotes removed.
std::vector<std::string> csv_numbers(const std::string& csv) {
  std::vector<std::string> out;
  std::istringstream in(csv);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    auto cut = line.find_first_of(",;\t");
    auto cell = line.substr(0, cut);
    std::string clean;
    for (char c : cell) {
      if (c != '"')
        clean += c;
    }
    out.push_back(clean);
  }
  return out;
}

bool header_like(const std::string& cell) {
  for (char c : cell) {
    if (std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return !cell.empty();
}

}  // namespace

void AdminApi::add_routes(http::Router& r) {
  const http::RouteOptions read{.max_body = 0, .access = Access::admin};
  const http::RouteOptions write{.max_body = 256 * 1024, .access = Access::admin};
  r.add("GET", "/api/admin/agents", *this, &AdminApi::list_agents, read);
  r.add("GET", "/api/admin/agents/{id}", *this, &AdminApi::get_agent, read);
  r.add("PATCH", "/api/admin/agents/{id}", *this, &AdminApi::patch_agent, write);
  r.add("DELETE", "/api/admin/agents/{id}", *this, &AdminApi::delete_agent, read);
  r.add("POST", "/api/admin/agents/{id}/activate", *this, &AdminApi::activate_agent, read);
  r.add("POST", "/api/admin/agents/{id}/deactivate", *this, &AdminApi::deactivate_agent, read);
  r.add("GET", "/api/admin/phone-numbers", *this, &AdminApi::list_numbers, read);
  r.add("POST", "/api/admin/phone-numbers", *this, &AdminApi::add_number,
        {.max_body = 4 * 1024, .access = Access::admin});
  r.add("POST", "/api/admin/phone-numbers/import", *this, &AdminApi::import_numbers,
        {.max_body = 512 * 1024, .access = Access::admin});
  r.add("POST", "/api/admin/phone-numbers/sync", *this, &AdminApi::sync_numbers, read);
  r.add("POST", "/api/admin/phone-numbers/{id}/assign", *this, &AdminApi::assign_number,
        {.max_body = 4 * 1024, .access = Access::admin});
  r.add("POST", "/api/admin/phone-numbers/{id}/release", *this, &AdminApi::release_number, read);
  r.add("DELETE", "/api/admin/phone-numbers/{id}", *this, &AdminApi::delete_number, read);
}

Response AdminApi::list_agents(Request& req) {
  http::QueryParams q(req);
  AgentFilter f;
  f.user_id = q.text("user_id", 200);
  f.status = q.one_of("status", {"active", "inactive", "paused"});
  f.sync_state = q.one_of("sync_state", {"pending", "synced", "error"});
  f.text = q.text("q", 100);
  auto page = q.page(50, 200);
  q.require_valid();
  f.limit = page.limit;
  f.offset = page.offset;
  std::int64_t total = 0;
  auto agents =
      pg::transact(db_, [&](pqxx::work& tx) { return AgentStore::find_agents(tx, f, total); });
  json::Writer w;
  w.begin_object().key("agents").begin_array();
  for (const auto& a : agents)
    write_agent(w, a, true);
  w.end_array()
      .field("total", total)
      .field("limit", f.limit)
      .field("offset", f.offset)
      .end_object();
  return Response::json(200, w.str());
}

Response AdminApi::get_agent(Request& req) {
  auto agent = pg::transact(
      db_, [&](pqxx::work& tx) { return AgentStore::agent(tx, req.param("id"), std::nullopt); });
  if (!agent)
    throw agent_not_found();
  return Response::json(200, agent_json(*agent, true));
}

Response AdminApi::patch_agent(Request& req) {
  auto doc = http::parse_body(req.body);
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto agent = AgentStore::agent(tx, req.param("id"), std::nullopt, true);
    if (!agent)
      throw agent_not_found();
    auto updated = agents_.update(tx, *agent, patched_definition(agent->definition, doc));
    audit(outbox_, tx, req, "agent.update", "agent", agent->id, definition_json(agent->definition),
          definition_json(updated.definition), agent->user_id);
    return Response::json(200, agent_json(updated, true));
  });
}

Response AdminApi::delete_agent(Request& req) {
  pg::transact(db_, [&](pqxx::work& tx) {
    auto agent = AgentStore::agent(tx, req.param("id"), std::nullopt, true);
    if (!agent)
      throw agent_not_found();
    agents_.remove(tx, *agent);
    audit(outbox_, tx, req, "agent.delete", "agent", agent->id, agent_json(*agent, true), "null",
          agent->user_id);
  });
  return Response::no_content();
}

Response AdminApi::set_status(Request& req, const std::string& status) {
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto agent = AgentStore::agent(tx, req.param("id"), std::nullopt, true);
    if (!agent)
      throw agent_not_found();
    auto updated = agents_.set_status(tx, *agent, status);
    json::Writer before, after;
    before.begin_object().field("status", agent->status).end_object();
    after.begin_object().field("status", status).end_object();
    audit(outbox_, tx, req, status == "active" ? "agent.activate" : "agent.deactivate", "agent",
          agent->id, before.str(), after.str(), agent->user_id);
    return Response::json(200, agent_json(updated, true));
  });
}

Response AdminApi::activate_agent(Request& req) {
  return set_status(req, "active");
}

Response AdminApi::deactivate_agent(Request& req) {
  return set_status(req, "inactive");
}

Response AdminApi::list_numbers(Request& req) {
  http::QueryParams q(req);
  auto status = q.one_of("status", {"available", "assigned"});
  q.require_valid();
  auto [numbers, summary] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(AgentStore::numbers(tx, status), AgentStore::pool_summary(tx));
  });
  json::Writer w;
  w.begin_object().key("phone_numbers").begin_array();
  for (const auto& n : numbers)
    write_number(w, n);
  w.end_array()
      .key("summary")
      .begin_object()
      .field("total", summary.total)
      .field("available", summary.available)
      .field("assigned", summary.assigned)
      .field("agents_without_number", summary.agents_without_number)
      .end_object()
      .end_object();
  return Response::json(200, w.str());
}

std::vector<VapiPhoneNumber> AdminApi::vapi_numbers() {
  try {
    return vapi_.phone_numbers();
  } catch (const VapiError& e) {
    log::warn("vapi phone numbers unavailable", {{"detail", std::string(e.what())}});
    throw Error::unavailable("Die Nummern in Vapi können gerade nicht abgerufen werden: " +
                             e.german());
  }
}

Response AdminApi::add_number(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"e164"});
  auto text = in.required_string("e164", 40);
  http::require_valid(in);
  auto outcome = pool_.add(text, vapi_numbers(), [&](pqxx::work& tx, const std::string& id) {
    json::Writer after;
    after.begin_object().field("e164", text).end_object();
    audit(outbox_, tx, req, "phone_number.add", "phone_number", id, "null", after.str(),
          std::nullopt);
  });
  switch (outcome.kind) {
    case AddOutcome::Kind::invalid:
    case AddOutcome::Kind::not_in_vapi:
      throw Error::validation({{"e164", outcome.message}});
    case AddOutcome::Kind::duplicate:
      throw Error::conflict(outcome.message, "duplicate");
    case AddOutcome::Kind::added:
      break;
  }
  auto number = pg::transact(
      db_, [&](pqxx::work& tx) { return AgentStore::number_by_e164(tx, outcome.e164); });
  return Response::json(201, number_json(*number));
}

Response AdminApi::import_numbers(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"csv"});
  auto csv = in.required_string("csv", 256 * 1024);
  http::require_valid(in);
  auto lines = csv_numbers(csv);
  if (lines.size() > kMaxImportLines)
    throw Error::validation(
        {{"csv", "höchstens " + std::to_string(kMaxImportLines) + " Zeilen auf einmal"}});
  auto vapi = vapi_numbers();
  int added = 0;
  json::Writer skipped;
  skipped.begin_array();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& cell = lines[i];
    if (cell.find_first_not_of(" \t") == std::string::npos || (i == 0 && header_like(cell)))
      continue;
    auto outcome = pool_.add(cell, vapi, [&](pqxx::work& tx, const std::string& id) {
      json::Writer after;
      after.begin_object().field("e164", cell).field("source", "csv").end_object();
      audit(outbox_, tx, req, "phone_number.add", "phone_number", id, "null", after.str(),
            std::nullopt);
    });
    if (outcome.kind == AddOutcome::Kind::added) {
      ++added;
      continue;
    }
    skipped.begin_object()
        .field("line", static_cast<int>(i + 1))
        .field("text", cell)
        .field("message", outcome.message)
        .end_object();
  }
  skipped.end_array();
  json::Writer w;
  w.begin_object().field("added", added).key("skipped").raw(skipped.str()).end_object();
  return Response::json(200, w.str());
}

Response AdminApi::sync_numbers(Request& req) {
  ImportResult result;
  try {
    result = pool_.import_from_vapi();
  } catch (const VapiError& e) {
    throw Error::unavailable("Der Abgleich mit Vapi ist fehlgeschlagen: " + e.german());
  }
  pg::transact(db_, [&](pqxx::work& tx) {
    json::Writer after;
    after.begin_object().field("imported", result.added).field("total", result.total).end_object();
    audit(outbox_, tx, req, "phone_number.sync", "phone_number_pool", "vapi", "null", after.str(),
          std::nullopt);
  });
  json::Writer w;
  w.begin_object().field("imported", result.added).field("total", result.total).end_object();
  return Response::json(200, w.str());
}

Response AdminApi::assign_number(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"agent_id"});
  auto agent_id = in.required_string("agent_id", 64);
  http::require_valid(in);
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto number = AgentStore::number(tx, req.param("id"), true);
    if (!number || number->removed)
      throw number_not_found();
    auto agent = AgentStore::agent(tx, agent_id, std::nullopt, true);
    if (!agent)
      throw Error::validation({{"agent_id", "Diesen Agenten gibt es nicht."}});
    if (number->agent_id == agent->id)
      return Response::json(200, number_json(*number));
    if (number->agent_id)
      throw Error::conflict(
          "Die Nummer gehört schon einem anderen Agenten. Geben Sie sie zuerst frei.",
          "number_assigned");
    if (agent->number)
      throw Error::conflict("Der Agent hat schon eine Nummer (" + agent->number->e164 +
                                "). Geben Sie sie zuerst frei.",
                            "agent_has_number");
    AgentStore::assign_number(tx, number->id, agent->id);
    json::Writer after;
    after.begin_object().field("agent_id", agent->id).end_object();
    audit(outbox_, tx, req, "phone_number.assign", "phone_number", number->id, "null", after.str(),
          agent->user_id);
    return Response::json(200, number_json(*AgentStore::number(tx, number->id)));
  });
}

Response AdminApi::release_number(Request& req) {
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto number = AgentStore::number(tx, req.param("id"), true);
    if (!number || number->removed)
      throw number_not_found();
    if (number->agent_id) {
      AgentStore::release_number(tx, number->id);
      json::Writer before;
      before.begin_object().field("agent_id", *number->agent_id).end_object();
      audit(outbox_, tx, req, "phone_number.release", "phone_number", number->id, before.str(),
            "null", number->user_id);
    }
    return Response::json(200, number_json(*AgentStore::number(tx, number->id)));
  });
}

Response AdminApi::delete_number(Request& req) {
  pg::transact(db_, [&](pqxx::work& tx) {
    auto number = AgentStore::number(tx, req.param("id"), true);
    if (!number || number->removed)
      throw number_not_found();
    if (number->agent_id || number->synced_agent_id)
      throw Error::conflict(
          "Die Nummer ist einem Agenten zugewiesen. Geben Sie sie frei, bevor Sie sie löschen.",
          "number_assigned");
    AgentStore::remove_number(tx, number->id);
    json::Writer before;
    before.begin_object().field("e164", number->e164).end_object();
    audit(outbox_, tx, req, "phone_number.delete", "phone_number", number->id, before.str(), "null",
          std::nullopt);
  });
  return Response::no_content();
}

}  // namespace kx::agent
