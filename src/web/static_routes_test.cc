// The embedded UI over a real App on loopback: content types, the security
// headers (CSP without inline code, nosniff, no framing, no referrer),
// ETag revalidation, unknown files, and static checks of the UI's sources
// (no inline scripts, no HTML insertion of data).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <string>

#include "web/internal/static_files.h"
#include "web/web_test_util.h"

namespace dokja::web {
namespace {

using testing::Reply;
using testing::TestClient;
using testing::TestServer;

// Header names compare without case (HTTP).
std::string Header(const Reply& reply, const std::string& name) {
  for (const auto& [key, value] : reply.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return "";
}

std::string Embedded(const std::string& name) {
  for (const internal::StaticFile& f : internal::EmbeddedStaticFiles()) {
    if (name == f.name) return std::string(reinterpret_cast<const char*>(f.bytes), f.size);
  }
  return "";
}

TEST(StaticRoutes, ServesIndexWithStrictSecurityHeaders) {
  auto server = TestServer::Start();
  TestClient client(server->port());
  Reply reply = client.Get("/");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(Header(reply, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(reply.body, Embedded("index.html"));
  std::string csp = Header(reply, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
  EXPECT_EQ(Header(reply, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(reply, "X-Frame-Options"), "DENY");
  EXPECT_EQ(Header(reply, "Referrer-Policy"), "no-referrer");
}

TEST(StaticRoutes, ServesEveryEmbeddedFileWithItsContentType) {
  auto server = TestServer::Start();
  TestClient client(server->port());
  size_t n_files = 0;
  for (const internal::StaticFile& f : internal::EmbeddedStaticFiles()) {
    std::string name = f.name;
    Reply reply = client.Get("/static/" + name);
    ASSERT_EQ(reply.status, 200) << name;
    EXPECT_EQ(reply.body.size(), f.size) << name;
    std::string type = Header(reply, "Content-Type");
    if (name.ends_with(".js")) {
      EXPECT_EQ(type, "text/javascript; charset=utf-8") << name;
    }
    if (name.ends_with(".css")) {
      EXPECT_EQ(type, "text/css; charset=utf-8") << name;
    }
    EXPECT_EQ(Header(reply, "X-Content-Type-Options"), "nosniff") << name;
    ++n_files;
  }
  EXPECT_GE(n_files, 5u);
}

TEST(StaticRoutes, AnswersNotModifiedForAMatchingEtag) {
  auto server = TestServer::Start();
  TestClient client(server->port());
  Reply first = client.Get("/static/app.js");
  ASSERT_EQ(first.status, 200);
  std::string etag = Header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(Header(first, "Cache-Control"), "no-cache");
  Reply again = client.Send("GET", "/static/app.js", "", "", {{"If-None-Match", etag}}, false);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  Reply other = client.Send("GET", "/static/app.js", "", "", {{"If-None-Match", "\"0000\""}}, false);
  EXPECT_EQ(other.status, 200);
  Reply css = client.Get("/static/app.css");
  EXPECT_NE(Header(css, "ETag"), etag);
}

TEST(StaticRoutes, UnknownAndHostileNamesAre404) {
  auto server = TestServer::Start();
  TestClient client(server->port());
  for (const std::string path : {"/static/nope.js", "/static/..%2Fapp.cc", "/static/../CMakeLists.txt",
                                 "/static/", "/static/app.js/x", "/static/%00"}) {
    Reply reply = client.Get(path);
    EXPECT_EQ(reply.status, 404) << path;
  }
  Reply reply = client.Get("/static/nope.js");
  ASSERT_TRUE(reply.json.is_object()) << reply.body;
  EXPECT_EQ(reply.json["error"]["code"], "not_found");
}

// index.html loads only embedded files and has no inline code; the scripts
// never insert HTML (data goes in as text only).
TEST(StaticRoutes, SourcesHaveNoInlineCodeAndNoHtmlInsertion) {
  std::string index = Embedded("index.html");
  ASSERT_FALSE(index.empty());
  std::set<std::string> names;
  for (const internal::StaticFile& f : internal::EmbeddedStaticFiles()) names.insert(f.name);
  std::regex ref(R"re((?:src|href)="/static/([^"]+)")re");
  int n_refs = 0;
  for (auto it = std::sregex_iterator(index.begin(), index.end(), ref); it != std::sregex_iterator();
       ++it, ++n_refs) {
    EXPECT_TRUE(names.count((*it)[1].str())) << "index.html refers to missing " << (*it)[1].str();
  }
  EXPECT_GE(n_refs, 3);
  EXPECT_FALSE(std::regex_search(index, std::regex(R"(<script(?![^>]*\bsrc=)[^>]*>)")));
  EXPECT_FALSE(std::regex_search(index, std::regex(R"(\son[a-z]+=)")));
  EXPECT_EQ(index.find("style="), std::string::npos);
  for (const std::string& name : names) {
    if (!name.ends_with(".js")) continue;
    std::string js = Embedded(name);
    for (const char* banned : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                               "eval(", "new Function", "http://", "https://"}) {
      EXPECT_EQ(js.find(banned), std::string::npos) << name << " uses " << banned;
    }
  }
}

}  // namespace
}  // namespace dokja::web
