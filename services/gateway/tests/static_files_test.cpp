#include "static_files.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "gateway.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"

namespace kx::gateway {
namespace {

namespace fs = std::filesystem;

std::string gunzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("kx-web-" + crypto::hex_encode(crypto::random_bytes(6)));
    write("index.html", R"(<!doctype html><script type="importmap">{"imports":{}}</script>)");
    std::string script;
    for (int i = 0; i < 200; ++i)
      script += "export const line" + std::to_string(i) + " = 'Grüße';\n";
    write("src/main.js", script);
    write("styles/app.css", "body{color:red}");
    write("i18n/de.json", R"({"a":"Ä"})");
    write("vendor/preact@10.29.8/preact.mjs", script);
    write("favicon.svg", "<svg/>");
    write("package.json", "{}");
    write("node_modules/preact/package.json", "{}");
    write("tools/vendor.mjs", "secret");
    write("src/.hidden.js", "x");
    write("src/unknown.exe", "x");
    fs::create_directories(root_.parent_path() / "outside");
    std::ofstream(root_.parent_path() / "outside" / "secret.js") << "secret";
    fs::create_directory_symlink(root_.parent_path() / "outside", root_ / "src" / "link");
  }
  void TearDown() override {
    fs::remove_all(root_);
    fs::remove_all(root_.parent_path() / "outside");
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << text;
  }
  static http::Request get(std::string path) {
    http::Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.target = r.path;
    return r;
  }

  fs::path root_;
};

TEST_F(StaticFilesTest, ContentTypesFollowTheExtension) {
  StaticFiles files(root_);
  EXPECT_EQ(files.serve(get("/")).headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(files.serve(get("/src/main.js")).headers.get("Content-Type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(files.serve(get("/vendor/preact@10.29.8/preact.mjs")).headers.get("Content-Type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(files.serve(get("/styles/app.css")).headers.get("Content-Type"),
            "text/css; charset=utf-8");
  EXPECT_EQ(files.serve(get("/i18n/de.json")).headers.get("Content-Type"),
            "application/json; charset=utf-8");
  EXPECT_EQ(files.serve(get("/favicon.svg")).headers.get("Content-Type"), "image/svg+xml");
  EXPECT_EQ(files.serve(get("/i18n/de.json")).body, R"({"a":"Ä"})");
}

TEST_F(StaticFilesTest, EtagAnswers304AndChangesWithTheContent) {
  StaticFiles files(root_);
  auto first = files.serve(get("/styles/app.css"));
  ASSERT_EQ(first.status, 200);
  std::string etag(*first.headers.get("ETag"));
  ASSERT_EQ(etag.front(), '"');

  auto again = get("/styles/app.css");
  again.headers.set("If-None-Match", "\"other\", " + etag);
  auto cached = files.serve(again);
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
  EXPECT_EQ(cached.headers.get("ETag"), etag);

  again.headers.set("If-None-Match", "W/" + etag);
  EXPECT_EQ(files.serve(again).status, 304);
  again.headers.set("If-None-Match", "\"other\"");
  EXPECT_EQ(files.serve(again).status, 200);

  write("styles/app.css", "body{color:blue;margin:0}");
  again.headers.set("If-None-Match", etag);
  auto changed = files.serve(again);
  EXPECT_EQ(changed.status, 200);
  EXPECT_EQ(changed.body, "body{color:blue;margin:0}");
  EXPECT_NE(changed.headers.get("ETag"), etag);
}

TEST_F(StaticFilesTest, TextIsGzippedOnlyWhenAccepted) {
  StaticFiles files(root_);
  auto plain = files.serve(get("/src/main.js"));
  EXPECT_FALSE(plain.headers.has("Content-Encoding"));
  EXPECT_EQ(plain.headers.get("Vary"), "Accept-Encoding");

  auto req = get("/src/main.js");
  req.headers.set("Accept-Encoding", "br, gzip;q=0.8, deflate");
  auto packed = files.serve(req);
  EXPECT_EQ(packed.headers.get("Content-Encoding"), "gzip");
  EXPECT_LT(packed.body.size(), plain.body.size() / 4);
  EXPECT_EQ(gunzip(packed.body), plain.body);

  req.headers.set("Accept-Encoding", "gzip;q=0, br");
  EXPECT_FALSE(files.serve(req).headers.has("Content-Encoding"));
  req.headers.set("Accept-Encoding", "identity");
  EXPECT_FALSE(files.serve(req).headers.has("Content-Encoding"));
  // Tiny files are not worth the header.
  req = get("/styles/app.css");
  req.headers.set("Accept-Encoding", "gzip");
  EXPECT_FALSE(files.serve(req).headers.has("Content-Encoding"));
}

TEST_F(StaticFilesTest, VersionedVendorFilesAreCachedForAYearOthersRevalidate) {
  StaticFiles files(root_);
  EXPECT_EQ(files.serve(get("/vendor/preact@10.29.8/preact.mjs")).headers.get("Cache-Control"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(files.serve(get("/src/main.js")).headers.get("Cache-Control"), "no-cache");
  EXPECT_EQ(files.serve(get("/")).headers.get("Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, IndexIsTheFallbackWithTheGivenStatus) {
  StaticFiles files(root_);
  auto page = files.index(get("/calls"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.body, files.serve(get("/")).body);
  auto missing = get("/nirgendwo");
  missing.headers.set("If-None-Match", std::string(*page.headers.get("ETag")));
  EXPECT_EQ(files.index(missing, 404).status, 404);  // never a 304 for an error page

  const auto& routes = client_routes();
  for (const char* route :
       {"/login", "/forgot-password", "/reset-password", "/verify-email", "/agents", "/agents/*",
        "/calls", "/credits", "/settings/*", "/admin", "/admin/*", "/impressum"})
    EXPECT_NE(std::find(routes.begin(), routes.end(), route), routes.end()) << route;
  for (const auto& route : routes) {
    EXPECT_NE(route.rfind("/api", 0), 0u) << route;
    EXPECT_NE(route.rfind("/webhooks", 0), 0u) << route;
  }
}

TEST_F(StaticFilesTest, TraversalAndUnservedFilesAreRefused) {
  StaticFiles files(root_);
  // Request paths arrive percent-decoded: "/..%2f" is "/../".
  for (const char* path : {"/../",
                           "/..%2f",
                           "/../outside/secret.js",
                           "/src/../../outside/secret.js",
                           "/src/..%2f..%2foutside/secret.js",
                           "/src/%2e%2e/package.json",
                           "/src//main.js",
                           "/src/./main.js",
                           "/src/.hidden.js",
                           "/src/link/secret.js",
                           "/src/main.js\\..",
                           "/src/main.js%00",
                           "/package.json",
                           "/node_modules/preact/package.json",
                           "/tools/vendor.mjs",
                           "/src/unknown.exe",
                           "/src/missing.js",
                           "/src",
                           "/src/",
                           "/C:/windows"}) {
    EXPECT_THROW(files.serve(get(path)), http::Error) << path;
  }
  // A NUL inside the path (it cannot travel in a C string, so it is checked on its own).
  for (const auto& path :
       {std::string("/src/main.js\0", 13), std::string("/src/main.js\0.css", 17)})
    EXPECT_THROW(files.serve(get(path)), http::Error) << "NUL at " << path.find('\0');
}

TEST(ImportMap, HashCoversTheExactScriptText) {
  std::string map = R"({"imports":{"preact":"/vendor/preact@10.29.8/preact.mjs"}})";
  auto hash = import_map_csp_hash("<head><script type=\"importmap\">" + map + "</script>");
  EXPECT_EQ(hash, "'sha256-" + crypto::base64_encode(crypto::sha256(map)) + "'");
  EXPECT_EQ(import_map_csp_hash("<head></head>"), "");
}

TEST(PageNavigation, OnlyBrowserPageLoadsOutsideTheApi) {
  auto req = [](std::string method, std::string path, std::string accept) {
    http::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.headers.set("Accept", std::move(accept));
    return r;
  };
  const std::string html = "text/html,application/xhtml+xml,*/*;q=0.8";
  EXPECT_TRUE(is_page_navigation(req("GET", "/nirgendwo", html)));
  EXPECT_FALSE(is_page_navigation(req("GET", "/api/nirgendwo", html)));
  EXPECT_FALSE(is_page_navigation(req("GET", "/webhooks/x", html)));
  EXPECT_FALSE(is_page_navigation(req("POST", "/nirgendwo", html)));
  EXPECT_FALSE(is_page_navigation(req("GET", "/nirgendwo", "application/json")));
}

}  // namespace
}  // namespace kx::gateway
