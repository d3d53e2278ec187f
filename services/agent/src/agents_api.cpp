#include "agents_api.hpp"

#include "agent_json.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/time/call_clock.hpp"
#include "voices.hpp"

namespace kx::agent {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr std::size_t kMaxDraftsPerOwner = 20;
constexpr std::size_t kMaxAgentsPerOwner = 20;

Error draft_not_found() {
  return Error::not_found("Dieser Entwurf existiert nicht (mehr).");
}
Error agent_not_found() {
  return Error::not_found("Diesen Agenten gibt es nicht (mehr).");
}

// Putting an agent live (creating, publishing or activating it) needs a confirmed e-mail
// address; drafts can be saved meanwhile, so no work is lost.
void require_verified_email(pqxx::work& tx, const std::string& user_id) {
  if (!AgentStore::owner(tx, user_id).email_verified)
    throw Error(403, "email_unverified", "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse.");
}

void check_voice(const Definition& d) {
  if (!d.voice_id.empty() && !find_voice(d.voice_id))
    throw Error::validation({{"voice_id", "Diese Stimme gibt es nicht."}});
}

int read_step(json::FieldReader& in, int fallback) {
  return static_cast<int>(in.int_between("step", 1, 6, false).value_or(fallback));
}

std::string read_state(const json::Value& doc) {
  auto it = doc.FindMember("state");
  if (it == doc.MemberEnd() || it->value.IsNull())
    return "{}";
  try {
    return check_draft_state(it->value);
  } catch (const Error& e) {
    // Field paths of the draft's state are named from the body's root.
    std::vector<json::FieldError> details;
    for (auto d : e.details()) {
      d.field = d.field.empty() ? "state" : "state." + d.field;
      details.push_back(std::move(d));
    }
    throw Error::validation(std::move(details), e.what());
  }
}

Response draft_conflict(const Draft& current, const std::string& request_id) {
  // The one error body, plus the newer draft so the page can offer to load it.
  json::Writer w;
  w.begin_object()
      .key("error")
      .begin_object()
      .field("code", "draft_conflict")
      .field("message",
             "Dieser Entwurf wurde inzwischen an anderer Stelle geändert (zum Beispiel in einem "
             "anderen Tab). Laden Sie die neuere Fassung, bevor Sie weiterarbeiten.")
      .field("request_id", request_id)
      .end_object()
      .key("draft");
  write_draft(w, current);
  w.end_object();
  return Response::json(409, w.str());
}

}  // namespace

Definition definition_from_request(const json::Value& doc) {
  auto d = read_definition(doc);
  check_voice(d);
  return d;
}

Definition patched_definition(const Definition& current, const json::Value& patch) {
  auto d = apply_patch(current, patch);
  check_voice(d);
  return d;
}

AgentsApi::AgentsApi(pg::Pool& db, const Agents& agents, TestCallSettings test_calls)
    : db_(db), agents_(agents), test_calls_(std::move(test_calls)) {
  if (!test_calls_.simulator_url.empty())
    simulator_ = std::make_unique<http::Client>(
        http::ClientOptions{.request_timeout = std::chrono::seconds(30), .max_retries = 0});
}

void AgentsApi::add_routes(http::Router& r) {
  const http::RouteOptions read{.max_body = 0, .access = Access::user};
  const http::RouteOptions write{.max_body = 256 * 1024, .access = Access::user};
  r.add("POST", "/api/agents/drafts", *this, &AgentsApi::create_draft, write);
  r.add("GET", "/api/agents/drafts", *this, &AgentsApi::list_drafts, read);
  r.add("GET", "/api/agents/drafts/{id}", *this, &AgentsApi::get_draft, read);
  r.add("PUT", "/api/agents/drafts/{id}", *this, &AgentsApi::save_draft, write);
  r.add("DELETE", "/api/agents/drafts/{id}", *this, &AgentsApi::delete_draft, read);
  r.add("POST", "/api/agents/drafts/{id}/publish", *this, &AgentsApi::publish_draft, read);
  r.add("POST", "/api/agents", *this, &AgentsApi::create, write);
  r.add("GET", "/api/agents", *this, &AgentsApi::list, read);
  r.add("GET", "/api/agents/{id}", *this, &AgentsApi::get, read);
  r.add("PATCH", "/api/agents/{id}", *this, &AgentsApi::patch, write);
  r.add("DELETE", "/api/agents/{id}", *this, &AgentsApi::remove, read);
  r.add("POST", "/api/agents/{id}/activate", *this, &AgentsApi::activate, read);
  r.add("POST", "/api/agents/{id}/deactivate", *this, &AgentsApi::deactivate, read);
  r.add("POST", "/api/agents/{id}/test-call", *this, &AgentsApi::test_call, read);
}

// --- drafts ---------------------------------------------------------------------------------

Response AgentsApi::create_draft(Request& req) {
  auto doc = http::parse_body(req.body.empty() ? "{}" : req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"step", "state"});
  int step = read_step(in, 1);
  http::require_valid(in);
  auto state = read_state(doc);
  auto draft = pg::transact(db_, [&](pqxx::work& tx) {
    if (AgentStore::drafts(tx, req.identity.user_id).size() >= kMaxDraftsPerOwner)
      throw Error::conflict("Sie haben bereits " + std::to_string(kMaxDraftsPerOwner) +
                                " Entwürfe. Löschen Sie einen, bevor Sie einen neuen beginnen.",
                            "too_many_drafts");
    return AgentStore::insert_draft(tx, req.identity.user_id, step, state);
  });
  return Response::json(201, draft_json(draft));
}

Response AgentsApi::list_drafts(Request& req) {
  auto drafts = pg::transact(
      db_, [&](pqxx::work& tx) { return AgentStore::drafts(tx, req.identity.user_id); });
  json::Writer w;
  w.begin_object().key("drafts").begin_array();
  for (const auto& d : drafts)
    write_draft(w, d);
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response AgentsApi::get_draft(Request& req) {
  auto draft = pg::transact(db_, [&](pqxx::work& tx) {
    return AgentStore::draft(tx, req.identity.user_id, req.param("id"));
  });
  if (!draft)
    throw draft_not_found();
  return Response::json(200, draft_json(*draft));
}

Response AgentsApi::save_draft(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"version", "step", "state"});
  auto version = in.int_between("version", 1, 1'000'000'000, true);
  auto step = in.int_between("step", 1, 6, false);
  http::require_valid(in);
  auto state = read_state(doc);
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto current = AgentStore::draft(tx, req.identity.user_id, req.param("id"), true);
    if (!current)
      throw draft_not_found();
    auto saved =
        AgentStore::update_draft(tx, req.identity.user_id, current->id, static_cast<int>(*version),
                                 step ? static_cast<int>(*step) : current->step, state);
    if (!saved)
      return draft_conflict(*current, req.request_id);
    return Response::json(200, draft_json(*saved));
  });
}

Response AgentsApi::delete_draft(Request& req) {
  bool deleted = pg::transact(db_, [&](pqxx::work& tx) {
    return AgentStore::delete_draft(tx, req.identity.user_id, req.param("id"));
  });
  if (!deleted)
    throw draft_not_found();
  return Response::no_content();
}

Response AgentsApi::publish_draft(Request& req) {
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto draft = AgentStore::draft(tx, req.identity.user_id, req.param("id"), true);
    if (!draft)
      throw draft_not_found();
    auto state = json::parse(draft->state);
    auto definition = definition_from_request(state);
    require_verified_email(tx, req.identity.user_id);
    if (AgentStore::agents_of(tx, req.identity.user_id).size() >= kMaxAgentsPerOwner)
      throw Error::conflict("Sie haben die Höchstzahl von " + std::to_string(kMaxAgentsPerOwner) +
                                " Agenten erreicht.",
                            "too_many_agents");
    auto agent = agents_.create(tx, req.identity.user_id, definition);
    AgentStore::delete_draft(tx, req.identity.user_id, draft->id);
    log::info("agent created from draft", {{"agent_id", agent.id}, {"draft_id", draft->id}});
    return Response::json(201, agent_json(agent));
  });
}

// --- agents ---------------------------------------------------------------------------------

Response AgentsApi::create(Request& req) {
  auto doc = http::parse_body(req.body);
  auto definition = definition_from_request(doc);
  auto agent = pg::transact(db_, [&](pqxx::work& tx) {
    // One owner's creations queue here, so the limit holds even for parallel requests.
    tx.exec_params("INSERT INTO owners (user_id) VALUES ($1) ON CONFLICT DO NOTHING",
                   req.identity.user_id);
    tx.exec_params("SELECT 1 FROM owners WHERE user_id = $1 FOR UPDATE", req.identity.user_id);
    require_verified_email(tx, req.identity.user_id);
    if (AgentStore::agents_of(tx, req.identity.user_id).size() >= kMaxAgentsPerOwner)
      throw Error::conflict("Sie haben die Höchstzahl von " + std::to_string(kMaxAgentsPerOwner) +
                                " Agenten erreicht.",
                            "too_many_agents");
    return agents_.create(tx, req.identity.user_id, definition);
  });
  log::info("agent created", {{"agent_id", agent.id}, {"user_id", agent.user_id}});
  return Response::json(201, agent_json(agent));
}

Response AgentsApi::list(Request& req) {
  auto agents = pg::transact(
      db_, [&](pqxx::work& tx) { return AgentStore::agents_of(tx, req.identity.user_id); });
  json::Writer w;
  w.begin_object().key("agents").begin_array();
  for (const auto& a : agents)
    write_agent(w, a);
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response AgentsApi::get(Request& req) {
  auto agent = pg::transact(db_, [&](pqxx::work& tx) {
    return AgentStore::agent(tx, req.param("id"), req.identity.user_id);
  });
  if (!agent)
    throw agent_not_found();
  return Response::json(200, agent_json(*agent));
}

Response AgentsApi::patch(Request& req) {
  auto doc = http::parse_body(req.body);
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto agent = AgentStore::agent(tx, req.param("id"), req.identity.user_id, true);
    if (!agent)
      throw agent_not_found();
    auto definition = patched_definition(agent->definition, doc);
    return Response::json(200, agent_json(agents_.update(tx, *agent, definition)));
  });
}

Response AgentsApi::remove(Request& req) {
  pg::transact(db_, [&](pqxx::work& tx) {
    auto agent = AgentStore::agent(tx, req.param("id"), req.identity.user_id, true);
    if (!agent)
      throw agent_not_found();
    agents_.remove(tx, *agent);
  });
  log::info("agent deleted", {{"agent_id", req.param("id")}});
  return Response::no_content();
}

Response AgentsApi::set_status(Request& req, const std::string& status) {
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto agent = AgentStore::agent(tx, req.param("id"), req.identity.user_id, true);
    if (!agent)
      throw agent_not_found();
    if (status == "active" && agent->status != "active")
      require_verified_email(tx, req.identity.user_id);
    return Response::json(200, agent_json(agents_.set_status(tx, *agent, status)));
  });
}

Response AgentsApi::activate(Request& req) {
  return set_status(req, "active");
}

Response AgentsApi::deactivate(Request& req) {
  return set_status(req, "inactive");
}

Response AgentsApi::test_call(Request& req) {
  auto agent = pg::transact(db_, [&](pqxx::work& tx) {
    return AgentStore::agent(tx, req.param("id"), req.identity.user_id);
  });
  if (!agent)
    throw agent_not_found();
  if (!agent->vapi_assistant_id)
    throw Error::conflict(
        "Der Agent wird gerade bei Vapi eingerichtet. Versuchen Sie den Testanruf gleich noch "
        "einmal.",
        "not_synced");
  auto language = agent->definition.language == "en" ? time::Language::en : time::Language::de;
  auto zone = time::Zone::find(agent->definition.timezone).value_or(time::Zone::utc());
  auto variables = time::call_clock_variables(zone, language, std::chrono::system_clock::now());

  if (!test_calls_.vapi_public_key.empty()) {
    json::Writer w;
    w.begin_object()
        .field("mode", "web")
        .field("public_key", test_calls_.vapi_public_key)
        .field("assistant_id", *agent->vapi_assistant_id)
        .key("variable_values")
        .begin_object();
    for (const auto& [k, v] : variables)
      w.field(k, v);
    w.end_object().end_object();
    return Response::json(200, w.str());
  }
  if (!simulator_)
    throw Error::unavailable(
        "Testanrufe sind nicht eingerichtet (weder ein öffentlicher Vapi-Schlüssel noch der "
        "Anruf-Simulator).");

  // A web call to the assistant, as the browser's SDK would make: telephony records it as a test
  // call (free unless the admin charges test calls), whatever the agent's number.
  json::Writer scenario;
  scenario.begin_object()
      .field("assistant_id", *agent->vapi_assistant_id)
      .field("web", true)
      .field("duration_seconds", 45)
      .end_object();
  http::Response res;
  try {
    res = simulator_->post_json(test_calls_.simulator_url, scenario.str());
  } catch (const http::ClientError& e) {
    log::warn("call simulator unreachable", {{"error", std::string(e.what())}});
    throw Error::unavailable("Der Anruf-Simulator ist nicht erreichbar.");
  }
  if (res.status != 200)
    throw Error::unavailable("Der Anruf-Simulator hat den Testanruf nicht ausgeführt.");
  auto played = json::parse(res.body);
  json::Writer w;
  w.begin_object()
      .field("mode", "simulated")
      .field("call_id", json::get_string(played, "call_id"))
      .field("outcome", json::get_string(played, "outcome"))
      .field("assistant_id", json::get_string(played, "assistant_id"))
      .key("transcript");
  if (auto it = played.FindMember("transcript"); it != played.MemberEnd() && it->value.IsArray())
    w.value(it->value);
  else
    w.begin_array().end_array();
  w.end_object();
  return Response::json(200, w.str());
}

}  // namespace kx::agent
