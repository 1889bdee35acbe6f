#include "bench/internal/json_text.h"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "base/json_escape.h"
#include "base/utf8.h"

namespace dokja::bench::internal {
namespace {

std::string NlohmannDump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  if (IsPlainJsonAscii(s)) {  // the common case: nothing to escape or check
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  if (!IsValidUtf8(s)) {
    out += NlohmannDump(nlohmann::json(std::string(s)));
    return;
  }
  AppendJsonQuoted(out, s);
}

void AppendJsonDouble(std::string& out, double v) {
  // Exact comparisons: only these two values take the shortcut (-0.0 does not).
  if (v == 0.0 && !std::signbit(v)) {
    out += "0.0";
  } else if (v == 1.0) {
    out += "1.0";
  } else {
    out += NlohmannDump(nlohmann::json(v));
  }
}

void AppendJsonInt(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

void AppendJsonUint(std::string& out, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

void AppendJsonStrings(std::string& out, const std::vector<std::string>& strings) {
  out.push_back('[');
  for (size_t i = 0; i < strings.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(out, strings[i]);
  }
  out.push_back(']');
}

void AppendJsonMessages(std::string& out, const std::vector<Message>& messages) {
  out.push_back('[');
  for (size_t i = 0; i < messages.size(); ++i) {
    out += i ? ",{\"content\":" : "{\"content\":";
    AppendJsonString(out, messages[i].content);
    out += ",\"role\":";
    AppendJsonString(out, messages[i].role);
    out.push_back('}');
  }
  out.push_back(']');
}

}  // namespace dokja::bench::internal
