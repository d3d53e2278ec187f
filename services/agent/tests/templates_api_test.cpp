#include "templates_api.hpp"

#include <gtest/gtest.h>

#include "kx/http/error.hpp"
#include "kx/json/json.hpp"

namespace kx::agent {
namespace {

class TemplatesApiTest : public ::testing::Test {
 protected:
  TemplatesApiTest() { api_.add_routes(router_); }

  http::Response call(const std::string& method, const std::string& path,
                      const std::string& query = "", const std::string& body = "") {
    auto match = router_.match(method, path);
    EXPECT_TRUE(match.route) << method << " " << path;
    EXPECT_EQ(match.route->options.access, http::Access::user);
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = query;
    req.body = body;
    req.identity = {"0193a0c4-0000-7000-8000-000000000007", "user"};
    return match.route->handler(req);
  }

  // The field errors of a refused request.
  std::vector<json::FieldError> refused(const std::string& query, const std::string& body) {
    try {
      call("POST", "/api/templates/detect", query, body);
    } catch (const http::Error& e) {
      EXPECT_EQ(e.status(), 422);
      return e.details();
    }
    ADD_FAILURE() << "accepted: " << body;
    return {};
  }

  TemplatesApi api_;
  http::Router router_;
};

TEST_F(TemplatesApiTest, ListsTheSevenTemplatesInGermanByDefault) {
  auto res = call("GET", "/api/templates");
  ASSERT_EQ(res.status, 200);
  auto doc = json::parse(res.body);
  const auto& list = doc["templates"];
  ASSERT_EQ(list.Size(), 7u);
  EXPECT_STREQ(list[1]["business_type"].GetString(), "salon");
  EXPECT_STREQ(list[1]["label"].GetString(), "Friseur und Kosmetik");
  EXPECT_GE(list[1]["typical_questions"].Size(), 5u);
  EXPECT_GE(list[1]["duties"].Size(), 3u);
  EXPECT_GE(list[1]["avoid"].Size(), 3u);
  EXPECT_TRUE(list[1]["tone"].IsString());
  EXPECT_STREQ(list[6]["business_type"].GetString(), "general");
}

TEST_F(TemplatesApiTest, ListsInEnglishOnRequest) {
  auto doc = json::parse(call("GET", "/api/templates", "language=en").body);
  EXPECT_STREQ(doc["templates"][1]["label"].GetString(), "Hair and beauty");
  try {
    call("GET", "/api/templates", "language=fr");
    ADD_FAILURE() << "language=fr accepted";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.status(), 422);
    EXPECT_EQ(e.details().at(0).field, "language");
  }
}

TEST_F(TemplatesApiTest, DetectsTheTypeFromTheOwnersWords) {
  auto res = call("POST", "/api/templates/detect", "",
                  R"({"text": "Wir sind eine Dachdeckerei mit Meisterbetrieb in Kassel."})");
  ASSERT_EQ(res.status, 200);
  auto doc = json::parse(res.body);
  EXPECT_STREQ(doc["business_type"].GetString(), "trades");
  EXPECT_STREQ(doc["label"].GetString(), "Handwerk");
  EXPECT_EQ(doc["score"].GetInt(), 5);
  ASSERT_EQ(doc["matched"].Size(), 2u);
  EXPECT_STREQ(doc["matched"][0].GetString(), "Dachdeckerei");

  doc = json::parse(call("POST", "/api/templates/detect", "language=en",
                         R"({"text": "", "name": "Blumenladen Rosenrot"})")
                        .body);
  EXPECT_STREQ(doc["business_type"].GetString(), "retail");
  EXPECT_STREQ(doc["label"].GetString(), "Retail");
}

TEST_F(TemplatesApiTest, RefusesOversizedAndUnknownInput) {
  auto errors = refused("", R"({"text": ")" + std::string(5001, 'x') + R"("})");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "text");
  EXPECT_EQ(errors[0].message, "darf höchstens 5000 Zeichen lang sein");

  errors = refused("", R"({"txt": "Friseur"})");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "txt");
  EXPECT_EQ(errors[1].field, "text");
  EXPECT_EQ(errors[1].message, "ist erforderlich");
}

}  // namespace
}  // namespace kx::agent
