#include "webhook_api.hpp"

#include <cctype>
#include <set>

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "webhook_catalog.hpp"

namespace kx::integrations {
namespace {

using http::Error;
using http::Request;
using http::Response;

// Times as ISO-8601 UTC with milliseconds, like every other time of the API.
constexpr const char* kEndpointColumns =
    "id::text, url, description, array_to_json(event_types)::text, enabled, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "disabled_reason, "
    "to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "to_char(secret_rotated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

constexpr const char* kDeliveryColumns =
    "d.id::text, d.endpoint_id::text, d.message_id, d.event_type, d.state, d.attempts, "
    "to_char(d.next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "d.last_status, d.last_error, "
    "to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "to_char(d.delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "d.payload, "
    "COALESCE((SELECT json_agg(json_build_object('attempt', a.attempt, 'started_at', "
    "to_char(a.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "'request_headers', a.request_headers, 'response_status', a.response_status, "
    "'response_body', a.response_body, 'duration_ms', a.duration_ms, 'error', a.error) "
    "ORDER BY a.id) FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]')::text";

const char* const kNotFound = "Dieser Webhook-Endpunkt existiert nicht.";
const char* const kDisabled = "Der Endpunkt ist deaktiviert; bitte aktivieren Sie ihn zuerst.";

const std::string& endpoint_id(const Request& req) {
  const auto& id = req.param("id");
  if (!crypto::is_uuid(id))
    throw Error::not_found(kNotFound);
  return id;
}

void nullable(json::Writer& w, std::string_view key, const pqxx::field& f) {
  w.key(key);
  f.is_null() ? w.null() : w.value(f.as<std::string>());
}

std::string endpoint_json(const pqxx::row& r, const std::string* secret = nullptr) {
  json::Writer w;
  w.begin_object()
      .field("id", r[0].as<std::string>())
      .field("url", r[1].as<std::string>())
      .field("description", r[2].as<std::string>())
      .key("event_types")
      .raw(r[3].as<std::string>())
      .field("enabled", r[4].as<bool>())
      .field("created_at", r[5].as<std::string>())
      .field("updated_at", r[6].as<std::string>());
  nullable(w, "disabled_reason", r[7]);
  nullable(w, "failing_since", r[8]);
  nullable(w, "secret_rotated_at", r[9]);
  if (secret)
    w.field("secret", *secret);
  w.end_object();
  return w.str();
}

void delivery_json(json::Writer& w, const pqxx::row& r) {
  w.begin_object()
      .field("id", r[0].as<std::string>())
      .field("endpoint_id", r[1].as<std::string>())
      .field("message_id", r[2].as<std::string>())
      .field("event_type", r[3].as<std::string>())
      .field("state", r[4].as<std::string>())
      .field("attempts", r[5].as<int>());
  nullable(w, "next_attempt_at", r[6]);
  w.key("last_status");
  r[7].is_null() ? w.null() : w.value(r[7].as<int>());
  nullable(w, "last_error", r[8]);
  w.field("created_at", r[9].as<std::string>());
  nullable(w, "delivered_at", r[10]);
  w.field("payload", r[11].as<std::string>()).key("attempt_log").raw(r[12].as<std::string>());
  w.end_object();
}

// PostgreSQL array literal; catalog names are [a-z._] only.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& i : items)
    out += (out.size() > 1 ? "," : "") + i;
  return out + "}";
}

// `event_types`: catalog names, at least one, each once. Records problems in `in`.
std::optional<std::vector<std::string>> read_event_types(json::FieldReader& in,
                                                         const json::Value& doc, bool required) {
  bool present = doc.IsObject() && doc.HasMember("event_types");
  if (!present) {
    if (required)
      in.add_error("event_types", "Bitte wählen Sie mindestens einen Ereignistyp.");
    return std::nullopt;
  }
  const auto* array = in.optional_array("event_types");
  if (!array)
    return std::nullopt;
  std::vector<std::string> types;
  std::set<std::string> seen;
  int i = 0;
  for (const auto& v : array->GetArray()) {
    auto field = "event_types[" + std::to_string(i++) + "]";
    if (!v.IsString()) {
      in.add_error(field, "Muss ein Text sein.");
      continue;
    }
    std::string type(v.GetString(), v.GetStringLength());
    if (!is_webhook_event_type(type))
      in.add_error(field, "Unbekannter Ereignistyp „" + type.substr(0, 100) + "“.");
    else if (seen.insert(type).second)
      types.push_back(type);
  }
  if (types.empty() && in.ok())
    in.add_error("event_types", "Bitte wählen Sie mindestens einen Ereignistyp.");
  return types;
}

}  // namespace

WebhookApi::WebhookApi(pg::Pool& db, const crypto::Keyring& keys, TargetPolicy policy,
                       WebhookSettings settings)
    : db_(db), keys_(keys), policy_(std::move(policy)), settings_(std::move(settings)) {}

void WebhookApi::add_routes(http::Router& router) {
  const std::string base = "/api/webhooks";
  router.add("GET", base + "/event-types", *this, &WebhookApi::event_types, {.max_body = 0});
  router.add("GET", base + "/endpoints", *this, &WebhookApi::list, {.max_body = 0});
  router.add("POST", base + "/endpoints", *this, &WebhookApi::create, {.max_body = 16 * 1024});
  router.add("GET", base + "/endpoints/{id}", *this, &WebhookApi::get, {.max_body = 0});
  router.add("PATCH", base + "/endpoints/{id}", *this, &WebhookApi::update,
             {.max_body = 16 * 1024});
  router.add("DELETE", base + "/endpoints/{id}", *this, &WebhookApi::remove, {.max_body = 0});
  router.add("POST", base + "/endpoints/{id}/test", *this, &WebhookApi::test, {.max_body = 1024});
  router.add("POST", base + "/endpoints/{id}/rotate-secret", *this, &WebhookApi::rotate_secret,
             {.max_body = 1024});
  router.add("GET", base + "/endpoints/{id}/deliveries", *this, &WebhookApi::deliveries,
             {.max_body = 0});
  router.add("POST", base + "/deliveries/{id}/replay", *this, &WebhookApi::replay,
             {.max_body = 1024});
}

Response WebhookApi::event_types(Request&) {
  json::Writer w;
  w.begin_object().key("event_types").begin_array();
  for (const auto& t : webhook_event_types())
    w.begin_object()
        .field("type", t.type)
        .key("description")
        .begin_object()
        .field("de", t.description_de)
        .field("en", t.description_en)
        .end_object()
        .end_object();
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response WebhookApi::list(Request& req) {
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto rows = tx.exec_params(std::string("SELECT ") + kEndpointColumns +
                                   " FROM webhook_endpoints WHERE user_id = $1 "
                                   "ORDER BY created_at, id",
                               req.identity.user_id);
    std::string body = "{\"endpoints\":[";
    for (std::size_t i = 0; i < rows.size(); ++i)
      body += (i ? "," : "") + endpoint_json(rows[i]);
    return Response::json(200, body + "]}");
  });
}

Response WebhookApi::create(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"url", "description", "event_types", "enabled"});
  auto before = in.errors().size();
  auto url = in.required_string("url", 2'000);
  bool url_read = in.errors().size() == before;
  auto description = in.optional_string("description", 500).value_or("");
  auto types = read_event_types(in, doc, true);
  auto enabled = in.optional_bool("enabled").value_or(true);
  if (url_read) {
    try {
      policy_.check(url);
    } catch (const TargetRefused& e) {
      in.add_error("url", e.what());
    }
  }
  http::require_valid(in);
  auto id = crypto::uuid_v4();
  auto secret = new_webhook_secret();
  auto now = iso_time(settings_.clock());
  const auto& user_id = req.identity.user_id;
  return pg::transact(db_, [&](pqxx::work& tx) {
    // Serialises one owner's creations so two at once cannot pass the limit together.
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('webhook_endpoints:' || $1))", user_id);
    auto count =
        tx.exec_params("SELECT count(*) FROM webhook_endpoints WHERE user_id = $1", user_id)[0][0]
            .as<int>();
    if (count >= settings_.max_endpoints)
      throw Error::conflict("Sie können höchstens " + std::to_string(settings_.max_endpoints) +
                                " Webhook-Endpunkte anlegen.",
                            "limit_reached");
    auto row = tx.exec_params(
        std::string("INSERT INTO webhook_endpoints (id, user_id, url, description, event_types, "
                    "enabled, secret, created_at, updated_at) "
                    "VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8::timestamptz, "
                    "$8::timestamptz) RETURNING ") +
            kEndpointColumns,
        id, user_id, url, description, text_array(*types), enabled,
        keys_.seal(secret, "webhook:" + id), now);
    log::info("webhook endpoint created", {{"user_id", user_id}, {"endpoint_id", id}});
    return Response::json(201, endpoint_json(row[0], &secret));
  });
}

Response WebhookApi::get(Request& req) {
  const auto& id = endpoint_id(req);
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto rows = tx.exec_params(std::string("SELECT ") + kEndpointColumns +
                                   " FROM webhook_endpoints WHERE id = $1 AND user_id = $2",
                               id, req.identity.user_id);
    if (rows.empty())
      throw Error::not_found(kNotFound);
    return Response::json(200, endpoint_json(rows[0]));
  });
}

Response WebhookApi::update(Request& req) {
  const auto& id = endpoint_id(req);
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"url", "description", "event_types", "enabled"});
  auto url = in.optional_string("url", 2'000);
  auto description = in.optional_string("description", 500);
  auto types = read_event_types(in, doc, false);
  auto enabled = in.optional_bool("enabled");
  if (url) {
    try {
      policy_.check(*url);
    } catch (const TargetRefused& e) {
      in.add_error("url", e.what());
    }
  }
  http::require_valid(in);
  auto types_text = types ? text_array(*types) : std::string();
  const char* enabled_text = !enabled ? nullptr : *enabled ? "true" : "false";
  return pg::transact(db_, [&](pqxx::work& tx) {
    // Switching on again starts afresh: the failure window counts from the next failure.
    auto rows = tx.exec_params(
        std::string("UPDATE webhook_endpoints SET url = COALESCE($3, url), "
                    "description = COALESCE($4, description), "
                    "event_types = COALESCE($5::text[], event_types), "
                    "enabled = COALESCE($6::boolean, enabled), "
                    "disabled_reason = CASE WHEN $6::boolean IS NULL THEN disabled_reason "
                    "  WHEN $6::boolean THEN NULL ELSE 'owner' END, "
                    "failing_since = CASE WHEN $6::boolean THEN NULL ELSE failing_since END, "
                    "updated_at = $7::timestamptz WHERE id = $1 AND user_id = $2 RETURNING ") +
            kEndpointColumns,
        id, req.identity.user_id, url ? url->c_str() : nullptr,
        description ? description->c_str() : nullptr, types ? types_text.c_str() : nullptr,
        enabled_text, iso_time(settings_.clock()));
    if (rows.empty())
      throw Error::not_found(kNotFound);
    return Response::json(200, endpoint_json(rows[0]));
  });
}

Response WebhookApi::remove(Request& req) {
  const auto& id = endpoint_id(req);
  auto gone = pg::transact(db_, [&](pqxx::work& tx) {
    return tx
        .exec_params("DELETE FROM webhook_endpoints WHERE id = $1 AND user_id = $2", id,
                     req.identity.user_id)
        .affected_rows();
  });
  if (gone == 0)
    throw Error::not_found(kNotFound);
  return Response::no_content();
}

Response WebhookApi::test(Request& req) {
  const auto& id = endpoint_id(req);
  auto now = iso_time(settings_.clock());
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto endpoint = tx.exec_params(
        "SELECT enabled FROM webhook_endpoints WHERE id = $1 AND user_id = $2 FOR UPDATE", id,
        req.identity.user_id);
    if (endpoint.empty())
      throw Error::not_found(kNotFound);
    if (!endpoint[0][0].as<bool>())
      throw Error::conflict(kDisabled, "endpoint_disabled");
    auto event_id = "test_" + crypto::uuid_v4();
    json::Writer data;
    data.begin_object()
        .field("endpoint_id", id)
        .field("message", "Dies ist ein Testereignis von Kametrix.")
        .end_object();
    auto delivery_id = crypto::uuid_v7();
    tx.exec_params(
        "INSERT INTO webhook_deliveries (id, endpoint_id, user_id, event_id, message_id, "
        "event_type, payload, state, next_attempt_at, created_at) "
        "VALUES ($1, $2, $3, $4, $5, 'webhook.test', $6, 'pending', $7::timestamptz, "
        "$7::timestamptz)",
        delivery_id, id, req.identity.user_id, event_id, webhook_message_id(event_id, id),
        webhook_payload("webhook.test", now, data.str()), now);
    auto row = tx.exec_params(
        std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries d WHERE d.id = $1",
        delivery_id);
    json::Writer w;
    delivery_json(w, row[0]);
    return Response::json(202, w.str());
  });
}

Response WebhookApi::rotate_secret(Request& req) {
  const auto& id = endpoint_id(req);
  auto secret = new_webhook_secret();
  auto now = settings_.clock();
  return pg::transact(db_, [&](pqxx::work& tx) {
    // Receivers keep accepting the old secret meanwhile: both signatures go out until then.
    auto rows = tx.exec_params(
        std::string("UPDATE webhook_endpoints SET previous_secret = secret, "
                    "previous_secret_expires_at = $4::timestamptz, secret = $3, "
                    "secret_rotated_at = $5::timestamptz, updated_at = $5::timestamptz "
                    "WHERE id = $1 AND user_id = $2 RETURNING ") +
            kEndpointColumns,
        id, req.identity.user_id, keys_.seal(secret, "webhook:" + id),
        iso_time(now + settings_.secret_overlap), iso_time(now));
    if (rows.empty())
      throw Error::not_found(kNotFound);
    log::info("webhook secret rotated", {{"user_id", req.identity.user_id}, {"endpoint_id", id}});
    return Response::json(200, endpoint_json(rows[0], &secret));
  });
}

Response WebhookApi::deliveries(Request& req) {
  const auto& id = endpoint_id(req);
  http::QueryParams q(req);
  auto state = q.one_of("state", {"pending", "delivered", "failed"});
  auto page = q.page(20, 100);
  q.require_valid();
  return pg::transact(db_, [&](pqxx::work& tx) {
    if (tx.exec_params("SELECT 1 FROM webhook_endpoints WHERE id = $1 AND user_id = $2", id,
                       req.identity.user_id)
            .empty())
      throw Error::not_found(kNotFound);
    std::string filter = " WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.state = $2)";
    auto total = tx.exec_params("SELECT count(*) FROM webhook_deliveries d" + filter, id,
                                state ? state->c_str() : nullptr)[0][0]
                     .as<std::int64_t>();
    auto rows =
        tx.exec_params(std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries d" +
                           filter + " ORDER BY d.created_at DESC, d.id DESC LIMIT $3 OFFSET $4",
                       id, state ? state->c_str() : nullptr, page.limit, page.offset);
    json::Writer w;
    w.begin_object().key("deliveries").begin_array();
    for (const auto& r : rows)
      delivery_json(w, r);
    w.end_array()
        .field("total", total)
        .field("limit", page.limit)
        .field("offset", page.offset)
        .end_object();
    return Response::json(200, w.str());
  });
}

Response WebhookApi::replay(Request& req) {
  const auto& id = req.param("id");
  if (!crypto::is_uuid(id))
    throw Error::not_found("Diese Zustellung existiert nicht.");
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto found = tx.exec_params(
        "SELECT e.enabled FROM webhook_deliveries d JOIN webhook_endpoints e "
        "ON e.id = d.endpoint_id WHERE d.id = $1 AND d.user_id = $2 FOR UPDATE OF d",
        id, req.identity.user_id);
    if (found.empty())
      throw Error::not_found("Diese Zustellung existiert nicht.");
    if (!found[0][0].as<bool>())
      throw Error::conflict(kDisabled, "endpoint_disabled");
    tx.exec_params(
        "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = $2::timestamptz "
        "WHERE id = $1",
        id, iso_time(settings_.clock()));
    auto row = tx.exec_params(
        std::string("SELECT ") + kDeliveryColumns + " FROM webhook_deliveries d WHERE d.id = $1",
        id);
    json::Writer w;
    delivery_json(w, row[0]);
    return Response::json(202, w.str());
  });
}

}  // namespace kx::integrations
