// Conversions from the narrow float formats found in model files to f32.
//
// All are exact: every f16, bf16, f8 value is representable in f32.
#pragma once

#include <cstdint>
#include <cstring>

namespace dokja {

inline float BitsToF32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
inline uint32_t F32ToBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// bfloat16 is the top half of an f32.
inline float Bf16ToF32(uint16_t h) { return BitsToF32(uint32_t{h} << 16); }

// f32 to bf16 with round-to-nearest-even; NaN stays NaN.
inline uint16_t F32ToBf16(float f) {
  uint32_t bits = F32ToBits(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

// IEEE binary16 to f32, including subnormals, infinities and NaN.
float F16ToF32(uint16_t h);
// f32 to IEEE binary16, round-to-nearest-even, overflow to infinity.
uint16_t F32ToF16(float f);

// OCP FP8 E4M3 ("fn": no infinities; S.1111.111 is NaN; bias 7; max 448).
float F8E4M3ToF32(uint8_t v);
// OCP FP8 E5M2 (IEEE-like: bias 15, infinities and NaNs).
float F8E5M2ToF32(uint8_t v);

}  // namespace dokja
