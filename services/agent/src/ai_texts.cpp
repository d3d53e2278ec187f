#include "ai_texts.hpp"

#include "definition.hpp"

#include <algorithm>
#include <array>

#include "kx/http/error.hpp"
#include "kx/log/log.hpp"

namespace kx::agent {
namespace {

using http::Access;
using http::Request;
using http::Response;

constexpr std::size_t kMaxFacts = 2000;
constexpr std::size_t kMaxServiceName = 100;
constexpr std::size_t kSuggestedFaqs = 5;

const char* const kUnusable =
    "Die KI-Antwort war unbrauchbar. Bitte versuchen Sie es erneut oder schreiben Sie die Texte "
    "selbst.";

std::string trimmed(std::string_view s) {
  auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos)
    return {};
  auto end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

// Markdown the model may add although told not to: emphasis, code marks, headings and bullets.
std::string without_markdown(std::string_view text) {
  std::string out;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool at_line_start = i == line_start;
    if (at_line_start) {
      auto rest = text.substr(i);
      auto marks = rest.find_first_not_of("#");
      if (marks > 0 && marks < rest.size() && rest[marks] == ' ') {
        i += marks;  // "## Heading" → "Heading"
        continue;
      }
      if (rest.size() > 1 && (rest[0] == '-' || rest[0] == '*') && rest[1] == ' ') {
        ++i;
        continue;
      }
    }
    if ((text.compare(i, 2, "**") == 0 || text.compare(i, 2, "__") == 0)) {
      ++i;
      continue;
    }
    if (text[i] == '`')
      continue;
    out += text[i];
    if (text[i] == '\n')
      line_start = i + 1;
  }
  return out;
}

bool has_placeholder(std::string_view text) {
  if (text.find("{{") != std::string_view::npos || text.find("}}") != std::string_view::npos)
    return true;
  auto open = text.find('[');
  return open != std::string_view::npos && text.find(']', open) != std::string_view::npos;
}

/// A text field of the answer, cleaned; nullopt when absent, mistyped, empty, too long or
/// holding NUL or placeholders.
std::optional<std::string> usable_text(const json::Value& obj, const char* name,
                                       std::size_t max_length) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return std::nullopt;
  std::string_view raw(it->value.GetString(), it->value.GetStringLength());
  if (raw.find('\0') != std::string_view::npos)
    return std::nullopt;
  auto text = trimmed(without_markdown(raw));
  if (text.empty() || has_placeholder(text) || json::utf8_length(text) > max_length)
    return std::nullopt;
  return text;
}

// The model may wrap its JSON in a code fence although JSON mode should prevent it.
std::string_view without_fence(std::string_view content) {
  auto start = content.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos || content.compare(start, 3, "```") != 0)
    return content;
  auto body = content.find('\n', start);
  auto end = content.rfind("```");
  if (body == std::string_view::npos || end <= body)
    return content;
  return content.substr(body + 1, end - body - 1);
}

std::string field_list(const TextRequest& r) {
  std::string out;
  auto add = [&](bool wanted, const char* text) {
    if (wanted)
      out += std::string("- ") + text + "\n";
  };
  add(r.faqs,
      "\"faqs\": eine Liste von 5 Objekten {\"question\", \"answer\"}: Fragen, die Anrufende "
      "diesem Unternehmen typischerweise stellen, mit kurzen, freundlichen Antworten (höchstens "
      "drei Sätze)");
  add(r.policies,
      "\"policies\": ein kurzer Absatz mit Regeln, die die Assistenz Anrufenden nennen kann, "
      "etwa zu Absagen, Verspätungen und Bezahlung");
  add(r.greeting,
      "\"greeting\": der erste Satz am Telefon: nennt das Unternehmen (und die Assistenz, falls "
      "ein Name angegeben ist) und fragt, wie die Assistenz helfen kann");
  add(r.farewell, "\"farewell\": ein kurzer, herzlicher Satz zur Verabschiedung");
  return out;
}

std::string system_prompt(const TextRequest& r) {
  return "Du schreibst Texte für die KI-Telefonassistenz eines kleinen Unternehmens. Schreibe " +
         std::string(r.language == "en" ? "auf Englisch" : "auf Deutsch in der Sie-Form") +
         ", herzlich und natürlich, so wie man am Telefon spricht. Erfinde keine Preise, "
         "Adressen, Telefonnummern oder Öffnungszeiten. Verwende keine Platzhalter wie {{…}} "
         "oder [Name] und kein Markdown; setze die echten Namen ein.\n"
         "Antworte ausschließlich mit einem JSON-Objekt mit genau diesen Feldern:\n" +
         field_list(r);
}

std::string facts_json(const TextRequest& r) {
  json::Writer w;
  w.begin_object().field("business_name", r.name).field("business_type", r.business_type);
  w.field("language", r.language).field("description", r.description);
  w.key("services").begin_array();
  for (const auto& s : r.services)
    w.value(s);
  w.end_array().field("assistant_name", r.assistant_name).key("fields").begin_array();
  for (auto [wanted, name] :
       {std::pair{r.faqs, "faqs"}, std::pair{r.policies, "policies"},
        std::pair{r.greeting, "greeting"}, std::pair{r.farewell, "farewell"}}) {
    if (wanted)
      w.value(name);
  }
  w.end_array().field("max_faqs", static_cast<std::int64_t>(kSuggestedFaqs)).end_object();
  return w.str();
}

void write_texts(json::Writer& w, const AiTexts& texts) {
  w.begin_object();
  if (texts.faqs) {
    w.key("faqs").begin_array();
    for (const auto& f : *texts.faqs)
      w.begin_object().field("question", f.question).field("answer", f.answer).end_object();
    w.end_array();
  }
  if (texts.policies)
    w.field("policies", *texts.policies);
  if (texts.greeting)
    w.field("greeting", *texts.greeting);
  if (texts.farewell)
    w.field("farewell", *texts.farewell);
  w.end_object();
}

}  // namespace

TextRequest read_text_request(const json::Value& body) {
  json::FieldReader in(body);
  in.reject_unknown(
      {"kind", "name", "business_type", "language", "description", "services", "assistant_name"});
  TextRequest r;
  auto kind = in.required_string("kind", 20);
  r.faqs = kind == "all" || kind == "faqs";
  r.policies = kind == "all" || kind == "policies";
  r.greeting = kind == "all" || kind == "greeting";
  r.farewell = kind == "all" || kind == "farewell";
  if (!kind.empty() && !(r.faqs || r.policies || r.greeting || r.farewell))
    in.add_error("kind", "muss all, faqs, policies, greeting oder farewell sein");
  r.name = trimmed(in.required_string("name", 100));
  if (body.IsObject() && body.HasMember("name") && body["name"].IsString() && r.name.empty())
    in.add_error("name", "darf nicht leer sein");
  r.business_type = in.optional_string("business_type", 40).value_or("general");
  if (!parse_business_type(r.business_type))
    in.add_error("business_type", "ist keine bekannte Branche");
  r.language = in.optional_string("language", 2).value_or("de");
  if (r.language != "de" && r.language != "en")
    in.add_error("language", "muss \"de\" oder \"en\" sein");
  r.description = trimmed(in.optional_string("description", kMaxFacts).value_or(""));
  r.assistant_name = trimmed(in.optional_string("assistant_name", 60).value_or(""));
  if (const auto* services = in.optional_array("services")) {
    if (services->Size() > kMaxServices)
      in.add_error("services", "höchstens " + std::to_string(kMaxServices) + " Leistungen");
    for (rapidjson::SizeType i = 0; i < services->Size() && i < kMaxServices; ++i) {
      const auto& s = (*services)[i];
      auto path = "services[" + std::to_string(i) + "]";
      if (!s.IsString())
        in.add_error(path, "muss ein Text sein");
      else if (json::utf8_length({s.GetString(), s.GetStringLength()}) > kMaxServiceName)
        in.add_error(path, "höchstens " + std::to_string(kMaxServiceName) + " Zeichen");
      else if (auto name = trimmed(json::without_nul({s.GetString(), s.GetStringLength()}));
               !name.empty())
        r.services.push_back(name);
    }
  }
  http::require_valid(in);
  return r;
}

std::string completion_request(const TextRequest& request, const std::string& model) {
  json::Writer w;
  w.begin_object().field("model", model).field("temperature", 0.7);
  w.field("max_tokens", 2000);
  w.key("response_format").begin_object().field("type", "json_object").end_object();
  w.key("messages").begin_array();
  w.begin_object().field("role", "system").field("content", system_prompt(request)).end_object();
  w.begin_object().field("role", "user");
  w.field("content", "Angaben zum Unternehmen als JSON:\n" + facts_json(request)).end_object();
  w.end_array().end_object();
  return w.str();
}

std::optional<AiTexts> check_texts(std::string_view content, const TextRequest& request) {
  json::Document doc;
  try {
    doc = json::parse(without_fence(content));
  } catch (const json::ParseError&) {
    return std::nullopt;
  }
  if (!doc.IsObject())
    return std::nullopt;
  AiTexts out;
  if (request.faqs) {
    auto it = doc.FindMember("faqs");
    if (it == doc.MemberEnd() || !it->value.IsArray() || it->value.Empty())
      return std::nullopt;
    out.faqs.emplace();
    // More than asked for is cut, not refused: the first ones are as good as any.
    for (const auto& f : it->value.GetArray()) {
      if (out.faqs->size() == kMaxGeneratedFaqs)
        break;
      if (!f.IsObject())
        return std::nullopt;
      auto question = usable_text(f, "question", kMaxFaqQuestion);
      auto answer = usable_text(f, "answer", kMaxFaqAnswer);
      if (!question || !answer)
        return std::nullopt;
      out.faqs->push_back({*question, *answer});
    }
  }
  auto text = [&](bool wanted, const char* name, std::size_t max, std::optional<std::string>& to) {
    if (!wanted)
      return true;
    to = usable_text(doc, name, max);
    return to.has_value();
  };
  if (!text(request.policies, "policies", kMaxPolicies, out.policies) ||
      !text(request.greeting, "greeting", kMaxGreeting, out.greeting) ||
      !text(request.farewell, "farewell", kMaxGreeting, out.farewell))
    return std::nullopt;
  return out;
}

AiTextsApi::AiTextsApi(pg::Pool& db, AiTextsSettings settings)
    : settings_(std::move(settings)),
      limiter_(db),
      client_(http::ClientOptions{.request_timeout = settings_.timeout, .max_retries = 0}) {}

void AiTextsApi::add_routes(http::Router& r) {
  r.add("POST", "/api/agents/generate", *this, &AiTextsApi::generate,
        {.max_body = 32 * 1024, .access = Access::user});
}

Response AiTextsApi::generate(Request& req) {
  auto doc = http::parse_body(req.body);
  auto request = read_text_request(doc);
  if (settings_.base_url.empty() || settings_.api_key.empty())
    throw http::Error(503, "ai_not_configured", "KI-Textvorschläge sind nicht eingerichtet.");
  if (auto wait = limiter_.hit(req.identity.user_id, settings_.limit)) {
    return too_many_requests(req, *wait,
                             "Sie haben in kurzer Zeit sehr viele Textvorschläge angefordert. "
                             "Bitte warten Sie einen Moment.");
  }

  http::ClientRequest call;
  call.method = "POST";
  call.url = settings_.base_url + "/chat/completions";
  call.headers.set("Authorization", "Bearer " + settings_.api_key);
  call.headers.set("Content-Type", "application/json");
  call.headers.set("X-Title", "Kametrix");
  call.body = completion_request(request, settings_.model);
  const std::string busy =
      "Die KI ist gerade ausgelastet. Bitte versuchen Sie es in einer Minute erneut.";
  http::Response res;
  try {
    res = client_.send(call);
  } catch (const http::ClientError& e) {
    bool timeout = e.kind() == http::ClientError::Kind::timeout;
    log::warn("language model unreachable", {{"error", e.what()}, {"timeout", timeout}});
    throw http::Error(503, "ai_unavailable",
                      timeout ? "Die KI hat nicht rechtzeitig geantwortet. Bitte versuchen Sie "
                                "es erneut."
                              : busy);
  }
  if (res.status != 200) {
    log::log(res.status == 401 || res.status == 402 || res.status == 403 || res.status == 400
                 ? log::Level::error
                 : log::Level::warn,
             "language model refused", {{"status", res.status}});
    if (res.status == 429 || res.status == 408 || res.status == 503) {
      auto answer = error_response(req, 503, "ai_unavailable", busy);
      if (auto after = res.headers.get("Retry-After"))
        answer.headers.set("Retry-After", std::string(*after));
      return answer;
    }
    if (res.status >= 500)
      throw http::Error(502, "ai_failed",
                        "Die KI hat einen Fehler gemeldet. Bitte versuchen Sie es erneut.");
    // Our key, credit or request is wrong: nothing the owner can fix by trying again.
    throw http::Error(503, "ai_unavailable",
                      "KI-Textvorschläge sind gerade nicht verfügbar. Bitte schreiben Sie die "
                      "Texte selbst.");
  }

  json::Document answer;
  try {
    answer = json::parse(res.body);
  } catch (const json::ParseError&) {
    log::warn("language model answered no json", {{"bytes", res.body.size()}});
    throw http::Error(502, "ai_unusable", kUnusable);
  }
  // OpenRouter reports errors that happen after generation started inside an HTTP 200.
  if (answer.IsObject() && answer.HasMember("error")) {
    const auto& error = answer["error"];
    log::warn("language model error in 200",
              {{"code", error.IsObject() && error.HasMember("code") && error["code"].IsInt()
                            ? error["code"].GetInt()
                            : 0},
               {"message", error.IsObject() ? json::get_string(error, "message") : ""}});
    throw http::Error(502, "ai_failed",
                      "Die KI hat einen Fehler gemeldet. Bitte versuchen Sie es erneut.");
  }
  std::optional<AiTexts> texts;
  if (answer.IsObject() && answer.HasMember("choices") && answer["choices"].IsArray() &&
      !answer["choices"].Empty() && answer["choices"][0].IsObject()) {
    const auto& choice = answer["choices"][0];
    auto finish = json::get_string(choice, "finish_reason");
    if (finish != "length" && choice.HasMember("message") && choice["message"].IsObject() &&
        choice["message"].HasMember("content") && choice["message"]["content"].IsString()) {
      const auto& content = choice["message"]["content"];
      texts = check_texts({content.GetString(), content.GetStringLength()}, request);
    }
    if (!texts)
      log::warn("language model answer unusable", {{"finish_reason", finish}});
  }
  if (!texts)
    throw http::Error(502, "ai_unusable", kUnusable);
  json::Writer w;
  write_texts(w, *texts);
  return Response::json(200, w.str());
}

}  // namespace kx::agent
