// UTF-8 helpers for Python-style string semantics (len, slicing, strip).
//
// Python strings count code points; our strings are UTF-8 bytes. Invalid
// bytes decode to one code point each (U+DC80 + byte, like Python's
// surrogateescape) and encode back to the same byte, so nothing is lost.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dokja::text::jinja {

// The code points of `s`.
std::u32string DecodeUtf8(std::string_view s);
// Appends the UTF-8 bytes of `cp` to `out`.
void AppendUtf8(char32_t cp, std::string& out);
std::string EncodeUtf8(std::u32string_view cps);
// Number of code points in `s` (Python len()).
size_t Utf8Length(std::string_view s);
// Python str.isspace() for one code point.
bool IsPyWhitespace(char32_t cp);

// Case mapping for ASCII, Latin-1, Greek and Cyrillic; other scripts (Hangul,
// CJK) have no case and pass through. Python maps more (e.g. "ß" upper is
// "SS"); see docs/chat_templates.md.
char32_t ToUpperCp(char32_t cp);
char32_t ToLowerCp(char32_t cp);
// Whole-string forms of Python's str.upper(), lower(), title(), capitalize().
std::string PyUpper(std::string_view s);
std::string PyLower(std::string_view s);
std::string PyTitle(std::string_view s);
std::string PyCapitalize(std::string_view s);

}  // namespace dokja::text::jinja
