// UTF-8 helpers and GPT-2's byte <-> unicode table.
//
// All functions are lenient: a byte that does not start a valid UTF-8
// sequence counts as a one-byte "character", so every byte string splits into
// characters without loss. Thread-safe: pure functions and immutable tables.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dokja::text::internal {

// Length in bytes of the UTF-8 character at text[offset], in [1, 4].
// Malformed, truncated or overlong sequences count as one byte.
// REQUIRES: offset < text.size().
size_t Utf8CharLength(std::string_view text, size_t offset);

// Decodes the character at text[offset]; malformed bytes decode to
// 0xDC00 + byte (a lone surrogate, never produced by valid UTF-8).
// REQUIRES: offset < text.size().
char32_t Utf8Decode(std::string_view text, size_t offset, size_t* length);

// AppendUtf8 (encoding one code point) is in base/utf8.h.

// SentencePiece's visible space, U+2581 (▁).
inline constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";

// Appends `text` to *out with every ▁ turned into a space.
void UnescapeSpaces(std::string_view text, std::string* out);

// Every occurrence of `from` in `text` replaced by `to`, left to right. An
// empty `from` matches nothing (returns `text` unchanged) rather than looping.
std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to);

// GPT-2 byte-level mapping: each byte becomes one printable codepoint
// ('!'..'~', '¡'..'¬', '®'..'ÿ' map to themselves; the other 68 bytes map to
// U+0100.. in byte order), so any byte string becomes a valid UTF-8 string.
class ByteUnicodeTable {
 public:
  static const ByteUnicodeTable& Get();

  // UTF-8 encoding of the codepoint for `byte`.
  const std::string& Encode(uint8_t byte) const { return byte_to_utf8_[byte]; }
  // Appends the mapped form of every byte of `bytes`.
  void EncodeBytes(std::string_view bytes, std::string* out) const;
  // Reverses EncodeBytes. Characters outside the table are copied unchanged.
  void DecodeToBytes(std::string_view mapped, std::string* out) const;

 private:
  ByteUnicodeTable();
  std::array<std::string, 256> byte_to_utf8_;
  // codepoint -> byte + 1 for codepoints < 512; 0 means "not in the table".
  std::array<uint16_t, 512> cp_to_byte_{};
};

}  // namespace dokja::text::internal
