#pragma once
// The seven business types an agent can be built for: what callers of such a business typically
// ask, what the agent does for them, what it must not talk about and how it sounds (German and
// English), and the detection of the type from the owner's own words. Plain data and functions,
// thread-safe, no I/O.

#include <string>
#include <string_view>
#include <vector>

#include "definition.hpp"

namespace kx::agent {

/// One business type's texts in one language.
struct TemplateText {
  std::string_view label;  ///< "Friseur und Kosmetik"
  std::vector<std::string_view> typical_questions;
  std::vector<std::string_view> duties;
  std::vector<std::string_view> avoid;
  std::string_view tone;
};

struct Template {
  BusinessType type;
  TemplateText de;
  TemplateText en;
  /// The English texts for "en", the German ones for anything else.
  const TemplateText& text(std::string_view language) const { return language == "en" ? en : de; }
};

/// The seven templates in BusinessType order (general last).
const std::vector<Template>& templates();
const Template& template_for(BusinessType type);

/// The detected type of a business, how sure (the weighted sum of matched keywords; 0 = nothing
/// matched, the type is then general) and the words that decided it, as the owner wrote them.
struct Detection {
  BusinessType type = BusinessType::general;
  int score = 0;
  std::vector<std::string> matched;
};

/// Detects the type from the business's name, description and services. German and English
/// keywords are matched as word stems (inflections, compounds such as "Zahnarztpraxis" or
/// "Kfz-Werkstatt", umlauts or their ASCII spellings); a keyword in the name counts three times.
Detection detect_business_type(std::string_view name, std::string_view description,
                               const std::vector<std::string>& services = {});

}  // namespace kx::agent
