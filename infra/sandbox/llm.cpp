// Language-model stand-in: an OpenAI-compatible POST /llm/v1/chat/completions (the OpenRouter
// flavour: errors as {"error": {"code": <number>, "message"}}, also inside an HTTP 200). It
// writes plausible German or English texts for an agent from the facts the agent service sends.
//
// The contract with the agent service's AI texts (services/agent/src/ai_texts.cpp): in JSON mode
// (response_format {"type": "json_object"}) the last user message carries one JSON object
//   {"business_name", "business_type", "language": "de"|"en", "description", "services": [..],
//    "assistant_name", "fields": ["faqs", "policies", "greeting", "farewell"], "max_faqs"}
// and the answer's content is a JSON object with exactly the asked fields:
//   {"faqs": [{"question", "answer"}], "policies": "...", "greeting": "...", "farewell": "..."}.
// Without JSON mode the answer is a short German text.
//
// Faults with a "kind" (POST /_control/faults, path_prefix "/llm"): "error_in_200" (an error
// object inside HTTP 200), "invalid_json" (content that is not JSON), "length" (cut off,
// finish_reason "length"), "placeholder" (a greeting with a {{businessName}} left in),
// "oversized" (policies far beyond any limit).
#include <algorithm>
#include <cctype>
#include <chrono>

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "sandbox.hpp"

namespace kx::sandbox {
namespace {

using http::Request;
using http::Response;

struct Facts {
  std::string name;
  std::string type = "general";
  bool english = false;
  std::string description;
  std::vector<std::string> services;
  std::string assistant;
  std::vector<std::string> fields;
  std::size_t max_faqs = 5;
};

struct Pair {
  const char* question;
  const char* answer;
};

// Typical questions callers ask per business type, the way the owner would answer them.
std::vector<Pair> typical_de(const std::string& type) {
  if (type == "gastronomy")
    return {{"Kann ich einen Tisch reservieren?",
             "Ja, sehr gern. Nennen Sie mir Datum, Uhrzeit und die Anzahl der Personen, dann "
             "notiere ich Ihre Reservierung."},
            {"Haben Sie auch vegetarische oder vegane Gerichte?",
             "Ja, auf unserer Karte finden Sie mehrere vegetarische Gerichte, einige davon auch "
             "vegan."},
            {"Kann ich Essen zum Mitnehmen bestellen?",
             "Ja, Sie können Ihre Bestellung telefonisch aufgeben und sie zur vereinbarten Zeit "
             "abholen."}};
  if (type == "salon")
    return {{"Wie kann ich einen Termin vereinbaren?",
             "Das geht direkt hier am Telefon. Sagen Sie mir, welche Behandlung Sie wünschen und "
             "wann es Ihnen passt."},
            {"Wie lange dauert ein Termin ungefähr?",
             "Das hängt von der Behandlung ab. Ein Haarschnitt dauert meist 30 bis 45 Minuten, "
             "Farbbehandlungen etwas länger."},
            {"Kann ich auch kurzfristig vorbeikommen?",
             "Wir empfehlen einen Termin, damit Sie nicht warten müssen. Kurzfristige Termine "
             "vergeben wir gern, wenn etwas frei ist."}};
  if (type == "medical")
    return {{"Wie bekomme ich einen Termin?",
             "Ich kann Ihr Anliegen aufnehmen und einen Terminwunsch an das Praxisteam "
             "weitergeben. In dringenden Fällen verbinde ich Sie weiter."},
            {"Was muss ich zum Termin mitbringen?",
             "Bitte bringen Sie Ihre Versichertenkarte und, falls vorhanden, aktuelle Befunde "
             "oder Überweisungen mit."},
            {"Nehmen Sie neue Patientinnen und Patienten auf?",
             "Das klärt das Praxisteam gern mit Ihnen. Ich notiere Ihren Namen und Ihre "
             "Rückrufnummer."}};
  if (type == "trades")
    return {{"Kommen Sie für einen Kostenvoranschlag vorbei?",
             "Ja, nach Absprache schauen wir uns die Arbeit vor Ort an und erstellen Ihnen ein "
             "Angebot."},
            {"Wie schnell können Sie kommen?",
             "Das hängt von der aktuellen Auslastung ab. Ich nehme Ihr Anliegen auf, und wir "
             "melden uns mit einem Terminvorschlag."},
            {"Arbeiten Sie auch am Wochenende?",
             "In dringenden Fällen sind Einsätze nach Absprache auch außerhalb der üblichen "
             "Zeiten möglich."}};
  if (type == "retail")
    return {{"Haben Sie den Artikel vorrätig?",
             "Das prüfe ich gern für Sie. Nennen Sie mir bitte den Artikel, dann gebe ich die "
             "Anfrage an das Team weiter."},
            {"Kann ich Ware umtauschen oder zurückgeben?",
             "Ja, unbenutzte Ware mit Kassenbon können Sie innerhalb von 14 Tagen umtauschen."},
            {"Können Sie einen Artikel für mich zurücklegen?",
             "Ja, wir legen Artikel gern bis zu drei Werktage für Sie zurück."}};
  if (type == "services")
    return {{"Wie läuft ein Erstgespräch ab?",
             "Im Erstgespräch lernen wir Ihr Anliegen kennen und besprechen die nächsten "
             "Schritte. Es dauert etwa 30 Minuten."},
            {"Kann ich einen Beratungstermin vereinbaren?",
             "Ja, gern. Sagen Sie mir, wann es Ihnen passt, und worum es ungefähr geht."}};
  return {{"Wie kann ich einen Termin vereinbaren?",
           "Das geht direkt hier am Telefon. Sagen Sie mir einfach, wann es Ihnen passt."},
          {"Kann mich jemand zurückrufen?",
           "Ja, ich notiere gern Ihren Namen, Ihre Nummer und Ihr Anliegen für einen Rückruf."}};
}

std::vector<Pair> typical_en(const std::string& type) {
  if (type == "gastronomy")
    return {{"Can I book a table?",
             "Of course. Tell me the date, the time and how many guests, and I will note your "
             "reservation."},
            {"Do you have vegetarian dishes?",
             "Yes, our menu has several vegetarian dishes, some of them vegan."}};
  if (type == "medical")
    return {{"How do I get an appointment?",
             "I can take your request and pass it to the practice team. If it is urgent, I will "
             "put you through."},
            {"What should I bring to my appointment?",
             "Please bring your insurance card and any recent reports or referrals."}};
  return {{"How can I book an appointment?",
           "You can do that right here on the phone. Just tell me when it suits you."},
          {"Can someone call me back?",
           "Yes, I will gladly take your name, number and request for a call back."}};
}

std::string policies_of(const Facts& f) {
  if (f.english)
    return "Appointments can be cancelled or moved free of charge up to 24 hours in advance. "
           "Please arrive on time; if you are running late, let us know by phone. We accept cash "
           "and card payments.";
  if (f.type == "gastronomy")
    return "Reservierungen halten wir 15 Minuten für Sie frei. Für Gruppen ab acht Personen "
           "bitten wir um eine Reservierung mindestens zwei Tage im Voraus. Sie können bar oder "
           "mit Karte bezahlen.";
  if (f.type == "medical")
    return "Termine, die Sie nicht wahrnehmen können, sagen Sie bitte mindestens 24 Stunden "
           "vorher ab. Bringen Sie zu jedem Termin Ihre Versichertenkarte mit. Rezepte und "
           "Überweisungen können Sie telefonisch bestellen und nach einem Werktag abholen.";
  if (f.type == "trades")
    return "Kostenvoranschläge sind für Sie unverbindlich. Anfahrt und Arbeitszeit rechnen wir "
           "nach Aufwand ab. Vereinbarte Termine können Sie bis einen Werktag vorher kostenfrei "
           "verschieben.";
  return "Termine können Sie bis 24 Stunden vorher kostenfrei absagen oder verschieben. Bei "
         "späteren Absagen behalten wir uns vor, den Termin in Rechnung zu stellen. Sie können bar "
         "oder mit Karte bezahlen.";
}

std::string greeting_of(const Facts& f) {
  if (f.english)
    return f.name + ", good day! " + (f.assistant.empty() ? "" : "This is " + f.assistant + ". ") +
           "How can I help you?";
  return f.name + ", guten Tag! " +
         (f.assistant.empty() ? "" : "Sie sprechen mit " + f.assistant + ". ") +
         "Wie kann ich Ihnen helfen?";
}

std::string farewell_of(const Facts& f) {
  if (f.english)
    return "Thank you for calling " + f.name + ". Have a lovely day, goodbye!";
  return "Vielen Dank für Ihren Anruf bei " + f.name +
         ". Ich wünsche Ihnen einen schönen Tag, auf Wiederhören!";
}

void write_faqs(json::Writer& w, const Facts& f) {
  std::vector<std::pair<std::string, std::string>> faqs;
  for (const auto& service : f.services) {
    if (faqs.size() >= 2)
      break;
    faqs.emplace_back(
        f.english ? "Do you offer " + service + "?" : "Bieten Sie " + service + " an?",
        f.english ? "Yes, " + service + " is one of the services of " + f.name +
                        ". I am happy to book an appointment for you."
                  : "Ja, " + service + " gehört zu unseren Leistungen bei " + f.name +
                        ". Gern vereinbare ich einen Termin für Sie.");
  }
  for (const auto& p : f.english ? typical_en(f.type) : typical_de(f.type))
    faqs.emplace_back(p.question, p.answer);
  if (f.english) {
    faqs.emplace_back("Which payment methods do you accept?", "You can pay by cash or card.");
  } else {
    faqs.emplace_back("Welche Zahlungsarten akzeptieren Sie?",
                      "Sie können bei uns bar oder mit EC- und Kreditkarte bezahlen.");
    faqs.emplace_back("Gibt es Parkmöglichkeiten in der Nähe?",
                      "Ja, in den umliegenden Straßen finden Sie in der Regel öffentliche "
                      "Parkplätze.");
  }
  w.key("faqs").begin_array();
  for (std::size_t i = 0; i < faqs.size() && i < f.max_faqs; ++i)
    w.begin_object().field("question", faqs[i].first).field("answer", faqs[i].second).end_object();
  w.end_array();
}

std::optional<Facts> facts_in(const std::string& content) {
  auto open = content.find('{');
  auto close = content.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open)
    return std::nullopt;
  json::Document doc;
  try {
    doc = json::parse(std::string_view(content).substr(open, close - open + 1));
  } catch (const json::ParseError&) {
    return std::nullopt;
  }
  if (!doc.IsObject())
    return std::nullopt;
  Facts f;
  f.name = json::get_string(doc, "business_name", "Ihr Unternehmen");
  f.type = json::get_string(doc, "business_type", "general");
  f.english = json::get_string(doc, "language") == "en";
  f.description = json::get_string(doc, "description");
  f.assistant = json::get_string(doc, "assistant_name");
  f.max_faqs =
      static_cast<std::size_t>(std::clamp<std::int64_t>(json::get_int(doc, "max_faqs", 5), 1, 20));
  for (const char* list : {"services", "fields"}) {
    if (doc.HasMember(list) && doc[list].IsArray()) {
      for (const auto& v : doc[list].GetArray()) {
        if (v.IsString())
          (std::string(list) == "services" ? f.services : f.fields).push_back(v.GetString());
      }
    }
  }
  return f;
}

std::string texts_json(const Facts& f, const std::string& kind) {
  auto asked = [&](const char* field) {
    return std::find(f.fields.begin(), f.fields.end(), field) != f.fields.end();
  };
  json::Writer w;
  w.begin_object();
  if (asked("faqs"))
    write_faqs(w, f);
  if (asked("policies")) {
    w.field("policies", kind == "oversized" ? std::string(5000, 'x') : policies_of(f));
  }
  if (asked("greeting")) {
    w.field("greeting", kind == "placeholder" ? "{{businessName}}, guten Tag! Wie kann ich "
                                                "Ihnen helfen?"
                                              : greeting_of(f));
  }
  if (asked("farewell"))
    w.field("farewell", farewell_of(f));
  w.end_object();
  return w.str();
}

std::string openrouter_error(int status, const std::string& message) {
  json::Writer w;
  w.begin_object().key("error").begin_object().field("code", status).field("message", message);
  w.end_object().end_object();
  return w.str();
}

std::string fault_body(int status) {
  return openrouter_error(
      status, status == 429 ? "Rate limit exceeded: too many requests" : "Provider returned error");
}

Response completions(const SandboxSettings& settings, Request& req, const Fault* fault) {
  auto token = http::bearer_token(req.header("Authorization").value_or(""));
  if (!token || token->empty() ||
      (!settings.llm_api_key.empty() && !crypto::constant_time_equal(*token, settings.llm_api_key)))
    return Response::json(401, openrouter_error(401, "No auth credentials found"));
  json::Document body;
  try {
    body = json::parse(req.body);
  } catch (const json::ParseError&) {
    return Response::json(400, openrouter_error(400, "Invalid JSON in request body"));
  }
  if (!body.IsObject() || json::get_string(body, "model").empty())
    return Response::json(400, openrouter_error(400, "model is required"));
  if (!body.HasMember("messages") || !body["messages"].IsArray() || body["messages"].Empty())
    return Response::json(400, openrouter_error(400, "messages must be a non-empty array"));
  bool json_mode = body.HasMember("response_format") && body["response_format"].IsObject() &&
                   json::get_string(body["response_format"], "type") == "json_object";
  std::string user_text, all_text;
  for (const auto& m : body["messages"].GetArray()) {
    if (!m.IsObject() || !m.HasMember("role") || !m.HasMember("content"))
      return Response::json(400, openrouter_error(400, "each message needs role and content"));
    auto content = json::get_string(m, "content");
    all_text += content;
    if (json::get_string(m, "role") == "user")
      user_text = content;
  }
  std::string lower = all_text;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (json_mode && lower.find("json") == std::string::npos) {
    return Response::json(400, openrouter_error(400,
                                                "'messages' must contain the word 'json' in some "
                                                "form, to use 'response_format' of type "
                                                "'json_object'."));
  }
  std::string kind = fault ? fault->kind : "";
  if (kind == "error_in_200")
    return Response::json(200, openrouter_error(502, "Upstream provider error during generation"));

  std::string content;
  if (auto facts = facts_in(user_text); json_mode && facts) {
    content = texts_json(*facts, kind);
  } else if (json_mode) {
    content = R"({"text":"Gern helfe ich Ihnen weiter."})";
  } else {
    content = "Gern helfe ich Ihnen weiter. Bitte nennen Sie mir Ihr Anliegen.";
  }
  std::string finish = "stop";
  if (kind == "invalid_json")
    content = "Hier sind die Texte für Ihr Unternehmen: " + content.substr(0, content.size() / 2);
  if (kind == "length") {
    content = content.substr(0, content.size() / 3);
    finish = "length";
  }

  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto prompt_tokens = static_cast<std::int64_t>(all_text.size() / 4 + 1);
  auto completion_tokens = static_cast<std::int64_t>(content.size() / 4 + 1);
  json::Writer w;
  w.begin_object()
      .field("id", "gen-" + std::to_string(now) + "-" + crypto::random_token(9))
      .field("provider", "Sandbox")
      .field("model", json::get_string(body, "model"))
      .field("object", "chat.completion")
      .field("created", static_cast<std::int64_t>(now));
  w.key("choices").begin_array().begin_object();
  w.key("logprobs").null().field("finish_reason", finish).field("native_finish_reason", finish);
  w.field("index", 0).key("message").begin_object().field("role", "assistant");
  w.field("content", content).key("refusal").null().end_object();
  w.end_object().end_array();
  w.key("usage").begin_object().field("prompt_tokens", prompt_tokens);
  w.field("completion_tokens", completion_tokens);
  w.field("total_tokens", prompt_tokens + completion_tokens).end_object();
  w.end_object();
  return Response::json(200, w.str());
}

}  // namespace

void add_llm_routes(http::Router& router, const SandboxSettings& settings, Control& control) {
  control.route(
      router, "POST", "/llm/v1/chat/completions", fault_body,
      [settings](Request& req, const Fault* fault) { return completions(settings, req, fault); });
}

}  // namespace kx::sandbox
