#include "templates.hpp"

#include <gtest/gtest.h>

namespace kx::agent {
namespace {

struct Case {
  const char* name;
  const char* description;
  std::vector<std::string> services;
  BusinessType expected;
};

using enum BusinessType;

// Descriptions as owners write them in the wizard's first step.
const std::vector<Case> kCases = {
    // gastronomy
    {"Trattoria Da Luca", "Italienische Küche mit hausgemachter Pasta in Köln", {}, gastronomy},
    {"Café und Konditorei Sommer", "Torten, Kuchen und Frühstück am Marktplatz", {}, gastronomy},
    {"Bäckerei Hofmann", "Drei Filialen, Brötchen und Brot aus eigener Backstube", {}, gastronomy},
    {"Baeckereien Kuhn", "", {}, gastronomy},
    {"Gasthof zur Linde", "Gutbürgerliche Küche und Biergarten im Allgäu", {}, gastronomy},
    {"Istanbul Grill", "Döner, Lahmacun und Pide, auch zum Mitnehmen", {}, gastronomy},
    {"Mama Rosa", "Pizzeria mit Lieferservice in Bochum", {"Pizza", "Pasta", "Salate"}, gastronomy},
    {"Sushi Kai", "Japanisches Restaurant mit Sushi-Bar", {}, gastronomy},
    {"Landhotel Birkenhof", "Hotel mit Restaurant und 20 Zimmern", {}, gastronomy},
    {"Die Weinstube", "Pfälzer Weine und kleine Speisen", {}, gastronomy},
    {"The Old Mill", "Family-run pub and restaurant with a beer garden", {}, gastronomy},
    // salon
    {"Haarwerk Schneider", "Friseursalon für Damen, Herren und Kinder", {}, salon},
    {"Nagelstudio Lumi", "Maniküre, Pediküre und Nageldesign", {}, salon},
    {"Kosmetikstudio Schön & Gut", "Gesichtsbehandlungen, Wimpernverlängerung", {}, salon},
    {"Barbershop Ali", "Bartpflege und Herrenschnitte", {}, salon},
    {"Hundesalon Wuffel", "Scheren, Trimmen und Baden für Hunde aller Rassen", {}, salon},
    {"Frisör Ünal", "", {}, salon},
    {"Day Spa Seeblick", "Massagen, Sauna und Wellness am See", {}, salon},
    {"Ink Art", "Tattoostudio in Berlin-Friedrichshain", {}, salon},
    {"Glow Beauty Bar", "Lash lifts, brows and nails in Manchester", {}, salon},
    // medical
    {"Praxis für Physiotherapie Weber",
     "Krankengymnastik, Manuelle Therapie, Lymphdrainage",
     {},
     medical},
    {"Zahnarztpraxis Dr. Demir", "Prophylaxe, Implantate und Kinderzahnheilkunde", {}, medical},
    {"Dr. med. Julia Brandt", "Hausärztin, Fachärztin für Allgemeinmedizin", {}, medical},
    {"Ergotherapie am Park", "Behandlung von Kindern und Erwachsenen nach Verordnung", {}, medical},
    {"Tierarztpraxis Sonnenhof", "Kleintiere, Impfungen und Notdienst", {}, medical},
    {"Stadt-Apotheke", "Ihre Apotheke in der Innenstadt", {}, medical},
    {"Heilpraktikerin Anna Roth", "Naturheilkunde und Akupunktur", {}, medical},
    {"Lisa Brandt", "Physiotherapeutin mit eigener Praxis in Bonn", {}, medical},
    {"Logopädie Klein", "Sprachtherapie für Kinder", {}, medical},
    {"Riverside Clinic", "Dental practice and hygienist in Leeds", {}, medical},
    // trades
    {"Sanitär Krause GmbH", "Meisterbetrieb für Sanitär, Heizung und Klima", {}, trades},
    {"Dachdeckerei Vogel", "Steildach, Flachdach und Dachfenster", {}, trades},
    {"Autowerkstatt Yilmaz", "Inspektion, Reifenwechsel und HU", {}, trades},
    {"Kfz-Werkstatt Berger", "", {}, trades},
    {"Elektro Schmitt", "Elektroinstallation und Photovoltaik für Privat und Gewerbe", {}, trades},
    {"Malerbetrieb Hahn", "Innenanstrich, Fassaden und Tapezierarbeiten", {}, trades},
    {"Tischlerei Holzwurm", "Möbel nach Maß und Innenausbau", {}, trades},
    {"Holger Brandt", "", {"Fliesenarbeiten", "Badsanierung", "Trockenbau"}, trades},
    {"Umzüge Express", "Privatumzüge und Firmenumzüge in ganz NRW", {}, trades},
    {"Parker Plumbing", "Boiler repairs and emergency plumber in Leeds", {}, trades},
    // retail
    {"Blumenladen Rosenrot", "Sträuße und Hochzeitsfloristik", {}, retail},
    {"Buchhandlung am Dom", "Bücher, Kalender und Geschenke", {}, retail},
    {"Optik Sehwerk", "Brillen und Kontaktlinsen", {}, retail},
    {"Modehaus Lindner", "Damenmode und Herrenmode seit 1952", {}, retail},
    {"Fahrradladen Speiche", "Verkauf von E-Bikes und Zubehör", {}, retail},
    {"Feinkost Oliva", "Italienische Spezialitäten, Olivenöl und Wein", {}, retail},
    {"Chapter One", "Independent bookstore with a children's corner", {}, retail},
    // services
    {"Steuerberatung Müller & Partner",
     "Einkommensteuer, Buchhaltung, Jahresabschluss",
     {},
     services},
    {"Rechtsanwaltskanzlei Hoffmann", "Arbeitsrecht und Familienrecht", {}, services},
    {"Immobilien Becker", "Vermietung und Verkauf von Wohnungen", {}, services},
    {"Fahrschule Tempo", "Führerschein Klasse B und A", {}, services},
    {"Glanz Gebäudereinigung", "Unterhaltsreinigung für Büros und Praxen", {}, services},
    {"Versicherungsagentur Klein", "Beratung zu Haftpflicht, Hausrat und Rente", {}, services},
    {"Fitnessstudio Kraftwerk", "Geräte, Kurse und Personal Training", {}, services},
    {"Hartley & Co", "Chartered accountants and tax advisers", {}, services},
    // general
    {"Kulturverein Lindenhof e. V.", "", {}, general},
    {"Müller GmbH", "Wir freuen uns auf Ihren Anruf.", {}, general},
};

TEST(DetectBusinessType, TableOfRealDescriptions) {
  ASSERT_GE(kCases.size(), 40u);
  for (const auto& c : kCases) {
    auto d = detect_business_type(c.name, c.description, c.services);
    EXPECT_EQ(to_string(d.type), to_string(c.expected))
        << c.name << " | " << c.description << " (score " << d.score << ")";
  }
}

TEST(DetectBusinessType, ReportsScoreAndTheOwnersWords) {
  auto d = detect_business_type("Zahnarztpraxis Dr. Demir", "Wir behandeln Angstpatienten.");
  EXPECT_EQ(d.type, BusinessType::medical);
  EXPECT_GT(d.score, 0);
  EXPECT_EQ(d.matched, (std::vector<std::string>{"Zahnarztpraxis", "Dr", "Angstpatienten"}));
}

TEST(DetectBusinessType, NameCountsMoreThanDescription) {
  // One word in the name outweighs one word of another type in the description.
  auto d = detect_business_type("Friseur Berger", "direkt neben dem Restaurant am Markt");
  EXPECT_EQ(d.type, BusinessType::salon);
  d = detect_business_type("Berger", "Friseur direkt neben dem Restaurant am Markt");
  EXPECT_EQ(d.score, 3);
}

TEST(DetectBusinessType, NothingMatchedIsGeneralWithScoreZero) {
  auto d = detect_business_type("", "");
  EXPECT_EQ(d.type, BusinessType::general);
  EXPECT_EQ(d.score, 0);
  EXPECT_TRUE(d.matched.empty());
  // Short stems stay whole words: "erreichbar" is no bar, "sparen" no spa, "Workshop" no shop.
  d = detect_business_type("", "Wir sind gut erreichbar, Sie sparen Zeit im Workshop.");
  EXPECT_EQ(d.type, BusinessType::general) << d.score;
}

TEST(Templates, SevenTypesWithTextsInBothLanguages) {
  ASSERT_EQ(templates().size(), 7u);
  for (const auto& t : templates()) {
    EXPECT_EQ(&template_for(t.type), &t);
    EXPECT_EQ(parse_business_type(to_string(t.type)), t.type);
    for (const TemplateText* text : {&t.de, &t.en}) {
      EXPECT_FALSE(text->label.empty());
      EXPECT_GE(text->typical_questions.size(), 5u) << to_string(t.type);
      EXPECT_GE(text->duties.size(), 3u) << to_string(t.type);
      EXPECT_GE(text->avoid.size(), 3u) << to_string(t.type);
      EXPECT_FALSE(text->tone.empty());
    }
    EXPECT_NE(t.de.label, t.en.label);
    EXPECT_EQ(&t.text("en"), &t.en);
    EXPECT_EQ(&t.text("de"), &t.de);
  }
  EXPECT_EQ(template_for(BusinessType::salon).de.label, "Friseur und Kosmetik");
  EXPECT_FALSE(parse_business_type("Salon"));
}

}  // namespace
}  // namespace kx::agent
