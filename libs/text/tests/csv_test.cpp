#include "kx/text/csv.hpp"

#include <gtest/gtest.h>

namespace kx::text {
namespace {

struct CellCase {
  std::string_view text;
  char separator;
  std::string_view cell;
};

TEST(CsvCell, NeutralisesFormulasAndQuotesPerRfc4180) {
  const CellCase cases[] = {
      {"plain", ',', "plain"},
      {"", ',', ""},
      {"Müller", ';', "Müller"},
      // Formula starts get a leading apostrophe.
      {"=1+1", ',', "'=1+1"},
      {"=HYPERLINK(\"http://x\")", ';', "\"'=HYPERLINK(\"\"http://x\"\")\""},
      {"+SUM(A1:A9)", ',', "'+SUM(A1:A9)"},
      {"-2+3", ',', "'-2+3"},
      {"@SUM(A1)", ',', "'@SUM(A1)"},
      {"\t=1", ',', "'\t=1"},
      {"\r=1", ',', "\"'\r=1\""},
      // A phone number stays readable and is safe.
      {"+4930123456", ',', "'+4930123456"},
      {"+49 30 123", ';', "'+49 30 123"},
      // Only the first character counts.
      {"a=1", ',', "a=1"},
      {" =1", ',', " =1"},
      {"'=1", ',', "'=1"},
      // Quoting: the separator in use, quotes, CR and LF.
      {"a,b", ',', "\"a,b\""},
      {"a,b", ';', "a,b"},
      {"a;b", ';', "\"a;b\""},
      {"a;b", ',', "a;b"},
      {"er sagte \"ja\"", ';', "\"er sagte \"\"ja\"\"\""},
      {"zwei\nZeilen", ',', "\"zwei\nZeilen\""},
      {"zwei\r\nZeilen", ';', "\"zwei\r\nZeilen\""},
      {"-", ',', "'-"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(csv_cell(c.text, c.separator), c.cell) << "text: " << c.text;
}

TEST(SpreadsheetText, NeutralisesFormulasWithoutQuoting) {
  EXPECT_EQ(spreadsheet_text("=IMPORTXML(\"http://x\", \"//a\")"),
            "'=IMPORTXML(\"http://x\", \"//a\")");
  EXPECT_EQ(spreadsheet_text("+4915112345678"), "'+4915112345678");
  EXPECT_EQ(spreadsheet_text("-"), "'-");
  EXPECT_EQ(spreadsheet_text("@Anna"), "'@Anna");
  EXPECT_EQ(spreadsheet_text("a,b \"c\"\nd"), "a,b \"c\"\nd");
  EXPECT_EQ(spreadsheet_text("Termin am 3. März"), "Termin am 3. März");
}

TEST(CsvWriter, RowsWithTextAndNumbers) {
  CsvWriter w(';');
  w.cell("Zeitpunkt").cell("Betrag").end_row();
  w.cell("2026-03-03T13:30:00.000Z").number("-0,30").cell("=Anruf; \"teuer\"").end_row();
  w.number(std::int64_t{95}).cell("").number("1;5").end_row();
  EXPECT_EQ(w.str(),
            "Zeitpunkt;Betrag\r\n"
            "2026-03-03T13:30:00.000Z;-0,30;\"'=Anruf; \"\"teuer\"\"\"\r\n"
            "95;;\"1;5\"\r\n");
  CsvWriter comma(',');
  comma.number("-0,30").end_row();
  EXPECT_EQ(comma.str(), "\"-0,30\"\r\n");
}

}  // namespace
}  // namespace kx::text
