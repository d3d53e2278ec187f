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

TEST(JsonParse, RefusesAKeyTwiceInOneObject) {
  // RapidJSON would keep both and FindMember would answer the first: two readers of one body
  // could see different values.
  try {
    parse(R"({"cents": 100, "cents": -100})");
    FAIL() << "duplicate key accepted";
  } catch (const ParseError& e) {
    EXPECT_STREQ(e.what(), "duplicate key in a JSON object");
  }
  EXPECT_THROW(parse(R"({"a": {"b": 1, "b": 2}})"), ParseError);
  EXPECT_THROW(parse(R"([{"a": 1}, {"x": 1, "x": 1}])"), ParseError);
  // The same key in different objects, or escaped differently but equal, is judged per object.
  EXPECT_NO_THROW(parse(R"({"a": {"b": 1}, "c": {"b": 2}, "b": 3})"));
  EXPECT_THROW(parse(R"({"a": 1, "\u0061": 2})"), ParseError);
}

TEST(JsonParse, BuildsTheWholeValueInOnePass) {
  auto doc = parse(R"({"n": -12, "u": 18446744073709551615, "d": 1.5, "t": true, "z": null,
                       "s": "Grüße \u00e4", "a": [1, {"k": "v"}, []], "o": {}})");
  EXPECT_EQ(doc["n"].GetInt(), -12);
  EXPECT_EQ(doc["u"].GetUint64(), 18446744073709551615ull);
  EXPECT_EQ(doc["d"].GetDouble(), 1.5);
  EXPECT_TRUE(doc["t"].GetBool());
  EXPECT_TRUE(doc["z"].IsNull());
  EXPECT_STREQ(doc["s"].GetString(), "Grüße ä");
  ASSERT_EQ(doc["a"].Size(), 3u);
  EXPECT_STREQ(doc["a"][1]["k"].GetString(), "v");
  EXPECT_TRUE(doc["a"][2].IsArray());
  EXPECT_TRUE(doc["o"].IsObject());
  EXPECT_EQ(to_string(parse(" [1,\n2] ")), "[1,2]");
}

TEST(JsonParse, ADocumentOutlivesTheOneItWasMovedFrom) {
  // Larger than one chunk of the document's pool, so the values span several chunks.
  std::string big = "[";
  for (int i = 0; i < 500; ++i)
    big += (i ? ",\"" : "\"") + std::string(40, static_cast<char>('a' + i % 26)) + "\"";
  big += "]";
  std::vector<Document> docs;
  for (int i = 0; i < 3; ++i) {
    auto doc = parse(big);
    docs.push_back(std::move(doc));  // the vector also moves them as it grows
  }
  Document assigned = parse("{}");
  assigned = parse(big);
  docs.push_back(std::move(assigned));
  for (const auto& d : docs) {
    ASSERT_EQ(d.Size(), 500u);
    EXPECT_EQ(std::string(d[499].GetString()), std::string(40, 'f'));
  }
  // A value added after the move lands in the pool the document now owns.
  docs[0].PushBack(rapidjson::Value("neu", docs[0].GetAllocator()), docs[0].GetAllocator());
  EXPECT_STREQ(docs[0][500].GetString(), "neu");
}

TEST(FieldReader, RefusesTextWithANulCharacter) {
  auto doc = parse(R"({"name": "Anna\u0000Admin", "ok": "Anna"})");
  FieldReader r(doc);
  EXPECT_FALSE(r.optional_string("name").has_value());
  EXPECT_EQ(r.optional_string("ok"), "Anna");
  ASSERT_EQ(r.errors().size(), 1u);
  EXPECT_EQ(r.errors()[0].field, "name");
  EXPECT_EQ(r.errors()[0].message, "darf kein Nullzeichen (\\u0000) enthalten");
}

TEST(FieldReader, LengthLimitsCountCharactersNotBytes) {
  std::string hundred_umlauts;
  for (int i = 0; i < 100; ++i)
    hundred_umlauts += "ü";
  auto doc = parse("{\"s\": \"" + hundred_umlauts + "\", \"t\": \"" + hundred_umlauts + "ü\"}");
  FieldReader r(doc);
  EXPECT_EQ(r.optional_string("s", 100), hundred_umlauts);  // 200 bytes, 100 characters
  EXPECT_FALSE(r.optional_string("t", 100).has_value());
  EXPECT_EQ(r.errors().size(), 1u);
  EXPECT_EQ(utf8_length("Jürgen 🙂"), 8u);
}

TEST(FieldReader, IntBetweenAndUnknownMembers) {
  auto doc = parse(R"({"price": 5000, "days": 7, "colour": "red", "grace": "x"})");
  FieldReader r(doc);
  EXPECT_EQ(r.int_between("days", 1, 30, true), 7);
  EXPECT_EQ(r.int_between("price", 1, 1000, false), std::nullopt);
  EXPECT_EQ(r.int_between("grace", 0, 10, false), std::nullopt);
  EXPECT_EQ(r.int_between("missing", 0, 10, false), std::nullopt);
  EXPECT_EQ(r.int_between("needed", 0, 10, true), std::nullopt);
  r.reject_unknown({"price", "days", "grace", "needed"});
  ASSERT_EQ(r.errors().size(), 4u);
  EXPECT_EQ(r.errors()[0].field, "price");
  EXPECT_EQ(r.errors()[0].message, "muss zwischen 1 und 1000 liegen");
  EXPECT_EQ(r.errors()[1].field, "grace");
  EXPECT_EQ(r.errors()[1].message, "muss eine ganze Zahl sein");
  EXPECT_EQ(r.errors()[2].field, "needed");
  EXPECT_EQ(r.errors()[3].field, "colour");
  EXPECT_EQ(r.errors()[3].message, "ist unbekannt");
}

TEST(TrustedLookups, DropNulCharactersInsteadOfCuttingTheText) {
  auto doc = parse(R"({"summary": "Termin\u0000 am Dienstag"})");
  EXPECT_EQ(get_string(doc, "summary"), "Termin am Dienstag");
  EXPECT_EQ(without_nul(std::string_view("a\0b\0", 4)), "ab");
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
