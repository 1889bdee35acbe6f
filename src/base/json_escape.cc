#include "base/json_escape.h"

#include <cstdint>
#include <cstring>

namespace dokja {
namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// Bytes of `w` that are zero have their high bit set in the result (and no
// others do, for bytes below 0x80).
constexpr uint64_t ZeroBytes(uint64_t w) { return (w - kOnes) & ~w & kHighs; }

bool PlainByte(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

}  // namespace

bool IsPlainJsonAscii(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    // A high bit set: a byte >= 0x80. Then, with all bytes below 0x80:
    // w - 0x20 per byte borrows into the high bit for bytes below 0x20, and
    // '"' and '\\' become zero bytes under XOR.
    if (w & kHighs) return false;
    if (((w - 0x20 * kOnes) & ~w & kHighs) | ZeroBytes(w ^ ('"' * kOnes)) | ZeroBytes(w ^ ('\\' * kOnes))) {
      return false;
    }
  }
  for (; i < s.size(); ++i) {
    if (!PlainByte(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

void AppendJsonQuoted(std::string& out, std::string_view s) {
  if (IsPlainJsonAscii(s)) {
    const size_t n = out.size();
    out.resize(n + s.size() + 2);
    out[n] = '"';
    if (!s.empty()) std::memcpy(&out[n + 1], s.data(), s.size());
    out[n + 1 + s.size()] = '"';
    return;
  }
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  size_t plain = 0;  // start of the run not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      }
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

}  // namespace dokja
