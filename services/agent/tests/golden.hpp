#pragma once
// Golden files under services/agent/tests/golden/: compared exactly; KX_UPDATE_GOLDEN=1
// rewrites them (review the diff before committing).

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace kx::agent::testing {

inline void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(KX_SOURCE_DIR) + "/services/agent/tests/golden/" + name;
  const char* update = std::getenv("KX_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "missing golden file " << path << " (run with KX_UPDATE_GOLDEN=1)";
    return;
  }
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), actual)
      << "differs from " << path << " (KX_UPDATE_GOLDEN=1 rewrites it)";
}

}  // namespace kx::agent::testing
