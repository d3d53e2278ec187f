#include "prompt.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "agent_samples.hpp"
#include "golden.hpp"

namespace kx::agent {
namespace {

using testing::expect_golden;
using testing::sample_calendar;
using testing::sample_de;
using testing::sample_en;

constexpr std::array<BusinessType, 7> kAllTypes = {
    BusinessType::gastronomy, BusinessType::salon,    BusinessType::medical, BusinessType::trades,
    BusinessType::retail,     BusinessType::services, BusinessType::general};

PromptOptions options_for(const Definition& d) {
  return {.calendar = sample_calendar(d.business_type), .escalation = d.escalation.enabled};
}

TEST(SystemPrompt, GoldenPerTemplateAndLanguage) {
  for (auto type : kAllTypes) {
    for (const auto& d : {sample_de(type), sample_en(type)}) {
      std::string file = "prompt_" + std::string(to_string(type)) + "_" + d.language + ".txt";
      SCOPED_TRACE(file);
      expect_golden(file, system_prompt(d, options_for(d)));
    }
  }
}

TEST(SystemPrompt, SectionsInOrder) {
  auto d = sample_de(BusinessType::medical);
  d.special_instructions = "Sprechen Sie langsam.";
  auto prompt = system_prompt(d, {.calendar = true, .escalation = true});
  std::vector<std::string> titles = {"DATUM UND UHRZEIT",
                                     "WEITERLEITUNG AN DAS TEAM",
                                     "IDENTITÄT",
                                     "KONTEXT",
                                     "GESCHÄFTSINFORMATIONEN",
                                     "KONTAKT",
                                     "HÄUFIGE FRAGEN",
                                     "RICHTLINIEN",
                                     "KALENDER",
                                     "AUFGABEN",
                                     "GRENZEN",
                                     "SPRECHSTIL",
                                     "BESONDERE ANWEISUNGEN"};
  std::size_t at = 0;
  for (const auto& title : titles) {
    auto found = prompt.find("\n" + title + "\n");
    if (title == titles.front())
      found = prompt.starts_with(title + "\n") ? 0 : std::string::npos;
    ASSERT_NE(found, std::string::npos) << title;
    EXPECT_GE(found, at) << title << " is out of order";
    at = found;
  }
}

TEST(SystemPrompt, DateAndTimeComeFromTheCallNotFromTheBuild) {
  auto prompt = system_prompt(sample_de(BusinessType::salon), {.calendar = true});
  for (auto name : {kDateVariable, kTimeVariable, kDateIsoVariable, kTimezoneVariable})
    EXPECT_NE(prompt.find("{{" + std::string(name) + "}}"), std::string::npos) << name;
  // Nothing of today's date is baked in.
  auto today = std::chrono::year_month_day(
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  EXPECT_EQ(prompt.find(std::to_string(static_cast<int>(today.year()))), std::string::npos);
}

TEST(SystemPrompt, NoMarkdownBecauseEverythingIsSpoken) {
  for (auto type : kAllTypes) {
    for (const auto& d : {sample_de(type), sample_en(type)}) {
      auto prompt = system_prompt(d, {.calendar = true, .escalation = true});
      for (std::string_view bad : {"**", "##", "`", "\n- ", "\n* ", "__"})
        EXPECT_EQ(prompt.find(bad), std::string::npos) << to_string(type) << " " << bad;
    }
  }
}

TEST(SystemPrompt, ToolsOnlyWhenTheAssistantHasThem) {
  auto d = sample_de(BusinessType::salon);
  auto without = system_prompt(d, {.calendar = false, .escalation = false});
  EXPECT_EQ(without.find("KALENDER"), std::string::npos);
  EXPECT_EQ(without.find("book_appointment"), std::string::npos);
  EXPECT_EQ(without.find("transferCall"), std::string::npos);
  EXPECT_NE(without.find("nicht an das Team weitergeleitet"), std::string::npos);

  auto with = system_prompt(d, {.calendar = true, .escalation = true});
  EXPECT_NE(with.find("book_appointment"), std::string::npos);
  EXPECT_NE(with.find("transferCall"), std::string::npos);
}

TEST(SystemPrompt, OpeningHoursAsReadableText) {
  Definition d = sample_de(BusinessType::general);
  d.business.opening_hours[0] = testing::hours({{"09:00", "12:00"}, {"14:00", "18:00"}});
  d.business.opening_hours[1] = d.business.opening_hours[0];
  d.business.opening_hours[2] = d.business.opening_hours[0];
  d.business.opening_hours[3] = testing::hours({{"09:00", "12:00"}});
  d.business.opening_hours[4] = testing::hours({{"09:00", "12:00"}});
  auto prompt = system_prompt(d, {});
  EXPECT_NE(prompt.find("Montag bis Mittwoch: 09:00–12:00 und 14:00–18:00 Uhr\n"),
            std::string::npos);
  EXPECT_NE(prompt.find("Donnerstag und Freitag: 09:00–12:00 Uhr\n"), std::string::npos);
  EXPECT_NE(prompt.find("Samstag und Sonntag: geschlossen\n"), std::string::npos);

  d.language = "en";
  auto english = system_prompt(d, {});
  EXPECT_NE(english.find("Monday to Wednesday: 9:00 am to 12:00 pm and 2:00 pm to 6:00 pm\n"),
            std::string::npos)
      << english;
}

TEST(SystemPrompt, ClarificationsAndVoicemailFromTheSettings) {
  auto d = sample_de(BusinessType::trades);
  d.escalation.max_clarifications = 1;
  auto prompt = system_prompt(d, {.escalation = true});
  EXPECT_NE(prompt.find("nach 1 Rückfrage noch nicht"), std::string::npos);
  EXPECT_NE(prompt.find("eine Nachricht mit Name, Rückrufnummer und Anliegen"), std::string::npos);
  d.escalation.voicemail = false;
  prompt = system_prompt(d, {.escalation = true});
  EXPECT_EQ(prompt.find("Nachricht"), std::string::npos);
}

}  // namespace
}  // namespace kx::agent
