// Python str methods on UTF-8 text, code point by code point.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokja::text::jinja {

enum class StripSide { kBoth, kLeft, kRight };

// str.strip([chars]): whitespace when `chars` is nullopt.
std::string PyStrip(std::string_view s, const std::optional<std::string>& chars, StripSide side);

// str.split(sep=None, maxsplit=-1) and str.rsplit. An empty `sep` is the
// caller's error to report; here it splits nothing.
std::vector<std::string> PySplit(std::string_view s, const std::optional<std::string>& sep,
                                 int64_t maxsplit, bool from_right);

// str.replace(old, new, count=-1).
std::string PyReplace(std::string_view s, std::string_view old_text, std::string_view new_text,
                      int64_t count);
// The byte size PyReplace would return, computed without building it.
uint64_t PyReplaceSize(std::string_view s, std::string_view old_text, std::string_view new_text,
                       int64_t count);

// Splits with at most `max_parts` pieces' worth of work: nullopt when the
// full split would have more, so callers can refuse instead of allocating.
std::optional<std::vector<std::string>> PySplitCapped(std::string_view s,
                                                      const std::optional<std::string>& sep,
                                                      int64_t maxsplit, bool from_right,
                                                      size_t max_parts);

}  // namespace dokja::text::jinja
