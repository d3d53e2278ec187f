#pragma once
// A list of ids as one text parameter, for `= ANY (string_to_array($1, ','))`: one statement
// for any number of ids, without building SQL. The ids must not contain commas (uuids, provider
// ids).

#include <string>
#include <vector>

namespace kx::pg {

inline std::string comma_list(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids)
    out += (out.empty() ? "" : ",") + id;
  return out;
}

}  // namespace kx::pg
