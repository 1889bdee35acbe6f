// Writing a JSON string literal. One escaper for the hand-written JSON of the
// benchmark runner (which must match what nlohmann::json writes) and the
// chat templates' `tojson` (which must match Python's json.dumps with
// ensure_ascii=False): for well-formed UTF-8 the two agree byte for byte.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace dokja {

// Appends `s` in double quotes: '"' and '\\' escaped, \b \f \n \r \t in
// their short forms, other bytes below 0x20 as \u00xx (lower-case hex),
// every other byte as it is. Callers decide what to do with invalid UTF-8
// (base/utf8.h) before calling.
void AppendJsonQuoted(std::string& out, std::string_view s);

// True when every byte of `s` is printable ASCII other than '"' and '\\':
// such a string is its own JSON body (and valid UTF-8). Eight bytes at a
// time; the common case for prompts, keys and short answers.
bool IsPlainJsonAscii(std::string_view s);

}  // namespace dokja
