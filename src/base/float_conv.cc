#include "base/float_conv.h"

#include <cmath>
#include <limits>

namespace dokja {

float F16ToF32(uint16_t h) {
  const uint32_t sign = uint32_t{h & 0x8000u} << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return BitsToF32(sign | 0x7f800000u | (mant << 13));  // inf / NaN
  if (exp != 0) return BitsToF32(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return BitsToF32(sign);  // signed zero
  // Subnormal: mant * 2^-24.
  const float v = std::ldexp(static_cast<float>(mant), -24);
  return sign ? -v : v;
}

uint16_t F32ToF16(float f) {
  const uint32_t bits = F32ToBits(f);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;  // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: infinity
  if (abs < 0x38800000u) {
    // Result is subnormal or zero: round abs / 2^-24 to nearest even integer.
    const float scaled = BitsToF32(abs) * 16777216.0f;  // exact scaling by 2^24
    return sign | static_cast<uint16_t>(std::nearbyint(scaled));
  }
  // Normal: rebias exponent, round mantissa from 23 to 10 bits (nearest even).
  uint32_t v = abs - (112u << 23);
  v += 0xfffu + ((v >> 13) & 1u);
  return sign | static_cast<uint16_t>(v >> 13);
}

float F8E4M3ToF32(uint8_t v) {
  const bool neg = v & 0x80;
  const int exp = (v >> 3) & 0xf;
  const int mant = v & 0x7;
  if (exp == 0xf && mant == 0x7) return std::numeric_limits<float>::quiet_NaN();
  float r = exp == 0 ? std::ldexp(static_cast<float>(mant), -9)  // subnormal: m/8 * 2^-6
                     : std::ldexp(1.0f + mant / 8.0f, exp - 7);
  return neg ? -r : r;
}

float F8E5M2ToF32(uint8_t v) {
  // E5M2 is the top byte of an IEEE binary16.
  return F16ToF32(static_cast<uint16_t>(uint16_t{v} << 8));
}

}  // namespace dokja
