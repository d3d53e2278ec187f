#pragma once
// The dashboard's files from WEB_ROOT: content types, ETag and If-None-Match (304), gzip for
// text when the client accepts it, immutable caching for versioned vendor files, and the app's
// index.html for client routes. Only the folders the browser needs are reachable (src/,
// styles/, i18n/, vendor/ and the root files index.html and favicon.svg); package files,
// node_modules, tools and tests below the web root are not.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "kx/http/message.hpp"

namespace kx::gateway {

/// The paths of the app's client-side routes (web/src/routes.js holds the same list): the
/// gateway answers them with index.html and status 200; other unknown pages get index.html with
/// 404 so the app shows its not-found page.
const std::vector<std::string>& client_routes();

/// The value of an inline <script type="importmap"> in the page as a CSP source
/// ('sha256-<base64>'), or empty when there is none. CSP hashes cover the exact element text.
std::string import_map_csp_hash(std::string_view html);

/// gzip-compresses `data` with zlib (level 6).
std::string gzip(std::string_view data);

/// Thread-safe: files are read on first use and kept until their size or modification time
/// changes (so a running gateway serves edited files during development). Reading blocks on the
/// file system. serve() throws http::Error (404) for paths outside the served folders, missing
/// files and traversal attempts.
class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  /// The file for a percent-decoded URL path such as "/src/main.js" ("/" is index.html).
  http::Response serve(const http::Request& req);
  /// index.html with `status` (200 for client routes, 404 for unknown pages).
  http::Response index(const http::Request& req, int status = 200);

 private:
  struct Entry {
    std::filesystem::file_time_type mtime;
    std::uintmax_t size = 0;
    std::string body;
    std::string gzipped;  ///< empty when not worth compressing
    std::string etag;
    std::string content_type;
  };
  std::shared_ptr<const Entry> load(const std::filesystem::path& file);
  http::Response respond(const http::Request& req, const Entry& entry, int status,
                         std::string cache_control) const;

  std::filesystem::path root_;
  std::mutex mutex_;
  std::map<std::filesystem::path, std::shared_ptr<const Entry>> cache_;
};

}  // namespace kx::gateway
