#include "base/float_conv.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dokja {
namespace {

TEST(FloatConv, F16KnownValues) {
  EXPECT_EQ(F16ToF32(0x3c00), 1.0f);
  EXPECT_EQ(F16ToF32(0xc000), -2.0f);
  EXPECT_EQ(F16ToF32(0x7bff), 65504.0f);
  EXPECT_EQ(F16ToF32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(F16ToF32(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_TRUE(std::isinf(F16ToF32(0x7c00)));
  EXPECT_TRUE(std::isnan(F16ToF32(0x7e00)));
  EXPECT_TRUE(std::signbit(F16ToF32(0x8000)));
}

TEST(FloatConv, F16RoundTripsEveryValue) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = F16ToF32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(F32ToF16(f), h) << "h=" << h;
  }
}

TEST(FloatConv, F32ToF16RoundsToNearestEven) {
  // 1 + 2^-11 lies halfway between 1 and the next f16; ties go to even (1.0).
  EXPECT_EQ(F32ToF16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(F32ToF16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(F32ToF16(70000.0f), 0x7c00);
}

TEST(FloatConv, Bf16IsTheTopHalf) {
  EXPECT_EQ(Bf16ToF32(0x3f80), 1.0f);
  EXPECT_EQ(Bf16ToF32(0xc040), -3.0f);
  EXPECT_EQ(F32ToBf16(1.0f), 0x3f80);
  EXPECT_EQ(F32ToBf16(Bf16ToF32(0x1234)), 0x1234);
}

TEST(FloatConv, F8E4M3KnownValues) {
  EXPECT_EQ(F8E4M3ToF32(0x38), 1.0f);        // exp 7, mant 0
  EXPECT_EQ(F8E4M3ToF32(0x7e), 448.0f);      // largest finite
  EXPECT_EQ(F8E4M3ToF32(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(F8E4M3ToF32(0xb8), -1.0f);
  EXPECT_TRUE(std::isnan(F8E4M3ToF32(0x7f)));
}

TEST(FloatConv, F8E5M2KnownValues) {
  EXPECT_EQ(F8E5M2ToF32(0x3c), 1.0f);
  EXPECT_EQ(F8E5M2ToF32(0x7b), 57344.0f);  // largest finite
  EXPECT_TRUE(std::isinf(F8E5M2ToF32(0x7c)));
  EXPECT_TRUE(std::isnan(F8E5M2ToF32(0x7f)));
  EXPECT_EQ(F8E5M2ToF32(0x01), std::ldexp(1.0f, -16));
}

}  // namespace
}  // namespace dokja
