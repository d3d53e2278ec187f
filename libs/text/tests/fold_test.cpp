#include "kx/text/fold.hpp"

#include <gtest/gtest.h>

namespace kx::text {
namespace {

TEST(FoldForMatching, GermanLettersAndAccents) {
  EXPECT_EQ(fold_for_matching("Bäckerei MÜLLER Straße"), "baeckerei mueller strasse");
  EXPECT_EQ(fold_for_matching("ÄÖÜäöüß"), "aeoeueaeoeuess");
  EXPECT_EQ(fold_for_matching("GROẞE"), "grosse");
  EXPECT_EQ(fold_for_matching("Café Crème"), "cafe creme");
  EXPECT_EQ(fold_for_matching("Kfz-Werkstatt 24"), "kfz-werkstatt 24");
  // Characters outside Latin-1 are kept as they are.
  EXPECT_EQ(fold_for_matching("Łódź ok"), "Łodź ok");
}

}  // namespace
}  // namespace kx::text
