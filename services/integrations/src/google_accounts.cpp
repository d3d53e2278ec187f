#include "google_accounts.hpp"

#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::integrations {
namespace {

// A token is bound to its owner and its purpose: a sealed value copied into another row or
// column does not open.
std::string aad(const std::string& user_id, std::string_view what) {
  return "google:" + std::string(what) + ":" + user_id;
}

std::string event_data(const std::string& user_id, const std::string& email,
                       const std::string& reason = {}) {
  json::Writer w;
  w.begin_object().field("user_id", user_id).field("google_email", email);
  if (!reason.empty())
    w.field("reason", reason);
  w.end_object();
  return w.str();
}

constexpr std::chrono::seconds kRefreshMargin{60};

}  // namespace

std::chrono::milliseconds Deadline::left(std::chrono::milliseconds cap) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      end_ - std::chrono::steady_clock::now());
  if (left < std::chrono::milliseconds(150))
    throw GoogleError(GoogleError::Kind::transient, 0, "the tool call's time is used up");
  return std::min(left, cap);
}

crypto::Keyring keyring_from_config(const std::string& text) {
  crypto::Keyring ring;
  std::size_t count = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty())
      continue;
    auto colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0)
      throw std::invalid_argument("TOKEN_ENCRYPTION_KEYS: entry " + std::to_string(count + 1) +
                                  " is not <key id>:<base64 key>");
    auto key = crypto::base64_decode(item.substr(colon + 1));
    if (!key || key->size() != 32)
      throw std::invalid_argument("TOKEN_ENCRYPTION_KEYS: key '" +
                                  std::string(item.substr(0, colon)) +
                                  "' is not the base64 of 32 bytes");
    ring.add(std::string(item.substr(0, colon)), *key);
    ++count;
  }
  if (count == 0)
    throw std::invalid_argument("TOKEN_ENCRYPTION_KEYS: no key configured");
  return ring;
}

GoogleAccounts::GoogleAccounts(pg::Pool& db, GoogleClient& google, const crypto::Keyring& keys,
                               const events::Outbox& outbox)
    : db_(db), google_(google), keys_(keys), outbox_(outbox) {}

std::optional<Connection> GoogleAccounts::find(pqxx::work& tx, const std::string& user_id) const {
  auto r = tx.exec_params(
      "SELECT status, google_email, scopes, calendar_id, "
      "to_char(connected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
      "FROM google_connections WHERE user_id = $1",
      user_id);
  if (r.empty())
    return std::nullopt;
  return Connection{user_id,
                    r[0][0].as<std::string>(),
                    r[0][1].as<std::string>(),
                    r[0][2].as<std::string>(),
                    r[0][3].as<std::string>(),
                    r[0][4].as<std::string>()};
}

std::optional<Connection> GoogleAccounts::find(const std::string& user_id) const {
  return pg::transact(db_, [&](pqxx::work& tx) { return find(tx, user_id); });
}

void GoogleAccounts::connect(const std::string& user_id, const TokenGrant& grant,
                             const std::string& email) {
  auto access = keys_.seal(grant.access_token, aad(user_id, "access"));
  pg::transact(db_, [&](pqxx::work& tx) {
    auto old = tx.exec_params(
        "SELECT refresh_token FROM google_connections WHERE user_id = $1 FOR UPDATE", user_id);
    // Google sends a refresh token with every consent (prompt=consent); should it not, the
    // stored one of the same grant stays.
    std::optional<std::string> refresh;
    if (grant.refresh_token)
      refresh = keys_.seal(*grant.refresh_token, aad(user_id, "refresh"));
    else if (!old.empty() && !old[0][0].is_null())
      refresh = old[0][0].as<std::string>();
    if (!refresh)
      throw GoogleError(GoogleError::Kind::rejected, 200,
                        "Google granted no refresh token (offline access)");
    tx.exec_params(
        "INSERT INTO google_connections (user_id, status, google_email, scopes, refresh_token, "
        "access_token, access_expires_at, connected_at) "
        "VALUES ($1, 'connected', $2, $3, $4, $5, now() + make_interval(secs => $6), now()) "
        "ON CONFLICT (user_id) DO UPDATE SET status = 'connected', google_email = $2, "
        "scopes = $3, refresh_token = $4, access_token = $5, "
        "access_expires_at = now() + make_interval(secs => $6), connected_at = now(), "
        "updated_at = now()",
        user_id, email, grant.scope, *refresh, access,
        static_cast<double>(grant.expires_in.count()));
    outbox_.add(tx, "integration.google.connected", user_id, user_id, event_data(user_id, email));
  });
  log::info("google connected", {{"user_id", user_id}});
}

bool GoogleAccounts::disconnect(const std::string& user_id, const std::string& reason,
                                std::chrono::milliseconds timeout) {
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto r = tx.exec_params(
        "DELETE FROM google_connections WHERE user_id = $1 "
        "RETURNING google_email, refresh_token, access_token",
        user_id);
    if (r.empty())
      return false;
    auto email = r[0][0].as<std::string>();
    // Revoking the refresh token ends the whole grant; without one, the access token.
    std::optional<std::string> token;
    try {
      if (!r[0][1].is_null())
        token = keys_.open(r[0][1].as<std::string>(), aad(user_id, "refresh"));
      else if (!r[0][2].is_null())
        token = keys_.open(r[0][2].as<std::string>(), aad(user_id, "access"));
    } catch (const crypto::DecryptError& e) {
      log::warn("google token unreadable on disconnect", {{"user_id", user_id}});
    }
    if (token) {
      try {
        google_.revoke(*token, timeout);
      } catch (const GoogleError& e) {
        // The tokens are gone here either way; Google drops unused grants after six months.
        log::warn("google revoke failed", {{"user_id", user_id}, {"error", e.what()}});
      }
    }
    outbox_.add(tx, "integration.google.disconnected", user_id, user_id,
                event_data(user_id, email, reason));
    log::info("google disconnected", {{"user_id", user_id}, {"reason", reason}});
    return true;
  });
}

std::optional<std::string> GoogleAccounts::access_token(const std::string& user_id,
                                                        const Deadline& deadline) {
  // The common case without a lock: a stored token that lives on.
  auto fresh = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<std::string> {
    auto r = tx.exec_params(
        "SELECT access_token FROM google_connections WHERE user_id = $1 "
        "AND status = 'connected' AND access_token IS NOT NULL "
        "AND access_expires_at > now() + make_interval(secs => $2)",
        user_id, static_cast<double>(kRefreshMargin.count()));
    if (r.empty())
      return std::nullopt;
    return r[0][0].as<std::string>();
  });
  if (fresh)
    if (auto opened = open_access_token(user_id, *fresh))
      return opened;
  return token(user_id, deadline, nullptr);
}

std::optional<std::string> GoogleAccounts::open_access_token(const std::string& user_id,
                                                             const std::string& sealed) const {
  try {
    return keys_.open(sealed, aad(user_id, "access"));
  } catch (const crypto::DecryptError&) {
    return std::nullopt;  // a key removed too early: a refresh replaces the token
  }
}

std::optional<std::string> GoogleAccounts::refresh_after_401(const std::string& user_id,
                                                             const std::string& stale,
                                                             const Deadline& deadline) {
  return token(user_id, deadline, &stale);
}

std::optional<std::string> GoogleAccounts::token(const std::string& user_id,
                                                 const Deadline& deadline,
                                                 const std::string* stale) {
  return pg::transact(db_, [&](pqxx::work& tx) -> std::optional<std::string> {
    // Whoever holds the row refreshes; the others wait here and find the new token.
    auto r = tx.exec_params(
        "SELECT status, refresh_token, access_token, "
        "access_expires_at > now() + make_interval(secs => $2), google_email "
        "FROM google_connections WHERE user_id = $1 FOR UPDATE",
        user_id, static_cast<double>(kRefreshMargin.count()));
    if (r.empty() || r[0][0].as<std::string>() != "connected" || r[0][1].is_null())
      return std::nullopt;
    if (!r[0][2].is_null() && !r[0][3].is_null() && r[0][3].as<bool>()) {
      try {
        auto current = keys_.open(r[0][2].as<std::string>(), aad(user_id, "access"));
        if (stale == nullptr || current != *stale)
          return current;
      } catch (const crypto::DecryptError&) {
      }
    }
    std::string refresh_token;
    try {
      refresh_token = keys_.open(r[0][1].as<std::string>(), aad(user_id, "refresh"));
    } catch (const crypto::DecryptError& e) {
      log::error("google refresh token unreadable (was its key removed?)", {{"user_id", user_id}});
      throw GoogleError(GoogleError::Kind::rejected, 0, "refresh token unreadable");
    }
    TokenGrant grant;
    try {
      grant = google_.refresh(refresh_token, deadline.left(std::chrono::milliseconds(2'000)));
    } catch (const GoogleError& e) {
      if (e.kind() != GoogleError::Kind::grant_revoked)
        throw;
      // The owner withdrew access at Google, or the grant expired: ask them to reconnect and
      // stop offering calendar tools.
      tx.exec_params(
          "UPDATE google_connections SET status = 'reconnect_required', refresh_token = NULL, "
          "access_token = NULL, access_expires_at = NULL, updated_at = now() "
          "WHERE user_id = $1",
          user_id);
      outbox_.add(tx, "integration.google.disconnected", user_id, user_id,
                  event_data(user_id, r[0][4].as<std::string>(), "access_revoked"));
      log::warn("google grant revoked; reconnect required", {{"user_id", user_id}});
      return std::nullopt;
    }
    // Sealed again with the primary key, so a rotated-out key stops being needed.
    auto sealed_refresh =
        keys_.seal(grant.refresh_token.value_or(refresh_token), aad(user_id, "refresh"));
    tx.exec_params(
        "UPDATE google_connections SET access_token = $2, refresh_token = $3, "
        "access_expires_at = now() + make_interval(secs => $4), updated_at = now() "
        "WHERE user_id = $1",
        user_id, keys_.seal(grant.access_token, aad(user_id, "access")), sealed_refresh,
        static_cast<double>(grant.expires_in.count()));
    return grant.access_token;
  });
}

void GoogleAccounts::forget(pqxx::work& tx, const std::string& user_id) {
  auto r = tx.exec_params(
      "DELETE FROM google_connections WHERE user_id = $1 RETURNING refresh_token", user_id);
  if (r.empty() || r[0][0].is_null())
    return;
  try {
    google_.revoke(keys_.open(r[0][0].as<std::string>(), aad(user_id, "refresh")),
                   std::chrono::milliseconds(2'000));
  } catch (const std::exception& e) {
    log::warn("google revoke failed for a deleted account", {{"user_id", user_id}});
  }
}

}  // namespace kx::integrations
