#include "text/tokenizer/internal/unicode_util.h"

#include "base/utf8.h"

namespace dokja::text::internal {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Decodes one well-formed sequence or returns 0 length.
size_t DecodeStrict(std::string_view text, size_t offset, char32_t* cp) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data()) + offset;
  const size_t left = text.size() - offset;
  const unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n = 0;
  char32_t v = 0;
  char32_t min = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2, v = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, v = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (left < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if (!IsContinuation(s[i])) return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

}  // namespace

size_t Utf8CharLength(std::string_view text, size_t offset) {
  char32_t cp = 0;
  const size_t n = DecodeStrict(text, offset, &cp);
  return n == 0 ? 1 : n;
}

char32_t Utf8Decode(std::string_view text, size_t offset, size_t* length) {
  char32_t cp = 0;
  const size_t n = DecodeStrict(text, offset, &cp);
  if (n == 0) {
    *length = 1;
    return 0xDC00 + static_cast<unsigned char>(text[offset]);
  }
  *length = n;
  return cp;
}

const ByteUnicodeTable& ByteUnicodeTable::Get() {
  static const ByteUnicodeTable table;
  return table;
}

ByteUnicodeTable::ByteUnicodeTable() {
  char32_t next_extra = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    const char32_t cp = printable ? static_cast<char32_t>(b) : next_extra++;
    AppendUtf8(cp, &byte_to_utf8_[b]);
    cp_to_byte_[cp] = static_cast<uint16_t>(b + 1);
  }
}

void ByteUnicodeTable::EncodeBytes(std::string_view bytes, std::string* out) const {
  for (char c : bytes) out->append(byte_to_utf8_[static_cast<unsigned char>(c)]);
}

void ByteUnicodeTable::DecodeToBytes(std::string_view mapped, std::string* out) const {
  for (size_t offset = 0; offset < mapped.size();) {
    size_t n = 0;
    const char32_t cp = Utf8Decode(mapped, offset, &n);
    if (cp < cp_to_byte_.size() && cp_to_byte_[cp] != 0) {
      out->push_back(static_cast<char>(cp_to_byte_[cp] - 1));
    } else {
      out->append(mapped.substr(offset, n));
    }
    offset += n;
  }
}

void UnescapeSpaces(std::string_view text, std::string* out) {
  for (size_t pos = 0; pos < text.size();) {
    if (text.compare(pos, kSpaceMarker.size(), kSpaceMarker) == 0) {
      out->push_back(' ');
      pos += kSpaceMarker.size();
    } else {
      out->push_back(text[pos++]);
    }
  }
}

std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to) {
  if (from.empty()) return std::string(text);
  std::string out;
  for (size_t pos = 0; pos < text.size();) {
    const size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, hit - pos)).append(to);
    pos = hit + from.size();
  }
  return out;
}

}  // namespace dokja::text::internal
