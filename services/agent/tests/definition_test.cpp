#include "definition.hpp"

#include <gtest/gtest.h>

#include <map>

#include "kx/http/error.hpp"

namespace kx::agent {
namespace {

using Problems = std::map<std::string, std::string>;

// The field errors of a refused document (field → message); empty when it was accepted.
template <class Fn>
Problems problems(Fn fn) {
  try {
    fn();
  } catch (const http::Error& e) {
    EXPECT_EQ(e.status(), 422);
    Problems out;
    for (const auto& d : e.details())
      out[d.field] = d.message;
    return out;
  }
  return {};
}

Problems definition_problems(const std::string& text) {
  auto doc = json::parse(text);
  return problems([&] { read_definition(doc); });
}

Problems draft_problems(const std::string& text) {
  auto doc = json::parse(text);
  return problems([&] { check_draft_state(doc); });
}

Definition read(const std::string& text) {
  return read_definition(json::parse(text));
}

const char* kFull = R"({
  "name": "  Haarwerk Schneider ",
  "business_type": "salon",
  "language": "de",
  "timezone": "Europe/Berlin",
  "business": {
    "description": "Friseursalon in Leipzig",
    "opening_hours": {"tue": [{"start": "14:00", "end": "18:00"}, {"start": "09:00", "end": "12:00"}],
                      "sat": [{"start": "08:00", "end": "13:00"}]},
    "services": ["Schneiden", " Färben ", "", "Schneiden"],
    "address": "Gohliser Straße 8, 04155 Leipzig",
    "phone": "0341 5550100",
    "email": "info@haarwerk.de",
    "website": "www.haarwerk.de"
  },
  "faqs": [{"question": "Was kostet ein Haarschnitt?", "answer": "Ab 28 Euro."}],
  "policies": "Absagen bis 24 Stunden vorher.",
  "special_instructions": "",
  "voice_id": "EXAVITQu4vr4xnSDxMaL",
  "assistant_name": "Mia",
  "greeting": "Haarwerk Schneider, guten Tag!",
  "farewell": "Auf Wiederhören!",
  "escalation": {"enabled": true, "forwarding_number": "030 1234567",
                 "fallback_number": "+49 (0)151 12345678", "after_hours_number": "",
                 "business_hours": {"days": ["fri", "mon", "wed"], "start": "08:00", "end": "18:00"},
                 "voicemail": false, "max_clarifications": 2}
})";

TEST(ReadDefinition, NormalisesAWholeDefinition) {
  Definition d = read(kFull);
  EXPECT_EQ(d.name, "Haarwerk Schneider");
  EXPECT_EQ(d.business_type, BusinessType::salon);
  ASSERT_EQ(d.business.opening_hours[1].size(), 2u);
  EXPECT_EQ(d.business.opening_hours[1][0].start, "09:00");  // sorted
  EXPECT_EQ(d.business.opening_hours[1][1].end, "18:00");
  EXPECT_TRUE(d.business.opening_hours[0].empty());
  EXPECT_EQ(d.business.services, (std::vector<std::string>{"Schneiden", "Färben"}));
  EXPECT_EQ(d.business.phone, "+493415550100");
  EXPECT_EQ(d.escalation.forwarding_number, "+49301234567");
  EXPECT_EQ(d.escalation.fallback_number, "+4915112345678");
  EXPECT_FALSE(d.escalation.after_hours_number);
  EXPECT_EQ(d.escalation.business_hours.days, (std::vector<std::string>{"mon", "wed", "fri"}));
  EXPECT_FALSE(d.escalation.voicemail);
  EXPECT_EQ(d.escalation.max_clarifications, 2);
  ASSERT_EQ(d.faqs.size(), 1u);
  EXPECT_EQ(d.faqs[0].answer, "Ab 28 Euro.");
}

TEST(ReadDefinition, MinimalDefinitionGetsDefaultsAndADetectedType) {
  Definition d = read(R"({"name": "Zahnarztpraxis Dr. Weber", "greeting": "Guten Tag!"})");
  EXPECT_EQ(d.business_type, BusinessType::medical);
  EXPECT_EQ(d.language, "de");
  EXPECT_EQ(d.timezone, "Europe/Berlin");
  EXPECT_FALSE(d.escalation.enabled);
  EXPECT_EQ(d.escalation.business_hours.days.size(), 5u);
  // A type the owner chose is kept even when the words say otherwise.
  d = read(R"({"name": "Zahnarztpraxis", "greeting": "Hallo", "business_type": "general"})");
  EXPECT_EQ(d.business_type, BusinessType::general);
}

TEST(ReadDefinition, EveryProblemWithItsPathAndAGermanMessage) {
  auto p = definition_problems(R"({
    "name": "",
    "business_type": "bakery",
    "language": "fr",
    "timezone": "Europe/Atlantis",
    "business": {"opening_hours": {"mon": [{"start": "9:00", "end": "12:00"},
                                            {"start": "13:00", "end": "12:30"}],
                                    "tue": [{"start": "09:00", "end": "12:00"},
                                            {"start": "11:00", "end": "14:00"}],
                                    "funday": []},
                 "phone": "12", "email": "kein-at", "website": "nur text", "color": "blau"},
    "faqs": [{"question": "Parken?"}, "nein", {"question": "a", "answer": "b", "id": 3}],
    "voice_id": "voice id!",
    "escalation": {"enabled": true, "fallback_number": "abc",
                   "business_hours": {"days": ["mon", "mon", "xyz"], "start": "18:00", "end": "08:00"},
                   "max_clarifications": 11},
    "extra": 1
  })");
  Problems expected = {
      {"name", "darf nicht leer sein"},
      {"business_type",
       "muss einer der Werte gastronomy, salon, medical, trades, retail, "
       "services, general sein"},
      {"language", "muss \"de\" oder \"en\" sein"},
      {"timezone", "ist keine bekannte Zeitzone (z. B. Europe/Berlin)"},
      {"business.opening_hours.mon[0].start", "muss eine Uhrzeit im Format HH:MM sein"},
      {"business.opening_hours.mon[1].end", "muss nach dem Beginn liegen"},
      {"business.opening_hours.tue[1]",
       "überschneidet sich mit einem anderen Zeitraum desselben Tages"},
      {"business.opening_hours.funday", "ist unbekannt"},
      {"business.phone", "ist keine gültige Telefonnummer"},
      {"business.email", "ist keine gültige E-Mail-Adresse"},
      {"business.website", "ist keine gültige Webadresse"},
      {"business.color", "ist unbekannt"},
      {"faqs[0].answer", "ist erforderlich"},
      {"faqs[1]", "muss ein Objekt mit question und answer sein"},
      {"faqs[2].id", "ist unbekannt"},
      {"voice_id", "darf nur Buchstaben, Ziffern, _ und - enthalten"},
      {"escalation.fallback_number",
       "ist keine Telefonnummer (erlaubt sind Ziffern, Leerzeichen, +, -, / und Klammern)"},
      {"escalation.business_hours.days[2]",
       "muss einer der Werte mon, tue, wed, thu, fri, sat, sun sein"},
      {"escalation.business_hours.days", "enthält einen Wochentag mehrfach"},
      {"escalation.business_hours.end", "muss nach dem Beginn liegen"},
      {"escalation.max_clarifications", "muss zwischen 1 und 10 liegen"},
      {"escalation.forwarding_number",
       "ist erforderlich, wenn die Weiterleitung eingeschaltet ist"},
      {"greeting", "ist erforderlich"},
      {"extra", "ist unbekannt"},
  };
  EXPECT_EQ(p, expected);
}

TEST(ReadDefinition, LengthsInCharactersAndListSizes) {
  std::string umlauts;
  for (int i = 0; i < 100; ++i)
    umlauts += "ä";
  EXPECT_TRUE(
      definition_problems(R"({"name": ")" + umlauts + R"(", "greeting": "Hallo"})").empty());
  auto p = definition_problems(R"({"name": ")" + umlauts + R"(x", "greeting": "Hallo"})");
  EXPECT_EQ(p["name"], "darf höchstens 100 Zeichen lang sein");

  std::string faqs = "[";
  for (int i = 0; i < 31; ++i)
    faqs += std::string(i ? "," : "") + R"({"question": "F?", "answer": "A."})";
  faqs += "]";
  p = definition_problems(R"({"name": "X", "greeting": "Hallo", "faqs": )" + faqs + "}");
  EXPECT_EQ(p["faqs"], "darf höchstens 30 Einträge enthalten");

  std::string services = "[";
  for (int i = 0; i < 51; ++i)
    services += std::string(i ? "," : "") + "\"Leistung " + std::to_string(i) + "\"";
  services += "]";
  p = definition_problems(R"({"name": "X", "greeting": "Hallo", "business": {"services": )" +
                          services + "}}");
  EXPECT_EQ(p["business.services"], "darf höchstens 50 Einträge enthalten");

  p = definition_problems(R"({"name": "X", "greeting": ")" + std::string(501, 'g') +
                          R"(", "policies": ")" + std::string(4001, 'p') +
                          R"(", "assistant_name": ")" + std::string(41, 'n') +
                          R"(", "faqs": [{"question": ")" + std::string(301, 'q') +
                          R"(", "answer": ")" + std::string(1001, 'a') + R"("}]})");
  EXPECT_EQ(p["greeting"], "darf höchstens 500 Zeichen lang sein");
  EXPECT_EQ(p["policies"], "darf höchstens 4000 Zeichen lang sein");
  EXPECT_EQ(p["assistant_name"], "darf höchstens 40 Zeichen lang sein");
  EXPECT_EQ(p["faqs[0].question"], "darf höchstens 300 Zeichen lang sein");
  EXPECT_EQ(p["faqs[0].answer"], "darf höchstens 1000 Zeichen lang sein");

  p = definition_problems(R"({"name": "X", "greeting": "Hallo", "business": {"opening_hours":
      {"mon": [{"start": "08:00", "end": "09:00"}, {"start": "10:00", "end": "11:00"},
               {"start": "12:00", "end": "13:00"}, {"start": "14:00", "end": "15:00"}]}}})");
  EXPECT_EQ(p["business.opening_hours.mon"], "darf höchstens 3 Zeiträume enthalten");

  p = definition_problems(R"({"name": "X", "greeting": "Hallo", "voice_id": ")" +
                          std::string(65, 'v') + "\"}");
  EXPECT_EQ(p["voice_id"], "darf höchstens 64 Zeichen lang sein");
}

TEST(ReadDefinition, RefusesNulAndWrongTypes) {
  auto p = definition_problems(
      R"({"name": "A\u0000B", "greeting": 5, "faqs": {}, "business": [], "escalation": {"enabled": "ja"}})");
  EXPECT_EQ(p["name"], "darf kein Nullzeichen (\\u0000) enthalten");
  EXPECT_EQ(p["greeting"], "muss ein Text sein");
  EXPECT_EQ(p["faqs"], "muss eine Liste sein");
  EXPECT_EQ(p["business"], "muss ein Objekt sein");
  EXPECT_EQ(p["escalation.enabled"], "muss true oder false sein");
  EXPECT_EQ(definition_problems("[1]")[""], "muss ein JSON-Objekt sein");
}

TEST(ApplyPatch, MergesBusinessAndEscalationOneLevelDeep) {
  Definition current = read(kFull);
  auto patch =
      json::parse(R"({"greeting": "Neu!", "escalation": {"forwarding_number": "+49 40 1234567"},
                               "business": {"services": ["Waschen"]}})");
  Definition d = apply_patch(current, patch);
  EXPECT_EQ(d.greeting, "Neu!");
  EXPECT_EQ(d.escalation.forwarding_number, "+49401234567");
  EXPECT_EQ(d.escalation.fallback_number, current.escalation.fallback_number);  // kept
  EXPECT_FALSE(d.escalation.voicemail);                                         // kept
  EXPECT_EQ(d.business.services, std::vector<std::string>{"Waschen"});
  EXPECT_EQ(d.business.description, "Friseursalon in Leipzig");  // kept
  EXPECT_EQ(d.faqs.size(), 1u);                                  // untouched top-level field
  EXPECT_EQ(d.business_type, BusinessType::salon);

  // Clearing a number that escalation needs is refused with the path.
  auto p = problems(
      [&] { apply_patch(current, json::parse(R"({"escalation": {"forwarding_number": null}})")); });
  EXPECT_EQ(p["escalation.forwarding_number"],
            "ist erforderlich, wenn die Weiterleitung eingeschaltet ist");
  p = problems([&] { apply_patch(current, json::parse(R"({"nmae": "Tippfehler"})")); });
  EXPECT_EQ(p["nmae"], "ist unbekannt");
  p = problems([&] { apply_patch(current, json::parse(R"({"escalation": {"max": 1}})")); });
  EXPECT_EQ(p["escalation.max"], "ist unbekannt");
}

TEST(CheckDraftState, KeepsOnlyWhatTheDraftHasNormalised) {
  EXPECT_EQ(check_draft_state(json::parse("{}")), "{}");
  auto text = check_draft_state(json::parse(R"({
    "name": " Sanitär Krause ",
    "business": {"services": ["Bad", "Heizung"], "phone": ""},
    "escalation": {"enabled": true, "fallback_number": "0231 5557788"},
    "faqs": [{"question": "Notdienst?"}]
  })"));
  EXPECT_EQ(text,
            R"({"name":"Sanitär Krause","business":{"services":["Bad","Heizung"],"phone":null},)"
            R"("faqs":[{"question":"Notdienst?","answer":""}],)"
            R"("escalation":{"enabled":true,"fallback_number":"+492315557788"}})");
}

TEST(CheckDraftState, ShapesAndNumbersAreCheckedAtOnce) {
  auto p = draft_problems(R"({"escalation": {"forwarding_number": "030 1"}, "faqs": 3,
                             "business": {"opening_hours": {"mon": [{"start": "10:00"}]}},
                             "wizard_step": 2})");
  EXPECT_EQ(p, (Problems{{"escalation.forwarding_number", "ist keine gültige Telefonnummer"},
                         {"faqs", "muss eine Liste sein"},
                         {"business.opening_hours.mon[0].end", "ist erforderlich"},
                         {"wizard_step", "ist unbekannt"}}));
  // Nothing is required in a draft.
  EXPECT_TRUE(draft_problems(R"({"name": "", "greeting": ""})").empty());
}

TEST(DefinitionJson, RoundTrip) {
  Definition d = read(kFull);
  auto text = definition_json(d);
  EXPECT_EQ(definition_json(definition_from_json(text)), text);
  // What the API and the database hold passes its own validation.
  EXPECT_EQ(definition_json(read(text)), text);
  EXPECT_NE(text.find(R"("opening_hours":{"mon":[],"tue":[{"start":"09:00","end":"12:00"})"),
            std::string::npos);
}

TEST(DefinitionJson, StoredDefinitionsAreReadWithoutRefusing) {
  // Rows written under older, looser limits still load (nothing is thrown, nothing cut).
  std::string long_name(150, 'n');
  Definition d = definition_from_json(R"({"name": ")" + long_name +
                                      R"(", "greeting": "", "retired_field": 1,
                                         "escalation": {"enabled": true}})");
  EXPECT_EQ(d.name, long_name);
  EXPECT_TRUE(d.escalation.enabled);
  EXPECT_FALSE(d.escalation.forwarding_number);
}

TEST(BusinessTypeNames, ParseAndPrint) {
  EXPECT_EQ(parse_business_type("trades"), BusinessType::trades);
  EXPECT_EQ(to_string(BusinessType::services), "services");
  EXPECT_FALSE(parse_business_type(""));
}

}  // namespace
}  // namespace kx::agent
