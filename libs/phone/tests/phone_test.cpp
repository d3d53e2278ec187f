#include "kx/phone/phone.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace kx::phone {
namespace {

std::string e164_of(std::string_view text, std::string_view region = "DE") {
  auto r = normalize(text, region);
  return std::holds_alternative<Number>(r) ? std::get<Number>(r).e164 : std::string("<problem>");
}

Problem problem_of(std::string_view text) {
  auto r = normalize(text);
  EXPECT_TRUE(std::holds_alternative<Problem>(r)) << text << " -> " << e164_of(text);
  return std::holds_alternative<Problem>(r) ? std::get<Problem>(r) : Problem::invalid;
}

TEST(Normalize, WhatOwnersTypeBecomesE164) {
  struct Case {
    const char* text;
    const char* e164;
  };
  for (const auto& c : std::initializer_list<Case>{
           {"030 1234567", "+49301234567"},
           {"030/1234567", "+49301234567"},
           {"(030) 123 45 67", "+49301234567"},
           {"+49 30 1234567", "+49301234567"},
           {"+49 (0)30 1234567", "+49301234567"},
           {"0049 30 1234567", "+49301234567"},
           {"+49301234567", "+49301234567"},
           {"0151 12345678", "+4915112345678"},
           {"0151-123 456 78", "+4915112345678"},
           {"089 12345678", "+498912345678"},
           {"+43 1 5353535", "+4315353535"},
           {"+1 650 253 0000", "+16502530000"},
           {"  030 1234567  ", "+49301234567"},
       }) {
    EXPECT_EQ(e164_of(c.text), c.e164) << c.text;
  }
}

TEST(Normalize, NationalNumbersAreReadInTheGivenRegion) {
  EXPECT_EQ(e164_of("01 5353535", "AT"), "+4315353535");
  EXPECT_EQ(e164_of("044 668 18 00", "CH"), "+41446681800");
  // An international number does not care about the region.
  EXPECT_EQ(e164_of("+49 30 1234567", "AT"), "+49301234567");
}

TEST(Normalize, KnowsMobileAndFixedLines) {
  EXPECT_EQ(std::get<Number>(normalize("0151 12345678")).kind, Kind::mobile);
  EXPECT_EQ(std::get<Number>(normalize("030 1234567")).kind, Kind::fixed_line);
}

TEST(Normalize, SaysWhatIsWrong) {
  EXPECT_EQ(problem_of(""), Problem::empty);
  EXPECT_EQ(problem_of("   "), Problem::empty);
  EXPECT_EQ(problem_of("Praxis"), Problem::not_a_number);
  EXPECT_EQ(problem_of("+999 1234567"), Problem::invalid_country);
  EXPECT_EQ(problem_of("1"), Problem::not_a_number);
  EXPECT_EQ(problem_of("+49 3"), Problem::too_short);
  EXPECT_EQ(problem_of("0151 1"), Problem::invalid);
  EXPECT_EQ(problem_of("12345"), Problem::invalid);
  EXPECT_EQ(problem_of("030 1234567890123456"), Problem::too_long);
  EXPECT_EQ(problem_of(std::string(80, '1')), Problem::too_long);
}

TEST(Messages, GermanAndEnglishForEveryProblem) {
  for (auto p : {Problem::empty, Problem::not_a_number, Problem::invalid_country,
                 Problem::too_short, Problem::too_long, Problem::invalid}) {
    EXPECT_FALSE(german_message(p).empty());
    EXPECT_FALSE(english_message(p).empty());
  }
  EXPECT_EQ(german_message(Problem::too_short), "ist zu kurz");
  EXPECT_EQ(german_message(Problem::invalid_country), "hat keine gültige Ländervorwahl");
}

TEST(E164, ShapeOnly) {
  EXPECT_TRUE(is_e164("+49301234567"));
  EXPECT_TRUE(is_e164("+16502530000"));
  EXPECT_FALSE(is_e164("49301234567"));
  EXPECT_FALSE(is_e164("+0301234567"));
  EXPECT_FALSE(is_e164("+49 30 1234567"));
  EXPECT_FALSE(is_e164("+4930"));
  EXPECT_FALSE(is_e164("+4930123456789012"));
}

TEST(InternationalFormat, GroupsAsPeopleReadIt) {
  EXPECT_EQ(international_format("+49301234567"), "+49 30 1234567");
  EXPECT_EQ(international_format("+4915112345678"),
            "+49 1511 2345678");  // libphonenumber's grouping
  EXPECT_EQ(international_format("not a number"), "not a number");
}

TEST(Normalize, SafeFromManyThreadsAtFirstUse) {
  std::vector<std::thread> threads;
  std::vector<std::string> results(16);
  for (std::size_t i = 0; i < results.size(); ++i)
    threads.emplace_back([&, i] { results[i] = e164_of("030 1234567"); });
  for (auto& t : threads)
    t.join();
  for (const auto& r : results)
    EXPECT_EQ(r, "+49301234567");
}

}  // namespace
}  // namespace kx::phone
