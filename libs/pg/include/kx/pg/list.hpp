#pragma once
// A list of values as one text parameter: one statement for any number of them, without
// building SQL. comma_list is for `= ANY (string_to_array($1, ','))` and ids without commas
// (uuids, provider ids); text_array for any text.

#include <string>
#include <vector>

namespace kx::pg {

inline std::string comma_list(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids)
    out += (out.empty() ? "" : ",") + id;
  return out;
}

/// A text[] literal for `$1::text[]` (`= ANY ($1::text[])`, `unnest($1::text[])`) with every
/// element quoted, so that values from the wire, commas and quotes included, cannot change its
/// shape.
inline std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1)
      out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace kx::pg
