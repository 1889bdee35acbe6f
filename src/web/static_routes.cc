// The single-page UI: index.html at "/" and the other embedded files at
// "/static/<name>", with a strict Content-Security-Policy and revalidating
// caches (ETag = SHA-256 of the bytes; If-None-Match answers 304).
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/sha256.h"
#include "web/app.h"
#include "web/http_util.h"
#include "web/internal/static_files.h"
#include "web/routes.h"

namespace dokja::web {
namespace {

// Scripts and styles only from our own origin (no inline code, no CDNs),
// fetch/EventSource only to our own origin, never framed.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

struct Asset {
  std::string_view bytes;  // static storage (the embedded array)
  std::string content_type;
  std::string etag;  // quoted, e.g. "\"3f2a...\""
};

using AssetMap = std::map<std::string, Asset, std::less<>>;

// Content types of the extensions the UI uses; "" for anything else.
std::string ContentTypeFor(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) {
      return std::string(type);
    }
  }
  return "";
}

void SetSecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
}

// True when If-None-Match lists `etag` (or "*"); weak tags compare equal.
bool MatchesEtag(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  return if_none_match.find(etag) != std::string::npos;
}

void ServeAsset(Call& call, const Asset& asset) {
  SetSecurityHeaders(call.res);
  call.res.set_header("ETag", asset.etag);
  call.res.set_header("Cache-Control", "no-cache");  // revalidate: names are not versioned
  if (MatchesEtag(call.req.get_header_value("If-None-Match"), asset.etag)) {
    call.res.status = 304;
    return;
  }
  call.res.status = 200;
  call.res.set_content(std::string(asset.bytes), asset.content_type.c_str());
}

Result<std::shared_ptr<const AssetMap>> LoadAssets() {
  auto assets = std::make_shared<AssetMap>();
  for (const internal::StaticFile& file : internal::EmbeddedStaticFiles()) {
    std::string type = ContentTypeFor(file.name);
    if (type.empty()) {
      return Status::Internal(std::string("static file '") + file.name +
                              "': no content type for its extension");
    }
    std::string_view bytes(reinterpret_cast<const char*>(file.bytes), file.size);
    std::string etag = "\"" + Sha256Hex(bytes).substr(0, 32) + "\"";
    assets->emplace(file.name, Asset{bytes, std::move(type), std::move(etag)});
  }
  if (assets->find("index.html") == assets->end()) {
    return Status::Internal("static files: index.html is not embedded");
  }
  return std::shared_ptr<const AssetMap>(std::move(assets));
}

}  // namespace

Status AddStaticRoutes(App& app) {
  auto loaded = LoadAssets();
  if (!loaded.ok()) return loaded.status();
  std::shared_ptr<const AssetMap> assets = std::move(loaded).value();

  app.AddRoute(Route{"static.index", "GET", "/", kPublic, [assets](Call& call) {
                       ServeAsset(call, assets->find("index.html")->second);
                     }});
  app.AddRoute(Route{"static.file", "GET", R"(/static/([A-Za-z0-9_.-]{1,100}))", kPublic,
                     [assets](Call& call) {
                       std::string name = call.req.matches[1].str();
                       auto it = assets->find(name);
                       if (it == assets->end()) {
                         SetSecurityHeaders(call.res);
                         SendError(call, 404, "not_found", "no static file '" + name + "'");
                         return;
                       }
                       ServeAsset(call, it->second);
                     }});
  return Status::OK();
}

}  // namespace dokja::web
