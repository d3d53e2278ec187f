#pragma once
// What the stand-ins that serve browser pages or take form posts share: form bodies
// (application/x-www-form-urlencoded, as Stripe's API and Google's token endpoint take them) and
// escaping text into HTML.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kx::sandbox {

/// The (name, value) pairs of a form body, percent-decoded ("+" is a space), in order.
using Form = std::vector<std::pair<std::string, std::string>>;

Form parse_form(std::string_view body);
/// The first value of `key`; empty when absent.
std::string form_value(const Form& form, std::string_view key);
/// Every value of `key`, in order.
std::vector<std::string> form_values(const Form& form, std::string_view key);
/// `text` safe inside HTML elements and double-quoted attributes.
std::string html_escape(std::string_view text);

}  // namespace kx::sandbox
