#pragma once
// CSV for spreadsheet programs: the one cell rule every export (credits, calls, later the Google
// Sheets rows) uses, and a row writer. Plain functions and a value type; thread-safe as values.

#include <cstdint>
#include <string>
#include <string_view>

namespace kx::text {

/// A byte order mark: spreadsheet programs read a CSV file as UTF-8 (umlauts) only with it.
inline constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

/// Text as a spreadsheet must receive it to show it and never run it. A spreadsheet runs a cell
/// that starts with `=`, `+`, `-`, `@`, tab or carriage return as a formula (CSV injection), so
/// such text gets a leading `'`: it is shown as text; a phone number like `+4930123456` stays
/// readable as `'+4930123456`. The rule of every export: CSV files and the Google Sheets call
/// log (written as typed, USER_ENTERED).
std::string spreadsheet_text(std::string_view text);

/// One CSV text cell: spreadsheet_text(), then quoted (RFC 4180: in `"`, inner `"` doubled) when
/// it contains `separator`, `"`, CR or LF.
std::string csv_cell(std::string_view text, char separator);

/// Writes rows of cells with CRLF line ends. Not thread-safe; one per file.
class CsvWriter {
 public:
  explicit CsvWriter(char separator) : separator_(separator) {}

  /// A text cell, by csv_cell().
  CsvWriter& cell(std::string_view text);
  /// A number the program formats itself ("-0,30", "95"): never neutralised (a spreadsheet
  /// must see a negative amount as a number), quoted when it contains the separator.
  CsvWriter& number(std::string_view formatted);
  CsvWriter& number(std::int64_t n) { return number(std::to_string(n)); }
  /// Ends the row.
  CsvWriter& end_row();

  const std::string& str() const { return out_; }

 private:
  void separate();

  char separator_;
  bool row_started_ = false;
  std::string out_;
};

}  // namespace kx::text
