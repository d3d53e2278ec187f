#pragma once
// Test support for the mail area: Python's email package reads our messages back (as every
// mail client's parser would), and a local aiosmtpd server receives them, with recipients
// that provoke permanent (reject…@) and temporary (busy…@) refusals.

#include <gtest/gtest.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kx/json/json.hpp"

extern char** environ;

namespace kx::integrations::testing {

// Debian's python3-aiosmtpd lives in the system Python; a python3 earlier in PATH (pyenv) may
// not have it.
inline constexpr const char* kPython = "/usr/bin/python3";

inline constexpr const char* kParseScript = R"PY(
import email, email.policy, json, sys
raw = open(sys.argv[1], 'rb').read()
m = email.message_from_bytes(raw, policy=email.policy.default)
def part(t):
    p = m.get_body(preferencelist=(t,))
    return p.get_content().replace('\r\n', '\n') if p is not None else None
print(json.dumps({
    'subject': str(m['Subject']), 'from': str(m['From']), 'to': str(m['To']),
    'message_id': str(m['Message-ID']), 'date': str(m['Date']),
    'content_type': m.get_content_type(),
    'parts': [p.get_content_type() for p in m.iter_parts()] if m.is_multipart() else [],
    'list_unsubscribe': m['List-Unsubscribe'] and str(m['List-Unsubscribe']),
    'list_unsubscribe_post': m['List-Unsubscribe-Post'] and str(m['List-Unsubscribe-Post']),
    'defects': len(m.defects) + sum(len(p.defects) for p in m.walk()),
    'text': part('plain'), 'html': part('html')}))
)PY";

inline constexpr const char* kServerScript = R"PY(
import asyncio, os, sys, uuid
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
outdir, port = sys.argv[1], int(sys.argv[2])
credentials = sys.argv[3].encode().split(b':', 1) if len(sys.argv) > 3 else None
def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and [auth_data.login, auth_data.password] == credentials
    return AuthResult(success=ok)
def smtp():
    if credentials is None:
        return SMTP(Handler())
    return SMTP(Handler(), authenticator=authenticator, auth_required=True,
                auth_require_tls=False)
class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith('reject'):
            return '550 5.1.1 Mailbox unavailable'
        if address.startswith('busy'):
            return '451 4.3.0 Try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(outdir, uuid.uuid4().hex)
        with open(name + '.tmp', 'wb') as f:
            f.write(envelope.original_content)
        os.rename(name + '.tmp', name + '.eml')
        return '250 OK queued'
async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(smtp, '127.0.0.1', port)
    print(srv.sockets[0].getsockname()[1], flush=True)
    await srv.serve_forever()
asyncio.run(main())
)PY";

/// A scratch directory removed at the end.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/kx-mail-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name, const std::string& content) const {
    auto p = path + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::string path;
};

/// Runs a command and returns its standard output.
inline std::string run(const std::string& command) {
  std::string out;
  FILE* f = ::popen(command.c_str(), "r");
  if (!f)
    return out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, f))
    out.append(buf, n);
  ::pclose(f);
  return out;
}

/// The message as Python's email package reads it.
inline json::Document parse_message(const TempDir& dir, const std::string& raw) {
  static int n = 0;
  auto script = dir.file("parse.py", kParseScript);
  auto file = dir.file("msg" + std::to_string(++n) + ".eml", raw);
  auto out = run(std::string(kPython) + " " + script + " " + file);
  return json::parse(out);
}

/// aiosmtpd on loopback, storing each message in a directory; can be stopped and started again
/// on the same port.
class SmtpServer {
 public:
  /// `credentials` "user:password": AUTH required (over plain SMTP, loopback only).
  explicit SmtpServer(std::string credentials = {})
      : mail_dir_(dir_.path + "/mail"), credentials_(std::move(credentials)) {
    std::filesystem::create_directories(mail_dir_);
    script_ = dir_.file("server.py", kServerScript);
    start();
  }
  ~SmtpServer() { stop(); }

  void start() {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::string port = std::to_string(port_);
    std::vector<char*> argv = {const_cast<char*>(kPython), script_.data(), mail_dir_.data(),
                               port.data(), nullptr};
    if (!credentials_.empty())
      argv.insert(argv.end() - 1, credentials_.data());
    ASSERT_EQ(::posix_spawn(&pid_, kPython, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    // The server prints its port once it listens.
    std::string line;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n')
      line += c;
    ::close(fds[0]);
    ASSERT_FALSE(line.empty()) << "aiosmtpd did not start";
    port_ = std::stoi(line);
  }
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  int port() const { return port_; }
  /// The raw messages received so far.
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(mail_dir_))
      if (e.path().extension() == ".eml") {
        std::ifstream in(e.path(), std::ios::binary);
        out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
    return out;
  }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::string mail_dir_;
  std::string credentials_;
  std::string script_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace kx::integrations::testing
