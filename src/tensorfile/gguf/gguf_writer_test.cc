#include "tensorfile/gguf/gguf_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "base/bytes.h"
#include "base/float_conv.h"
#include "tensorfile/gguf/quantize.h"
#include "tensorfile/gguf/raw_gguf_test_util.h"

namespace dokja {
namespace {

using testing::RawGguf;

std::string F32Bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

TEST(GgufWriter, WritesTheLayoutByteForByte) {
  GgufWriter w;
  ASSERT_TRUE(w.AddKv("general.name", MetaStr("x")).ok());
  ASSERT_TRUE(w.AddKv("a.list", MetaArr(MetaType::kI16, {MetaI16(-2), MetaI16(3)})).ok());
  ASSERT_TRUE(w.AddTensor("m", DType::kF32, {2, 3}, F32Bytes({1, 2, 3, 4, 5, 6})).ok());
  ASSERT_TRUE(w.AddTensor("v", DType::kF32, {1}, F32Bytes({7})).ok());
  auto got = w.Build();
  ASSERT_TRUE(got.ok());

  RawGguf want;
  want.Header(3, 2, 2).KvStr("general.name", "x");
  want.Key("a.list", 9).U32(3).U64(2).Put<int16_t>(-2).Put<int16_t>(3);
  want.Info("m", {3, 2}, 0, 0).Info("v", {1}, 0, 32).Pad(32);
  want.Raw(F32Bytes({1, 2, 3, 4, 5, 6})).Pad(32).Raw(F32Bytes({7})).Pad(32);
  EXPECT_EQ(*got, want.bytes());
}

TEST(GgufWriter, WritesAlignmentKeyOnlyWhenNotTheDefault) {
  GgufWriter w(GgufWriterOptions{.version = 2, .alignment = 16});
  ASSERT_TRUE(w.AddTensor("v", DType::kF32, {1}, F32Bytes({7})).ok());
  RawGguf want;
  want.Header(2, 1, 1).KvU32("general.alignment", 16).Info("v", {1}, 0, 0).Pad(16);
  want.Raw(F32Bytes({7})).Pad(16);
  EXPECT_EQ(*w.Build(), want.bytes());
}

TEST(GgufWriter, RejectsBadKeysAndValues) {
  GgufWriter w;
  ASSERT_TRUE(w.AddKv("k", MetaU8(1)).ok());
  EXPECT_EQ(w.AddKv("k", MetaU8(2)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.AddKv("", MetaU8(2)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.AddKv("general.alignment", MetaU32(64)).code(), StatusCode::kInvalidArgument);
  MetaValue too_big = MetaU64(300);
  too_big.type = MetaType::kU8;
  EXPECT_EQ(w.AddKv("too_big", too_big).code(), StatusCode::kInvalidArgument);
  MetaValue wrong_alt = MetaStr("s");
  wrong_alt.type = MetaType::kF32;
  EXPECT_EQ(w.AddKv("wrong_alt", wrong_alt).code(), StatusCode::kInvalidArgument);
  Status mixed = w.AddKv("mixed", MetaArr(MetaType::kU8, {MetaU8(1), MetaI8(1)}));
  EXPECT_EQ(mixed.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mixed.message().find("mixed: item 1"), std::string::npos) << mixed.message();
  MetaValue nested_bad = MetaArr(MetaType::kArray, {MetaArr(MetaType::kBool, {MetaU8(1)})});
  EXPECT_EQ(w.AddKv("nested_bad", nested_bad).code(), StatusCode::kInvalidArgument);
  MetaValue bad_type = MetaU8(1);
  bad_type.type = static_cast<MetaType>(13);
  EXPECT_EQ(w.AddKv("bad_type", bad_type).code(), StatusCode::kInvalidArgument);
  auto built = w.Build();
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(LoadLE<uint64_t>(built->data() + 16), 1u);  // only "k" was added
}

TEST(GgufWriter, RejectsBadTensors) {
  GgufWriter w;
  ASSERT_TRUE(w.AddTensor("t", DType::kF32, {2}, F32Bytes({1, 2})).ok());
  EXPECT_EQ(w.AddTensor("t", DType::kF32, {1}, F32Bytes({1})).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.AddTensor("", DType::kF32, {1}, F32Bytes({1})).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.AddTensor("short", DType::kF32, {3}, F32Bytes({1, 2})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(w.AddTensor("dims5", DType::kF32, {1, 1, 1, 1, 1}, F32Bytes({1})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(w.AddTensor("zero", DType::kF32, {0, 4}, "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.AddTensor("u16", DType::kU16, {1}, "ab").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.AddTensor("partial", DType::kQ4_0, {2, 16}, std::string(36, '\0')).code(),
            StatusCode::kInvalidArgument);
}

TEST(GgufWriter, RejectsBadOptions) {
  EXPECT_EQ(GgufWriter(GgufWriterOptions{.version = 3, .alignment = 24}).Build().status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GgufWriter(GgufWriterOptions{.version = 1, .alignment = 32}).Build().status().code(),
            StatusCode::kInvalidArgument);
}

TEST(GgufWriter, WriteFileFailsWithIOErrorForAMissingFolder) {
  GgufWriter w;
  Status s = w.WriteFile(::testing::TempDir() + "/no/such/folder/x.gguf");
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_NE(s.message().find("no/such/folder/x.gguf"), std::string::npos);
}

// ---- quantisers ---------------------------------------------------------------

std::vector<float> Dequant(DType dtype, const std::string& bytes, size_t n) {
  std::vector<float> out(n);
  EXPECT_TRUE(ConvertToF32(dtype, reinterpret_cast<const std::byte*>(bytes.data()), n, out.data())
                  .ok());
  return out;
}

TEST(GgufQuantize, Q8_0PacksAnF16ScaleThenSignedBytes) {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j * 8 - 127);  // -127 .. 121, amax 127
  auto q = EncodeFromF32(DType::kQ8_0, x);
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 34u);
  EXPECT_EQ(LoadLE<uint16_t>(q->data()), F32ToF16(1.0f));
  for (int j = 0; j < 32; ++j) EXPECT_EQ(static_cast<int8_t>((*q)[2 + j]), j * 8 - 127) << j;
}

TEST(GgufQuantize, Q4_0PacksLowHalfInLowNibbles) {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j % 16) - 8.0f;  // max |x| is -8: d = 1
  x[20] = 7.0f;
  auto q = EncodeFromF32(DType::kQ4_0, x);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(LoadLE<uint16_t>(q->data()), F32ToF16(1.0f));
  for (int j = 0; j < 16; ++j) {
    const int lo = static_cast<int>(x[j]) + 8, hi = static_cast<int>(x[j + 16]) + 8;
    EXPECT_EQ(static_cast<uint8_t>((*q)[2 + j]), lo | (hi << 4)) << j;
  }
}

TEST(GgufQuantize, IntegerGridsRoundTripExactly) {
  struct GridCase { DType dtype; int lo, hi; };
  // Values on each type's integer grid with the scale landing on 1.
  const GridCase cases[] = {{DType::kQ8_0, -127, 127}, {DType::kQ4_0, -8, 7},
                            {DType::kQ4_1, 0, 15},    {DType::kQ5_0, -16, 15},
                            {DType::kQ5_1, 0, 31}};
  for (const GridCase& c : cases) {
    SCOPED_TRACE(std::string(DTypeName(c.dtype)));
    std::vector<float> x(96);
    for (size_t i = 0; i < x.size(); ++i) {
      x[i] = static_cast<float>(c.lo + static_cast<int>(i * 7 % (c.hi - c.lo + 1)));
    }
    for (size_t blk = 0; blk < 3; ++blk) {  // each block spans the whole grid
      x[blk * 32] = static_cast<float>(c.lo);
      x[blk * 32 + 1] = static_cast<float>(c.hi);
    }
    auto q = EncodeFromF32(c.dtype, x);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_EQ(Dequant(c.dtype, *q, x.size()), x);
  }
}

TEST(GgufQuantize, RoundTripErrorStaysWithinOneStep) {
  std::vector<float> x(32 * 64);
  uint32_t state = 12345;
  for (float& v : x) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(static_cast<int32_t>(state >> 8) % 20000) / 1000.0f;  // (-20, 20)
  }
  const DType types[] = {DType::kQ8_0, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1};
  const float levels[] = {254, 15, 15, 31, 31};
  for (size_t k = 0; k < 5; ++k) {
    SCOPED_TRACE(std::string(DTypeName(types[k])));
    auto q = EncodeFromF32(types[k], x);
    ASSERT_TRUE(q.ok());
    const auto y = Dequant(types[k], *q, x.size());
    for (size_t blk = 0; blk < x.size() / 32; ++blk) {
      float lo = x[blk * 32], hi = lo;
      for (size_t j = 0; j < 32; ++j) {
        lo = std::min(lo, x[blk * 32 + j]);
        hi = std::max(hi, x[blk * 32 + j]);
      }
      // One step of the block's grid (a symmetric grid spans 2 * amax), plus
      // the f16 rounding of the scale and min.
      const float amax = std::max(-lo, hi);
      const bool symmetric = types[k] == DType::kQ8_0 || types[k] == DType::kQ4_0 ||
                             types[k] == DType::kQ5_0;
      const float step = (symmetric ? 2 * amax : hi - lo) / levels[k];
      const float tol = step * 1.01f + 0.01f;
      for (size_t j = 0; j < 32; ++j) {
        const size_t i = blk * 32 + j;
        ASSERT_LE(std::fabs(y[i] - x[i]), tol) << "value " << i;
      }
    }
  }
}

TEST(GgufQuantize, RejectsTypesWithoutAQuantiserAndPartialBlocks) {
  std::vector<float> x(256, 1.0f);
  std::vector<std::byte> out(1024);
  EXPECT_EQ(QuantizeGgml(DType::kQ4_K, x.data(), 256, out.data()).code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(QuantizeGgml(DType::kF16, x.data(), 256, out.data()).code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(QuantizeGgml(DType::kQ8_0, x.data(), 33, out.data()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeFromF32(DType::kQ8_0, std::span<const float>(x.data(), 31)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(GgufQuantize, EncodesHalfTypesExactlyForRepresentableValues) {
  const std::vector<float> x = {1.0f, -0.5f, 65504.0f, 0.0f};
  for (DType dtype : {DType::kF16, DType::kBF16, DType::kF32}) {
    auto bytes = EncodeFromF32(dtype, x);
    ASSERT_TRUE(bytes.ok());
    std::vector<float> back = Dequant(dtype, *bytes, x.size());
    if (dtype == DType::kBF16) back[2] = 65504.0f;  // not a bf16 value; checked below
    EXPECT_EQ(back, x) << DTypeName(dtype);
  }
  EXPECT_EQ(LoadLE<uint16_t>(EncodeFromF32(DType::kBF16, x)->data()), 0x3f80);
}

}  // namespace
}  // namespace dokja
