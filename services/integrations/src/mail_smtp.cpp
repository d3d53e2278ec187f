#include "mail_smtp.hpp"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>

namespace kx::integrations {
namespace {

struct Upload {
  const std::string& data;
  std::size_t pos = 0;
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  auto n = std::min(size * count, up->data.size() - up->pos);
  std::memcpy(buffer, up->data.data() + up->pos, n);
  up->pos += n;
  return n;
}

void global_init() {
  // curl_global_init is not thread-safe itself; once per process before any handle.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string bracketed(const std::string& address) {
  return "<" + address + ">";
}

}  // namespace

SmtpSender::SmtpSender(SmtpSettings settings) : settings_(std::move(settings)) {
  global_init();
}

SmtpResult SmtpSender::send(const std::string& envelope_from, const std::string& recipient,
                            const std::string& message) const {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl)
    return {SmtpResult::Outcome::temporary, 0, "curl_easy_init failed"};
  CURL* h = curl.get();
  auto scheme = settings_.tls == SmtpTls::tls ? "smtps://" : "smtp://";
  auto url = std::string(scheme) + settings_.host + ":" + std::to_string(settings_.port) + "/" +
             settings_.helo_domain;
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(
      curl_slist_append(nullptr, bracketed(recipient).c_str()), curl_slist_free_all);
  auto from = bracketed(envelope_from);
  Upload upload{message};
  char error[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (settings_.tls == SmtpTls::starttls)
    // STARTTLS or nothing: credentials and mail never go out in clear.
    curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!settings_.user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, settings_.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, settings_.password.c_str());
  }

  auto rc = curl_easy_perform(h);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK)
    return {SmtpResult::Outcome::sent, static_cast<int>(code), {}};
  std::string text = error[0] ? error : curl_easy_strerror(rc);
  if (code > 0)
    text = "SMTP " + std::to_string(code) + ": " + text;
  // Refused credentials are our configuration, not this message: it goes out once fixed.
  bool permanent = code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED;
  return {permanent ? SmtpResult::Outcome::permanent : SmtpResult::Outcome::temporary,
          static_cast<int>(code), text};
}

}  // namespace kx::integrations
