// JSON in and out of Value.
//
// ToJson writes what Python's json.dumps(value, ensure_ascii=False) writes,
// which is what Hugging Face's `tojson` filter produces: ", " and ": "
// separators (",", ": " with an indent), non-ASCII text as is, floats in
// Python repr form, NaN and Infinity spelled as Python spells them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "text/chat/internal/value.h"

namespace dokja::text::jinja {

struct JsonFormat {
  // Spaces per nesting level; nullopt writes everything on one line.
  std::optional<int> indent;
  std::string item_separator;  // empty: ", " without indent, "," with one
  std::string key_separator = ": ";
  bool sort_keys = false;
};

// InvalidArgument for values JSON cannot hold (Undefined, macros).
Result<std::string> ToJson(const Value& value, const JsonFormat& format = {});

// Objects become insertion-ordered dicts. InvalidArgument with the parser's
// message for malformed text or nesting deeper than 64 levels. `what` names
// the input in messages, e.g. "tools_json".
Result<Value> FromJson(std::string_view text, std::string_view what);

}  // namespace dokja::text::jinja
