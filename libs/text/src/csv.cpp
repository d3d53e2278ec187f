#include "kx/text/csv.hpp"

namespace kx::text {
namespace {

bool runs_as_formula(std::string_view text) {
  return !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
}

std::string quoted_if_needed(std::string text, char separator) {
  if (text.find_first_of(std::string{separator, '"', '\r', '\n'}) == std::string::npos)
    return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"')
      out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string spreadsheet_text(std::string_view text) {
  std::string cell;
  cell.reserve(text.size() + 1);
  if (runs_as_formula(text))
    cell += '\'';
  cell += text;
  return cell;
}

std::string csv_cell(std::string_view text, char separator) {
  return quoted_if_needed(spreadsheet_text(text), separator);
}

CsvWriter& CsvWriter::cell(std::string_view text) {
  separate();
  out_ += csv_cell(text, separator_);
  return *this;
}

CsvWriter& CsvWriter::number(std::string_view formatted) {
  separate();
  out_ += quoted_if_needed(std::string(formatted), separator_);
  return *this;
}

CsvWriter& CsvWriter::end_row() {
  out_ += "\r\n";
  row_started_ = false;
  return *this;
}

void CsvWriter::separate() {
  if (row_started_)
    out_ += separator_;
  row_started_ = true;
}

}  // namespace kx::text
