#include "kx/http/query.hpp"

#include <gtest/gtest.h>

#include "kx/http/error.hpp"

namespace kx::http {
namespace {

Request with_query(std::string query) {
  Request r;
  r.query = std::move(query);
  return r;
}

std::vector<std::string> failed_fields(const QueryParams& q) {
  try {
    q.require_valid();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 422);
    std::vector<std::string> fields;
    for (const auto& d : e.details())
      fields.push_back(d.field);
    return fields;
  }
  return {};
}

TEST(QueryParams, ValuesWithinTheirLimits) {
  auto req =
      with_query("limit=20&offset=40&q=Salon%20M%C3%BCller&open=false&status=busy&day=2026-02-28");
  QueryParams q(req);
  auto page = q.page(50, 200);
  EXPECT_EQ(page.limit, 20);
  EXPECT_EQ(page.offset, 40);
  EXPECT_EQ(q.text("q", 100), "Salon Müller");
  EXPECT_EQ(q.flag("open"), false);
  EXPECT_EQ(q.one_of("status", {"completed", "busy"}), "busy");
  EXPECT_EQ(q.date("day"), std::chrono::sys_days(std::chrono::year(2026) / 2 / 28));
  EXPECT_FALSE(q.has_errors());
  EXPECT_NO_THROW(q.require_valid());
}

TEST(QueryParams, AbsentOrEmptyIsNotGiven) {
  auto req = with_query("limit=&q=&open");
  QueryParams q(req);
  auto page = q.page(50, 200);
  EXPECT_EQ(page.limit, 50);
  EXPECT_EQ(page.offset, 0);
  EXPECT_EQ(q.text("q", 100), std::nullopt);
  EXPECT_EQ(q.flag("open"), std::nullopt);
  EXPECT_EQ(q.date("from"), std::nullopt);
  EXPECT_FALSE(q.has_errors());
}

TEST(QueryParams, EveryProblemIsNamedAtOnce) {
  auto req = with_query("limit=201&offset=-1&q=" + std::string(101, 'x') +
                        "&open=yes&status=lost&from=2026-02-30&to=2026-1-01&n=12abc");
  QueryParams q(req);
  auto page = q.page(50, 200);
  EXPECT_EQ(page.limit, 50);  // the fallback
  EXPECT_EQ(page.offset, 0);
  EXPECT_EQ(q.text("q", 100), std::nullopt);
  EXPECT_EQ(q.flag("open"), std::nullopt);
  EXPECT_EQ(q.one_of("status", {"completed", "busy"}), std::nullopt);
  EXPECT_EQ(q.date("from"), std::nullopt);
  EXPECT_EQ(q.date("to"), std::nullopt);
  EXPECT_EQ(q.integer("n", 7, 0, 100), 7);
  EXPECT_EQ(failed_fields(q), (std::vector<std::string>{"limit", "offset", "q", "open", "status",
                                                        "from", "to", "n"}));
}

TEST(QueryParams, DatesAreStrictCalendarDays) {
  EXPECT_EQ(format_date(std::chrono::sys_days(std::chrono::year(2024) / 2 / 29)), "2024-02-29");
  EXPECT_TRUE(parse_date("2024-02-29"));
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2024-13-01"));
  EXPECT_FALSE(parse_date("2024-00-10"));
  EXPECT_FALSE(parse_date("2024-01-1 "));
  EXPECT_FALSE(parse_date("+024-01-10"));
  EXPECT_FALSE(parse_date(""));
}

TEST(PlainToken, LettersDigitsAndFewMarks) {
  EXPECT_TRUE(is_plain_token("c0ffee-00:call_Ab.12", 100));
  EXPECT_TRUE(is_plain_token(std::string(100, 'a'), 100));
  EXPECT_FALSE(is_plain_token(std::string(101, 'a'), 100));
  EXPECT_FALSE(is_plain_token("", 100));
  EXPECT_FALSE(is_plain_token("a b", 100));
  EXPECT_FALSE(is_plain_token("a\nb", 100));
  EXPECT_FALSE(is_plain_token("schl\xC3\xBCssel", 100));
  EXPECT_FALSE(is_plain_token("a/b", 100));
}

TEST(TrimOws, SpacesAndTabsOnly) {
  EXPECT_EQ(trim_ows(" \t t=1,v1=ab \t"), "t=1,v1=ab");
  EXPECT_EQ(trim_ows("\t \t"), "");
  EXPECT_EQ(trim_ows("a b"), "a b");
  EXPECT_EQ(trim_ows("\na\r"), "\na\r");  // not optional whitespace
}

TEST(BearerToken, SchemeIsCaseInsensitiveAndTheTokenTrimmed) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token(" bearer \tabc "), "abc");
  EXPECT_EQ(bearer_token("BEARER abc"), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearer"), std::nullopt);
  EXPECT_EQ(bearer_token("Bearerabc"), std::nullopt);
  EXPECT_EQ(bearer_token("abc"), std::nullopt);
}

}  // namespace
}  // namespace kx::http
