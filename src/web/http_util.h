// Small helpers every route uses: JSON bodies in and out, errors, path ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "web/app.h"

namespace dokja::web {

using Json = nlohmann::json;

// Parses the request body as a JSON object. InvalidArgument naming what is
// wrong (not JSON, not an object, too large: > 1 MiB).
Result<Json> ParseJsonBody(const Call& call);

// Typed field access with clear errors: InvalidArgument "field 'x': expected
// a string" / "missing field 'x'".
Result<std::string> StringField(const Json& body, std::string_view key);
Result<int64_t> IntField(const Json& body, std::string_view key);
std::string OptionalString(const Json& body, std::string_view key, std::string fallback = "");

void SendJson(Call& call, int http_status, const Json& body);
// {"error":{"code":code,"message":message}}
void SendError(Call& call, int http_status, std::string_view code, std::string_view message);
// The same on a bare response, for the App's wrapper before a Call exists.
void SendJsonTo(httplib::Response& res, int http_status, const Json& body);
void SendErrorTo(httplib::Response& res, int http_status, std::string_view code,
                 std::string_view message);
// Maps a Status: InvalidArgument/Corrupt 400 "invalid", NotFound 404
// "not_found", Unsupported 501 "unsupported", Unavailable 503 "unavailable",
// anything else 500 "internal" (whose message is logged, not sent).
// REQUIRES: !status.ok().
void SendStatus(Call& call, const Status& status);

// The n-th regex capture of the route pattern as a positive id; sends a 400
// and returns 0 when it is not one.
int64_t PathId(Call& call, int n = 1);

}  // namespace dokja::web
