#include "static_files.hpp"

#include <zlib.h>

#include <fstream>
#include <sstream>

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"

namespace kx::gateway {
namespace {

namespace fs = std::filesystem;

// Versioned folders (vendor/<package>@<version>/) never change their content, so browsers may
// keep them for a year; everything else is revalidated with its ETag on every use.
constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kRevalidate = "no-cache";

struct Type {
  const char* extension;
  const char* content_type;
  bool text;
};

constexpr Type kTypes[] = {
    {".html", "text/html; charset=utf-8", true},
    {".js", "text/javascript; charset=utf-8", true},
    {".mjs", "text/javascript; charset=utf-8", true},
    {".css", "text/css; charset=utf-8", true},
    {".json", "application/json; charset=utf-8", true},
    {".svg", "image/svg+xml", true},
    {".txt", "text/plain; charset=utf-8", true},
    {".png", "image/png", false},
    {".ico", "image/x-icon", false},
    {".woff2", "font/woff2", false},
};

const Type* type_of(const fs::path& p) {
  auto ext = p.extension().string();
  for (const auto& t : kTypes) {
    if (ext == t.extension)
      return &t;
  }
  return nullptr;
}

bool is_served(std::string_view rel) {
  for (std::string_view folder : {"src/", "styles/", "i18n/", "vendor/"}) {
    if (rel.substr(0, folder.size()) == folder)
      return true;
  }
  return rel == "index.html" || rel == "favicon.svg";
}

// A path is refused before touching the file system if any segment is empty, "." or ".." or
// hidden, or if it holds a backslash or a control character (a decoded %00, %5c, %2f...).
bool is_clean(std::string_view rel) {
  if (rel.empty())
    return false;
  std::size_t start = 0;
  while (start <= rel.size()) {
    auto end = rel.find('/', start);
    if (end == std::string_view::npos)
      end = rel.size();
    auto seg = rel.substr(start, end - start);
    if (seg.empty() || seg.front() == '.')
      return false;
    start = end + 1;
  }
  for (unsigned char c : rel) {
    if (c < 0x20 || c == 0x7f || c == '\\' || c == ':')
      return false;
  }
  return true;
}

// The items of a comma-separated header value, trimmed.
std::vector<std::string_view> list_items(std::string_view list) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  while (start < list.size()) {
    auto end = std::min(list.find(',', start), list.size());
    items.push_back(http::trim_ows(list.substr(start, end - start)));
    start = end + 1;
  }
  return items;
}

bool accepts_gzip(const http::Request& req) {
  auto header = req.header("Accept-Encoding");
  for (auto item : list_items(header.value_or(""))) {
    auto semi = item.find(';');
    auto coding = http::trim_ows(item.substr(0, semi));
    if (!http::iequals(coding, "gzip") && coding != "*")
      continue;
    if (semi == std::string_view::npos)
      return true;
    auto q = http::trim_ows(item.substr(semi + 1));
    // "q=0", "q=0.0", "q=0.000" refuse the coding.
    return !(q.substr(0, 3) == "q=0" && q.find_first_not_of("0.", 2) == std::string_view::npos);
  }
  return false;
}

bool etag_matches(const http::Request& req, const std::string& etag) {
  auto header = req.header("If-None-Match");
  for (auto tag : list_items(header.value_or(""))) {
    if (tag.substr(0, 2) == "W/")  // weak comparison, RFC 9110 13.1.2
      tag.remove_prefix(2);
    if (tag == etag || tag == "*")
      return true;
  }
  return false;
}

}  // namespace

const std::vector<std::string>& client_routes() {
  static const std::vector<std::string> routes = {
      "/login",          "/signup",       "/overview",    "/agents",     "/agents/*",
      "/calls",          "/calls/*",      "/escalations", "/credits",    "/credits/*",
      "/bookings",       "/integrations", "/settings",    "/settings/*", "/admin",
      "/admin/*",        "/impressum",    "/datenschutz", "/error",      "/forgot-password",
      "/reset-password", "/verify-email",
  };
  return routes;
}

std::string import_map_csp_hash(std::string_view html) {
  constexpr std::string_view open = "<script type=\"importmap\">";
  auto start = html.find(open);
  if (start == std::string_view::npos)
    return {};
  start += open.size();
  auto end = html.find("</script>", start);
  if (end == std::string_view::npos)
    return {};
  return "'sha256-" + crypto::base64_encode(crypto::sha256(html.substr(start, end - start))) + "'";
}

std::string gzip(std::string_view data) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper instead of zlib's.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END)
    throw std::runtime_error("deflate failed");
  return out;
}

StaticFiles::StaticFiles(fs::path root) : root_(fs::weakly_canonical(std::move(root))) {}

std::shared_ptr<const StaticFiles::Entry> StaticFiles::load(const fs::path& file) {
  std::error_code ec;
  auto mtime = fs::last_write_time(file, ec);
  auto size = ec ? 0 : fs::file_size(file, ec);
  if (ec)
    return nullptr;
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(file);
    if (it != cache_.end() && it->second->mtime == mtime && it->second->size == size)
      return it->second;
  }
  const Type* type = type_of(file);
  if (!type)
    return nullptr;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return nullptr;
  std::stringstream buf;
  buf << in.rdbuf();
  auto entry = std::make_shared<Entry>();
  entry->mtime = mtime;
  entry->size = size;
  entry->body = buf.str();
  entry->content_type = type->content_type;
  entry->etag = "\"" + crypto::sha256_hex(entry->body).substr(0, 32) + "\"";
  if (type->text && entry->body.size() >= 256) {
    auto packed = gzip(entry->body);
    if (packed.size() < entry->body.size())
      entry->gzipped = std::move(packed);
  }
  std::lock_guard lock(mutex_);
  cache_[file] = entry;
  return entry;
}

http::Response StaticFiles::respond(const http::Request& req, const Entry& entry, int status,
                                    std::string cache_control) const {
  http::Response res;
  res.headers.set("Cache-Control", std::move(cache_control));
  res.headers.set("ETag", entry.etag);
  res.headers.set("Vary", "Accept-Encoding");
  if (status == 200 && etag_matches(req, entry.etag)) {
    res.status = 304;
    return res;
  }
  res.status = status;
  res.headers.set("Content-Type", entry.content_type);
  if (!entry.gzipped.empty() && accepts_gzip(req)) {
    res.headers.set("Content-Encoding", "gzip");
    res.body = entry.gzipped;
  } else {
    res.body = entry.body;
  }
  return res;
}

http::Response StaticFiles::serve(const http::Request& req) {
  std::string rel = req.path == "/" ? "index.html" : req.path.substr(1);
  if (!is_clean(rel) || !is_served(rel))
    throw http::Error::not_found("Diese Adresse gibt es nicht.");
  fs::path file = fs::weakly_canonical(root_ / rel);
  // Symlinks out of the web root end here too.
  auto [root_end, file_it] = std::mismatch(root_.begin(), root_.end(), file.begin(), file.end());
  if (root_end != root_.end() || !fs::is_regular_file(file))
    throw http::Error::not_found("Diese Adresse gibt es nicht.");
  auto entry = load(file);
  if (!entry)
    throw http::Error::not_found("Diese Adresse gibt es nicht.");
  bool versioned = rel.rfind("vendor/", 0) == 0 && rel.find('@') != std::string::npos;
  return respond(req, *entry, 200, versioned ? kImmutable : kRevalidate);
}

http::Response StaticFiles::index(const http::Request& req, int status) {
  auto entry = load(root_ / "index.html");
  if (!entry)
    throw http::Error::not_found("Diese Adresse gibt es nicht.");
  return respond(req, *entry, status, kRevalidate);
}

}  // namespace kx::gateway
