#include "tensorfile/dtype.h"

#include <gtest/gtest.h>

#include "base/float_conv.h"

namespace dokja {
namespace {

TEST(DType, NamesRoundTripThroughBothFormats) {
  for (int i = 0; i < kDTypeCount; ++i) {
    const DTypeTraits& t = Traits(static_cast<DType>(i));
    EXPECT_EQ(DTypeFromName(t.name), t.dtype);
    if (!t.safetensors_name.empty()) {
      EXPECT_EQ(DTypeFromSafetensorsName(t.safetensors_name), t.dtype);
    }
    if (t.ggml_type >= 0) {
      EXPECT_EQ(DTypeFromGgmlType(static_cast<uint32_t>(t.ggml_type)), t.dtype);
    }
  }
  EXPECT_FALSE(DTypeFromSafetensorsName("F12").has_value());
  EXPECT_FALSE(DTypeFromGgmlType(4).has_value());  // removed from ggml (Q4_2)
}

TEST(DType, BytesForElementsChecksBlocksAndOverflow) {
  EXPECT_EQ(*BytesForElements(DType::kBF16, 10), 20u);
  EXPECT_EQ(*BytesForElements(DType::kQ4_K, 512), 288u);
  EXPECT_FALSE(BytesForElements(DType::kQ4_0, 33).ok());
  EXPECT_FALSE(BytesForElements(DType::kF64, UINT64_MAX / 4).ok());
}

TEST(DType, ConvertsPlainTypesToF32) {
  const uint16_t bf16[] = {0x3f80, 0xc040};
  float out[2];
  ASSERT_TRUE(ConvertToF32(DType::kBF16, reinterpret_cast<const std::byte*>(bf16), 2, out).ok());
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -3.0f);
  const int16_t i16[] = {-7, 300};
  ASSERT_TRUE(ConvertToF32(DType::kI16, reinterpret_cast<const std::byte*>(i16), 2, out).ok());
  EXPECT_EQ(out[0], -7.0f);
  EXPECT_EQ(out[1], 300.0f);
  const uint8_t e4m3[] = {0x38, 0xb8};
  ASSERT_TRUE(ConvertToF32(DType::kF8E4M3, reinterpret_cast<const std::byte*>(e4m3), 2, out).ok());
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -1.0f);
}

TEST(DType, ConvertsZeroValuesWithNullBuffers) {
  // Zero-sized tensors hand over empty vectors' data(), which may be nullptr.
  for (int i = 0; i < kDTypeCount; ++i) {
    const DType d = static_cast<DType>(i);
    if (!Traits(d).can_dequantize) continue;
    EXPECT_TRUE(ConvertToF32(d, nullptr, 0, nullptr).ok()) << DTypeName(d);
  }
}

}  // namespace
}  // namespace dokja
