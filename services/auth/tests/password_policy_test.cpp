#include "password_policy.hpp"

#include <gtest/gtest.h>

namespace kx::auth {
namespace {

TEST(PasswordPolicy, AcceptsLongUncommonPasswords) {
  auto s = check_password("Sonnenblume-am-Fenster-7", "anna@salon.de");
  EXPECT_TRUE(s.acceptable());
  EXPECT_EQ(s.score, 4);
  EXPECT_EQ(s.label, "sehr stark");
}

TEST(PasswordPolicy, RejectsShortCommonAndPersonal) {
  EXPECT_FALSE(check_password("Ab1!", "a@b.de").acceptable());
  EXPECT_FALSE(check_password("passwort123", "a@b.de").acceptable());
  EXPECT_FALSE(check_password("QWERTZ123", "a@b.de").acceptable());  // case-insensitive list
  EXPECT_FALSE(check_password("meier.salon!2026", "meier.salon@web.de").acceptable());
  EXPECT_FALSE(check_password("aaaaaaaaaaaa", "a@b.de").acceptable());
  EXPECT_FALSE(check_password(std::string(129, 'x') + "y", "a@b.de").acceptable());
  EXPECT_EQ(check_password("kurz", "a@b.de").score, 0);
}

TEST(Email, NormalizesAndRejects) {
  EXPECT_EQ(normalize_email("  Anna.Schmidt@Salon-Beispiel.DE "), "anna.schmidt@salon-beispiel.de");
  for (const char* bad : {"", "anna", "anna@", "@salon.de", "anna@salon", "a b@salon.de",
                          "anna@@salon.de", "anna@salon..de", ".anna@salon.de", "anna@-salon.de"}) {
    EXPECT_FALSE(normalize_email(bad).has_value()) << bad;
  }
  EXPECT_FALSE(normalize_email(std::string(250, 'a') + "@x.de").has_value());
}

}  // namespace
}  // namespace kx::auth
