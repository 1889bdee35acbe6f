// Strict UTF-8 validation (Unicode Table 3-7): no overlong forms, no
// surrogates, nothing past U+10FFFF, no sequence cut short; and encoding one
// code point. One definition for the file parsers (safetensors, GGUF), the
// tokenizer and the JSON readers and writers.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dokja {

// Whether `s` is well-formed UTF-8. When it is not and `bad_offset` is
// given, *bad_offset is the offset of the first ill-formed sequence.
bool IsValidUtf8(std::string_view s, size_t* bad_offset = nullptr);

// Length (1-4) of the well-formed UTF-8 sequence at the start of `s`, 0
// when there is none (or `s` is empty). For scanners that meet non-ASCII
// bytes rarely and check each sequence where they find it.
size_t Utf8SequenceLength(std::string_view s);

// Appends the UTF-8 encoding of `cp` (REQUIRES: cp <= 0x10FFFF).
void AppendUtf8(char32_t cp, std::string* out);

}  // namespace dokja
