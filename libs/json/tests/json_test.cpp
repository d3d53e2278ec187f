#include "kx/json/json.hpp"

#include <gtest/gtest.h>

namespace kx::json {
namespace {

TEST(JsonParse, AcceptsOneValueWithWhitespace) {
  auto doc = parse(" {\"a\": 1}\n");
  EXPECT_EQ(doc["a"].GetInt(), 1);
}

TEST(JsonParse, RejectsMalformedTruncatedAndTrailing) {
  EXPECT_THROW(parse("{\"a\": "), ParseError);
  EXPECT_THROW(parse("{\"a\": 1} x"), ParseError);
  EXPECT_THROW(parse("{\"a\": 1}{}"), ParseError);
  EXPECT_THROW(parse(""), ParseError);
  EXPECT_THROW(parse("{'a': 1}"), ParseError);
  EXPECT_THROW(parse("\"\xff\xfe\""), ParseError);
}

TEST(JsonParse, RejectsDeepNesting) {
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  EXPECT_THROW(parse(deep), ParseError);
  EXPECT_NO_THROW(parse(std::string(10, '[') + std::string(10, ']')));
}

TEST(FieldReader, CollectsEveryProblem) {
  auto doc = parse(R"({"email": 5, "name": "x", "age": "old", "flag": 1})");
  FieldReader r(doc);
  r.required_string("email");
  r.required_string("password");
  EXPECT_EQ(r.optional_string("name"), "x");
  r.optional_int("age");
  r.optional_bool("flag");
  ASSERT_EQ(r.errors().size(), 4u);
  EXPECT_EQ(r.errors()[0].field, "email");
  EXPECT_EQ(r.errors()[0].message, "muss ein Text sein");
  EXPECT_EQ(r.errors()[1].field, "password");
  EXPECT_EQ(r.errors()[1].message, "ist erforderlich");
  EXPECT_EQ(r.errors()[2].field, "age");
  EXPECT_EQ(r.errors()[3].field, "flag");
}

TEST(FieldReader, EnforcesLengthAndObjectRoot) {
  auto doc = parse(R"({"s": "abcdef"})");
  FieldReader r(doc);
  EXPECT_FALSE(r.optional_string("s", 3).has_value());
  EXPECT_FALSE(r.ok());
  auto arr = parse("[1]");
  FieldReader r2(arr);
  EXPECT_FALSE(r2.ok());
  EXPECT_EQ(r2.required_string("x"), "");
  EXPECT_EQ(r2.errors().size(), 1u);
}

TEST(Writer, ProducesValidEscapedJson) {
  Writer w;
  w.begin_object()
      .field("s", "quote\" and \xc3\xa4")
      .field("n", std::int64_t{-5})
      .field("b", true)
      .field("o", std::optional<std::string>{})
      .end_object();
  auto doc = parse(w.str());
  EXPECT_STREQ(doc["s"].GetString(), "quote\" and \xc3\xa4");
  EXPECT_EQ(doc["n"].GetInt64(), -5);
  EXPECT_TRUE(doc["o"].IsNull());
}

}  // namespace
}  // namespace kx::json
