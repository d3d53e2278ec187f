// The mail view over a mailbox written the way infra/dev/mailserver.py writes it: newest first,
// the JSON fields, the raw message, escaping of everything a mail brings (its HTML only in a
// sandboxed srcdoc frame), ids that could leave the folder refused, clearing for tests.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "request.hpp"
#include "sandbox.hpp"

namespace kx::sandbox {
namespace {

namespace fs = std::filesystem;

const std::string kOlder = "20261129T100000000000Z-aaaaaa";
const std::string kMiddle = "20261129T100000000001Z-000000";
const std::string kNewest = "20261129T120000000000Z-ffffff";

class MailTest : public ::testing::Test {
 protected:
  MailTest() {
    std::string pattern = (fs::temp_directory_path() / "kx-mail-test-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
    dir_ = root_ / "mail";
    fs::create_directories(dir_);
    settings_.mail_dir = dir_.string();
    add_mail_routes(router_, settings_);
  }
  ~MailTest() override { fs::remove_all(root_); }

  static void write(const fs::path& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
  }

  /// One stored mail: the .eml and the mail server's .json with these fields.
  void store(const std::string& id, const std::string& to, const std::string& subject,
             const std::string& text = "Hallo", const std::string& html = "<p>Hallo</p>") {
    auto raw = "From: Kametrix <no-reply@kametrix.example>\r\nTo: " + to +
               "\r\nSubject: " + subject + "\r\n\r\n" + text + "\r\n";
    write(dir_ / (id + ".eml"), raw);
    json::Writer w;
    w.begin_object().field("id", id).key("to").begin_array().value(to).end_array();
    w.field("from", "Kametrix <no-reply@kametrix.example>").field("subject", subject);
    w.field("date", "2026-11-29T10:00:00Z").field("received_at", "2026-11-29T10:00:00.123Z");
    w.field("message_id", "<welcome." + id + "@kametrix.example>").field("text", text);
    w.field("html", html).field("size", static_cast<std::int64_t>(raw.size())).end_object();
    write(dir_ / (id + ".json"), w.str());
  }

  http::Response call(const std::string& method, const std::string& target) {
    auto req = test_request(method, target);
    return http::dispatch(router_, options_, req);
  }

  std::vector<std::string> listed_ids(const std::string& query = {}) {
    auto res = call("GET", "/mail/api/messages" + query);
    EXPECT_EQ(res.status, 200) << res.body;
    auto doc = json::parse(res.body);
    std::vector<std::string> ids;
    for (const auto& m : doc.GetArray())
      ids.emplace_back(m["id"].GetString());
    return ids;
  }

  fs::path root_;
  fs::path dir_;
  SandboxSettings settings_;
  http::Router router_;
  http::ServerOptions options_;
};

TEST_F(MailTest, ListsNewestFirstWithTheContractsFields) {
  EXPECT_TRUE(listed_ids().empty());
  EXPECT_NE(call("GET", "/mail").body.find("Noch keine Mails"), std::string::npos);

  store(kMiddle, "b@salon-beispiel.de", "Zweite");
  store(kNewest, "a@salon-beispiel.de", "Dritte");
  store(kOlder, "a@salon-beispiel.de", "Erste");
  // Not the mail server's: a half-written file, a name that is no id, and an .eml without JSON.
  write(dir_ / ".20261129T130000000000Z-000000.json.tmp", "{");
  write(dir_ / "not.an.id.json", "{}");
  write(dir_ / "20261129T140000000000Z-000000.eml", "Subject: unterwegs\r\n\r\n");

  EXPECT_EQ(listed_ids(), (std::vector<std::string>{kNewest, kMiddle, kOlder}));
  EXPECT_EQ(listed_ids("?limit=2"), (std::vector<std::string>{kNewest, kMiddle}));
  EXPECT_EQ(listed_ids("?to=A@Salon-Beispiel.de"), (std::vector<std::string>{kNewest, kOlder}));
  EXPECT_EQ(call("GET", "/mail/api/messages?limit=0").status, 400);
  EXPECT_EQ(call("GET", "/mail/api/messages?limit=zwei").status, 400);

  auto res = call("GET", "/mail/api/messages");
  EXPECT_EQ(res.headers.get("Content-Type").value_or(""), "application/json; charset=utf-8");
  auto list = json::parse(res.body);  // the document must outlive the view of its first item
  auto first = list[0].GetObject();
  EXPECT_STREQ(first["to"][0].GetString(), "a@salon-beispiel.de");
  EXPECT_STREQ(first["from"].GetString(), "Kametrix <no-reply@kametrix.example>");
  EXPECT_STREQ(first["subject"].GetString(), "Dritte");
  EXPECT_STREQ(first["date"].GetString(), "2026-11-29T10:00:00Z");
  EXPECT_STREQ(first["received_at"].GetString(), "2026-11-29T10:00:00.123Z");
  // The list stays small: the parts only in the single mail.
  EXPECT_FALSE(first.HasMember("text"));
  EXPECT_FALSE(first.HasMember("html"));

  auto page = call("GET", "/mail").body;
  auto newest = page.find("Dritte"), middle = page.find("Zweite"), older = page.find("Erste");
  ASSERT_NE(older, std::string::npos);
  EXPECT_LT(newest, middle);
  EXPECT_LT(middle, older);
  EXPECT_NE(page.find("href=\"/mail/" + kNewest + "\""), std::string::npos);
  EXPECT_NE(page.find("29.11.2026, 10:00:00 UTC"), std::string::npos);
}

TEST_F(MailTest, OneMailAsJsonAndAsReceived) {
  store(kNewest, "a@salon-beispiel.de", "Willkommen bei Kametrix – schön, dass Sie da sind",
        "Grüße\naus München", "<p>Grüße</p>");
  auto res = call("GET", "/mail/api/messages/" + kNewest);
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  EXPECT_STREQ(doc["subject"].GetString(), "Willkommen bei Kametrix – schön, dass Sie da sind");
  EXPECT_STREQ(doc["text"].GetString(), "Grüße\naus München");
  EXPECT_STREQ(doc["html"].GetString(), "<p>Grüße</p>");
  EXPECT_STREQ(doc["message_id"].GetString(),
               ("<welcome." + kNewest + "@kametrix.example>").c_str());

  auto raw = call("GET", "/mail/api/messages/" + kNewest + "/raw");
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.headers.get("Content-Type").value_or(""), "message/rfc822");
  std::ifstream in(dir_ / (kNewest + ".eml"), std::ios::binary);
  EXPECT_EQ(raw.body, std::string(std::istreambuf_iterator<char>(in), {}));

  auto missing = "20261129T000000000000Z-000000";
  EXPECT_EQ(call("GET", std::string("/mail/api/messages/") + missing).status, 404);
  EXPECT_EQ(call("GET", std::string("/mail/api/messages/") + missing + "/raw").status, 404);
  EXPECT_EQ(call("GET", std::string("/mail/") + missing).status, 404);
}

TEST_F(MailTest, EverythingAMailBringsIsEscapedAndItsHtmlOnlyFramed) {
  store(kNewest, "\"><img src=x onerror=alert(1)>@example.de",
        "<script>alert(\"Betreff\")</script>", "</pre><script>alert('text')</script>",
        "<html><head><title>x</title></head><body><script>alert(1)</script>"
        "<a href=\"https://example.de/?a=1&b=2\">Bestätigen</a></body></html>");
  for (const auto& target : {std::string("/mail"), "/mail/" + kNewest}) {
    auto res = call("GET", target);
    ASSERT_EQ(res.status, 200) << target;
    EXPECT_EQ(res.headers.get("Content-Type").value_or(""), "text/html; charset=utf-8");
    EXPECT_EQ(res.body.find("<script"), std::string::npos) << target;
    EXPECT_EQ(res.body.find("<img"), std::string::npos) << target;
    EXPECT_NE(res.body.find("&lt;script&gt;alert(&quot;Betreff&quot;)&lt;/script&gt;"),
              std::string::npos)
        << target;
    EXPECT_NE(res.headers.get("Content-Security-Policy").value_or("").find("script-src 'none'"),
              std::string::npos);
  }
  auto view = call("GET", "/mail/" + kNewest).body;
  EXPECT_NE(view.find("<pre>&lt;/pre&gt;&lt;script&gt;alert(&#39;text&#39;)"), std::string::npos);
  // The HTML part as srcdoc of a frame without allow-scripts, its links opening outside it.
  auto frame = view.find("<iframe sandbox=\"allow-popups allow-popups-to-escape-sandbox\"");
  ASSERT_NE(frame, std::string::npos) << view;
  EXPECT_EQ(view.find("allow-scripts"), std::string::npos);
  EXPECT_EQ(view.find("allow-same-origin"), std::string::npos);
  EXPECT_NE(view.find("srcdoc=\"&lt;html&gt;&lt;head&gt;&lt;base target=&quot;_blank&quot;&gt;"
                      "&lt;title&gt;",
                      frame),
            std::string::npos)
      << view;
  EXPECT_NE(view.find("href=&quot;https://example.de/?a=1&amp;b=2&quot;", frame),
            std::string::npos);
  EXPECT_NE(view.find("/mail/api/messages/" + kNewest + "/raw"), std::string::npos);
}

TEST_F(MailTest, IdsThatCouldLeaveTheFolderAreRefused) {
  write(root_ / "secret.json", R"({"subject": "geheim", "to": [], "text": "geheim"})");
  write(root_ / "secret.eml", "Subject: geheim\r\n\r\ngeheim\r\n");
  write(dir_ / "a.b.json", R"({"subject": "geheim"})");
  const std::vector<std::string> ids = {"..",
                                        ".",
                                        "a.b",
                                        "..%2Fsecret",
                                        "%2E%2E%2Fsecret",
                                        "secret%00",
                                        "..%5Csecret",
                                        std::string(65, 'a')};
  for (const auto& id : ids) {
    for (const auto& target :
         {"/mail/api/messages/" + id, "/mail/api/messages/" + id + "/raw", "/mail/" + id}) {
      auto res = call("GET", target);
      EXPECT_NE(res.status, 200) << target;
      EXPECT_EQ(res.body.find("geheim"), std::string::npos) << target;
    }
  }
  EXPECT_EQ(call("GET", "/mail/api/messages/a.b").status, 400);
  EXPECT_EQ(call("GET", "/mail/api/messages/..").status, 400);
  EXPECT_TRUE(listed_ids().empty());
}

TEST_F(MailTest, DeleteForgetsEveryMailAndNothingElse) {
  store(kOlder, "a@salon-beispiel.de", "Erste");
  store(kNewest, "a@salon-beispiel.de", "Zweite");
  write(dir_ / "README", "bleibt");
  EXPECT_EQ(listed_ids().size(), 2u);
  EXPECT_EQ(call("DELETE", "/mail/api/messages").status, 204);
  EXPECT_TRUE(listed_ids().empty());
  EXPECT_FALSE(fs::exists(dir_ / (kNewest + ".eml")));
  EXPECT_TRUE(fs::exists(dir_ / "README"));
  // A mail arriving afterwards is listed again.
  store(kNewest, "a@salon-beispiel.de", "Dritte");
  EXPECT_EQ(listed_ids(), std::vector<std::string>{kNewest});
}

TEST_F(MailTest, UnreadableFilesAreSkippedAndAMissingFolderIsAnEmptyMailbox) {
  store(kOlder, "a@salon-beispiel.de", "Lesbar");
  write(dir_ / (kNewest + ".json"), "{kein JSON");
  EXPECT_EQ(listed_ids(), std::vector<std::string>{kOlder});
  EXPECT_EQ(call("GET", "/mail/api/messages/" + kNewest).status, 404);

  fs::remove_all(dir_);
  EXPECT_TRUE(listed_ids().empty());
  EXPECT_EQ(call("DELETE", "/mail/api/messages").status, 204);
}

TEST(MailViewWithoutFolder, AnswersThatNoMailboxIsConfigured) {
  http::Router router;
  add_mail_routes(router, SandboxSettings{});
  http::ServerOptions options;
  for (const char* path : {"/mail", "/mail/api/messages"}) {
    auto req = test_request("GET", path);
    auto res = http::dispatch(router, options, req);
    EXPECT_EQ(res.status, 503) << path;
    EXPECT_NE(res.body.find("SANDBOX_MAIL_DIR"), std::string::npos) << path;
  }
}

}  // namespace
}  // namespace kx::sandbox
