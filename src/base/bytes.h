// Byte views and little-endian loads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace dokja {

// A borrowed, read-only run of bytes. Whoever hands one out says how long the
// bytes stay valid (for a MappedFile view: as long as the file object lives).
using ByteView = std::span<const std::byte>;

inline std::string_view AsStringView(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// Unaligned little-endian loads. All our formats are little-endian and we only
// build for little-endian hosts (checked in CMake).
template <typename T>
inline T LoadLE(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// a + b, or false when it overflows uint64_t.
inline bool AddOverflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_add_overflow(a, b, out);
}
inline bool MulOverflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

}  // namespace dokja
