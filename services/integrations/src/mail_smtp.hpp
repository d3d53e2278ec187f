#pragma once
// Sending one message over SMTP submission with libcurl: plain (a loopback test server only),
// STARTTLS (port 587, TLS required, never a plaintext fallback) or implicit TLS (port 465), AUTH
// when a user is configured, and a timeout on the whole exchange.

#include <chrono>
#include <string>

namespace kx::integrations {

enum class SmtpTls { none, starttls, tls };

struct SmtpSettings {
  std::string host = "127.0.0.1";
  int port = 25;
  SmtpTls tls = SmtpTls::starttls;
  std::string user;  ///< empty: no AUTH
  std::string password;
  std::chrono::milliseconds timeout{30'000};
  std::string helo_domain = "localhost";  ///< our name in EHLO
};

/// What became of one attempt.
struct SmtpResult {
  enum class Outcome { sent, temporary, permanent };
  Outcome outcome = Outcome::sent;
  int code = 0;       ///< the last SMTP reply code, 0 when none (connection failed)
  std::string error;  ///< for the log and the admin list; no secrets
  bool sent() const { return outcome == Outcome::sent; }
};

/// Thread-safe (one curl handle per call); send() blocks up to the timeout.
class SmtpSender {
 public:
  explicit SmtpSender(SmtpSettings settings);

  /// Submits `message` (complete, CRLF line ends) from `envelope_from` to `recipient`.
  /// Connection failures, timeouts and 4xx replies are temporary, 5xx replies permanent.
  SmtpResult send(const std::string& envelope_from, const std::string& recipient,
                  const std::string& message) const;

 private:
  SmtpSettings settings_;
};

}  // namespace kx::integrations
