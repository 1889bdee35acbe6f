// Writing JSON text by hand, byte for byte as nlohmann::json writes it with
// dump(-1, ' ', /*ensure_ascii=*/false, error_handler_t::replace): the
// runner's cache keys, request bodies and stored answers are built on the
// hot path without building a JSON tree first, and must stay identical to
// what earlier versions (which built the tree) wrote.
//
// Strings: valid UTF-8 is copied as is, '"' and '\\' are escaped, control
// characters become \b \f \n \r \t or \u00xx (lower-case hex). A string that
// is not valid UTF-8 is handed to nlohmann, so its replacement rules apply
// unchanged. Doubles go through nlohmann except for the common 0.0 and 1.0.
//
// Thread-safety: free functions over values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/backend.h"

namespace dokja::bench::internal {

// Appends `s` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view s);
// Appends `v` as nlohmann writes a double ("0.0", "-1.5", "null" if not finite).
void AppendJsonDouble(std::string& out, double v);
void AppendJsonInt(std::string& out, int64_t v);
void AppendJsonUint(std::string& out, uint64_t v);
// ["a","b"].
void AppendJsonStrings(std::string& out, const std::vector<std::string>& strings);
// [{"content":"...","role":"..."}, ...] (sorted keys, as a JSON tree writes it).
void AppendJsonMessages(std::string& out, const std::vector<Message>& messages);
inline void AppendJsonBool(std::string& out, bool v) { out += v ? "true" : "false"; }

}  // namespace dokja::bench::internal
