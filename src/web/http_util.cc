#include "web/http_util.h"

#include <cstdio>

namespace dokja::web {
namespace {

constexpr size_t kMaxJsonBody = 1 << 20;

}  // namespace

Result<Json> ParseJsonBody(const Call& call) {
  const std::string& body = call.req.body;
  if (body.size() > kMaxJsonBody) {
    return Status::InvalidArgument("request body: " + std::to_string(body.size()) +
                                   " bytes exceeds the 1 MiB limit for JSON");
  }
  if (body.empty()) return Status::InvalidArgument("request body: expected a JSON object, got nothing");
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::InvalidArgument("request body: not valid JSON");
  if (!parsed.is_object()) return Status::InvalidArgument("request body: expected a JSON object");
  return parsed;
}

Result<std::string> StringField(const Json& body, std::string_view key) {
  auto it = body.find(key);
  if (it == body.end()) return Status::InvalidArgument("missing field '" + std::string(key) + "'");
  if (!it->is_string()) {
    return Status::InvalidArgument("field '" + std::string(key) + "': expected a string");
  }
  return it->get<std::string>();
}

Result<int64_t> IntField(const Json& body, std::string_view key) {
  auto it = body.find(key);
  if (it == body.end()) return Status::InvalidArgument("missing field '" + std::string(key) + "'");
  if (!it->is_number_integer()) {
    return Status::InvalidArgument("field '" + std::string(key) + "': expected an integer");
  }
  return it->get<int64_t>();
}

std::string OptionalString(const Json& body, std::string_view key, std::string fallback) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

void SendJsonTo(httplib::Response& res, int http_status, const Json& body) {
  res.status = http_status;
  res.set_header("Cache-Control", "no-store");
  // Invalid UTF-8 from a client is replaced rather than thrown on.
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

void SendErrorTo(httplib::Response& res, int http_status, std::string_view code,
                 std::string_view message) {
  Json body = {{"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  SendJsonTo(res, http_status, body);
}

void SendJson(Call& call, int http_status, const Json& body) {
  SendJsonTo(call.res, http_status, body);
}

void SendError(Call& call, int http_status, std::string_view code, std::string_view message) {
  SendErrorTo(call.res, http_status, code, message);
}

void SendStatus(Call& call, const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kCorrupt:
      return SendError(call, 400, "invalid", status.message());
    case StatusCode::kNotFound:
      return SendError(call, 404, "not_found", status.message());
    case StatusCode::kUnsupported:
      return SendError(call, 501, "unsupported", status.message());
    case StatusCode::kUnavailable:
      return SendError(call, 503, "unavailable", status.message());
    default:
      std::fprintf(stderr, "{\"level\":\"error\",\"msg\":%s}\n",
                   Json(status.ToString()).dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
      return SendError(call, 500, "internal", "internal error");
  }
}

int64_t PathId(Call& call, int n) {
  if (n < 1 || static_cast<size_t>(n) >= call.req.matches.size()) {
    SendError(call, 400, "invalid", "path: missing id");
    return 0;
  }
  const std::string text = call.req.matches[n].str();
  int64_t id = 0;
  bool ok = !text.empty() && text.size() <= 18;
  for (char c : text) {
    if (c < '0' || c > '9') ok = false;
    if (ok) id = id * 10 + (c - '0');
  }
  if (!ok || id <= 0) {
    SendError(call, 400, "invalid", "path: '" + text + "' is not a positive id");
    return 0;
  }
  return id;
}

}  // namespace dokja::web
