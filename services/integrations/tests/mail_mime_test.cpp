// The MIME builder and the templates, read back by Python's email package: umlauts in subject,
// names and bodies survive, the structure is multipart/alternative (text, then HTML), lines
// stay short and end in CRLF, HTML is escaped and the text part is not.
#include <gtest/gtest.h>

#include "google_client.hpp"
#include "mail_mime.hpp"
#include "mail_templates.hpp"
#include "mail_test_support.hpp"

namespace kx::integrations {
namespace {

using testing::TempDir;

MimeMessage sample() {
  MimeMessage m;
  m.from = {"Kametrix Büro", "no-reply@kametrix.test"};
  m.to = {"Jürgen Müller-Lüdenscheidt", "inhaber@praxis.test"};
  m.subject = "Rückruf erbeten – Praxis Müller";
  m.text = "Grüße aus Köln.\n.Punkt am Zeilenanfang\nEnde mit Leerzeichen \n" +
           std::string(200, 'x') + "\nÄÖÜ äöü ß €";
  m.html = "<p>Grüße aus <b>Köln</b></p>";
  m.message_id = "low_balance.0190f1a2-7c1d-7e3a-9f00-000000000001@kametrix.test";
  m.date = *parse_rfc3339("2026-01-05T09:31:00Z");
  m.utc_offset = std::chrono::seconds(3600);
  return m;
}

TEST(MailMime, EncodedWordMatchesTheReferenceVector) {
  EXPECT_EQ(encode_header_text("Rückruf erbeten – Praxis Müller"),
            "=?UTF-8?B?UsO8Y2tydWYgZXJiZXRlbiDigJMgUHJheGlzIE3DvGxsZXI=?=");
  EXPECT_EQ(encode_header_text("Plain ASCII subject"), "Plain ASCII subject");
  // A line break in a value never starts a new header.
  EXPECT_EQ(encode_header_text("a\r\nBcc: x@y").find('\n'), std::string::npos);
}

TEST(MailMime, LongSubjectsAreSplitIntoShortWordsAtCharacterBoundaries) {
  std::string subject;
  for (int i = 0; i < 30; ++i)
    subject += "Größenänderung ";
  auto encoded = encode_header_text(subject);
  std::size_t start = 0, words = 0;
  while (start < encoded.size()) {
    auto end = encoded.find("\r\n ", start);
    auto word = encoded.substr(start, end == std::string::npos ? std::string::npos : end - start);
    EXPECT_LE(word.size(), 75u) << word;
    EXPECT_TRUE(word.starts_with("=?UTF-8?B?") && word.ends_with("?=")) << word;
    ++words;
    start = end == std::string::npos ? encoded.size() : end + 3;
  }
  EXPECT_GT(words, 5u);
}

TEST(MailMime, QuotedPrintableKeepsLinesShortAndEncodesWhatTransportsChange) {
  auto qp = quoted_printable("Grüße\n.dot\ntrailing \n" + std::string(300, 'a'));
  EXPECT_TRUE(qp.starts_with("Gr=C3=BC=C3=9Fe\r\n=2Edot\r\ntrailing=20\r\n")) << qp;
  std::size_t pos = 0;
  while (pos < qp.size()) {
    auto end = qp.find("\r\n", pos);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - pos, 76u);
    pos = end + 2;
  }
}

TEST(MailMime, DateIsRfc5322) {
  EXPECT_EQ(rfc5322_date(*parse_rfc3339("2026-01-05T09:31:00Z"), std::chrono::seconds(3600)),
            "Mon, 05 Jan 2026 10:31:00 +0100");
  EXPECT_EQ(rfc5322_date(*parse_rfc3339("2026-07-31T23:05:09Z")),
            "Fri, 31 Jul 2026 23:05:09 +0000");
}

TEST(MailMime, MailboxesAreParsedAndInjectionRefused) {
  auto box = parse_mailbox("Kametrix <no-reply@kametrix.example>");
  ASSERT_TRUE(box);
  EXPECT_EQ(box->name, "Kametrix");
  EXPECT_EQ(box->address, "no-reply@kametrix.example");
  EXPECT_TRUE(parse_mailbox("no-reply@kametrix.example"));
  EXPECT_FALSE(parse_mailbox("a@b.example\r\nBcc: evil@x.example"));
  EXPECT_FALSE(parse_mailbox("Name <a b@c.example>"));
  EXPECT_FALSE(parse_mailbox("no-at-sign"));
  EXPECT_FALSE(is_plain_address("a@b@c"));
  auto m = sample();
  m.to.address = "x@y.example>\r\nBcc: z@evil.example";
  EXPECT_THROW(build_mime(m), std::invalid_argument);
}

TEST(MailMime, PythonReadsTheMessageBackWithUmlautsIntact) {
  TempDir dir;
  auto m = sample();
  m.unsubscribe_url = "https://app.kametrix.test/api/public/unsubscribe?token=abc.def";
  auto raw = build_mime(m);
  // CRLF only, every line within RFC 5322's 78 characters; a URL cannot be folded, but stays
  // far below the hard limit of 998.
  for (std::size_t i = 0; i < raw.size(); ++i)
    if (raw[i] == '\n') {
      ASSERT_TRUE(i > 0 && raw[i - 1] == '\r') << "bare LF at " << i;
    }
  std::size_t pos = 0;
  while (pos < raw.size()) {
    auto end = raw.find("\r\n", pos);
    auto line = raw.substr(pos, end - pos);
    EXPECT_LE(line.size(), line.starts_with("List-Unsubscribe: <") ? 998u : 78u) << line;
    pos = end + 2;
  }
  auto doc = testing::parse_message(dir, raw);
  EXPECT_EQ(json::get_string(doc, "subject"), "Rückruf erbeten – Praxis Müller");
  EXPECT_EQ(json::get_string(doc, "to"), "Jürgen Müller-Lüdenscheidt <inhaber@praxis.test>");
  EXPECT_EQ(json::get_string(doc, "from"), "Kametrix Büro <no-reply@kametrix.test>");
  EXPECT_EQ(json::get_string(doc, "message_id"),
            "<low_balance.0190f1a2-7c1d-7e3a-9f00-000000000001@kametrix.test>");
  EXPECT_EQ(json::get_string(doc, "date"), "Mon, 05 Jan 2026 10:31:00 +0100");
  EXPECT_EQ(json::get_string(doc, "content_type"), "multipart/alternative");
  ASSERT_TRUE(doc["parts"].IsArray());
  ASSERT_EQ(doc["parts"].Size(), 2u);
  EXPECT_STREQ(doc["parts"][0].GetString(), "text/plain");
  EXPECT_STREQ(doc["parts"][1].GetString(), "text/html");
  EXPECT_EQ(json::get_int(doc, "defects"), 0);
  auto text = json::get_string(doc, "text");
  EXPECT_NE(text.find("Grüße aus Köln.\n.Punkt am Zeilenanfang\nEnde mit Leerzeichen \n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(std::string(200, 'x') + "\nÄÖÜ äöü ß €"), std::string::npos);
  EXPECT_NE(json::get_string(doc, "html").find("<p>Grüße aus <b>Köln</b></p>"), std::string::npos);
  EXPECT_EQ(json::get_string(doc, "list_unsubscribe"),
            "<https://app.kametrix.test/api/public/unsubscribe?token=abc.def>");
  EXPECT_EQ(json::get_string(doc, "list_unsubscribe_post"), "List-Unsubscribe=One-Click");
}

TEST(MailTemplates, MoneyIsWrittenTheLocalWay) {
  EXPECT_EQ(format_money(2500, "de"), "25,00 €");
  EXPECT_EQ(format_money(123456789, "de"), "1.234.567,89 €");
  EXPECT_EQ(format_money(-505, "de"), "-5,05 €");
  EXPECT_EQ(format_money(2500, "en"), "€25.00");
  EXPECT_EQ(format_money(123456, "en"), "€1,234.56");
}

TEST(MailTemplates, EveryKindRendersInBothLanguages) {
  auto params = json::parse(R"({"balance_cents": 120, "threshold_cents": 500})");
  for (const auto& kind : mail_kinds())
    for (const char* language : {"de", "en"}) {
      MailFrame frame{.language = language, .name = "Erika", .public_origin = "https://a.test"};
      auto mail = render_mail(kind, frame, params);
      EXPECT_FALSE(mail.subject.empty()) << kind;
      EXPECT_NE(mail.text.find(std::string(language) == "de" ? "Guten Tag Erika," : "Hello Erika,"),
                std::string::npos)
          << kind << "\n"
          << mail.text;
      EXPECT_NE(mail.html.find("<html lang=\"" + std::string(language) + "\">"), std::string::npos);
      EXPECT_EQ(mail.text.find('<'), std::string::npos) << kind << "\n" << mail.text;
    }
  EXPECT_THROW(render_mail("nope", MailFrame{}, params), std::invalid_argument);
}

TEST(MailTemplates, ValuesAreEscapedInHtmlOnlyAndFormattedForTheLanguage) {
  auto params = json::parse(R"({"pack": "Starter <b>&</b>", "credits_count": 1000,
      "amount_cents": 2500, "balance_cents": 3120, "transaction_id": "tx-1",
      "purchased_date": "2026-03-03T13:30:00Z"})");
  MailFrame de{.language = "de", .name = "Jürgen <script>", .public_origin = "https://a.test"};
  auto mail = render_mail("purchase_receipt", de, params);
  EXPECT_EQ(mail.subject, "Zahlungsbestätigung: Starter <b>&</b> (25,00 €)");
  EXPECT_NE(mail.text.find("Guten Tag Jürgen <script>,"), std::string::npos);
  EXPECT_NE(mail.text.find("Guthaben: 1.000 Credits\nBetrag: 25,00 €\nDatum: 03.03.2026\n"),
            std::string::npos)
      << mail.text;
  EXPECT_NE(mail.text.find("Neuer Kontostand: 31,20 €"), std::string::npos);
  EXPECT_NE(mail.text.find("https://a.test/credits"), std::string::npos);
  EXPECT_EQ(mail.html.find("<script>"), std::string::npos);
  EXPECT_NE(mail.html.find("Jürgen &lt;script&gt;"), std::string::npos);
  EXPECT_NE(mail.html.find("Starter &lt;b&gt;&amp;&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(mail.html.find("href=\"https://a.test/credits\""), std::string::npos);

  MailFrame en{.language = "en", .public_origin = "https://a.test"};
  auto english = render_mail("purchase_receipt", en, params);
  EXPECT_NE(english.text.find("Hello,\n"), std::string::npos);
  EXPECT_NE(english.text.find("Amount: €25.00\nDate: 03/03/2026"), std::string::npos)
      << english.text;
}

TEST(MailTemplates, BookingTimesAreInTheAgentsZone) {
  auto params = json::parse(R"({"agent": "Empfang", "caller_name": "Erika Muster",
      "timezone": "Europe/Berlin", "start_time": "2026-03-03T13:30:00Z",
      "end_clock": "2026-03-03T14:00:00Z"})");
  MailFrame de{.language = "de",
               .public_origin = "https://a.test",
               .unsubscribe_url = "https://a.test/api/public/unsubscribe?token=t"};
  auto mail = render_mail("new_booking", de, params);
  EXPECT_EQ(mail.subject, "Neuer Termin: Dienstag, 3. März 2026, 14:30 Uhr");
  EXPECT_NE(mail.text.find("Beginn: Dienstag, 3. März 2026, 14:30 Uhr\nEnde: 15:00 Uhr"),
            std::string::npos)
      << mail.text;
  EXPECT_NE(mail.text.find("https://a.test/api/public/unsubscribe?token=t"), std::string::npos);
  EXPECT_NE(mail.html.find("Diese Benachrichtigung abbestellen"), std::string::npos);
}

}  // namespace
}  // namespace kx::integrations
