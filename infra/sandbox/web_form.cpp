#include "web_form.hpp"

#include "kx/http/message.hpp"

namespace kx::sandbox {

Form parse_form(std::string_view body) {
  Form form;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    form.emplace_back(http::percent_decode(pair.substr(0, eq), true),
                      eq == std::string_view::npos
                          ? std::string()
                          : http::percent_decode(pair.substr(eq + 1), true));
  }
  return form;
}

std::string form_value(const Form& form, std::string_view key) {
  for (const auto& [k, v] : form) {
    if (k == key)
      return v;
  }
  return {};
}

std::vector<std::string> form_values(const Form& form, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& [k, v] : form) {
    if (k == key)
      out.push_back(v);
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace kx::sandbox
