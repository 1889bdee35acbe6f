// Dequantisation tests. Each block is built here by a small encoder that
// places chosen quant integers and scales where ggml-common.h's layout
// description says they live (element by element, independent of the
// decoder's loops); the expected floats come straight from the chosen
// integers. Scales are powers of two and small integers, so every expected
// value is exact in f32 and compared with EXPECT_EQ.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "base/float_conv.h"
#include "tensorfile/dtype.h"

namespace dokja {
namespace {

using Block = std::vector<uint8_t>;

// Writes `width` bits of `value` at bit `bit` of byte `byte`.
void SetBits(Block& b, size_t byte, int bit, int width, uint32_t value) {
  for (int k = 0; k < width; ++k) {
    const uint8_t mask = static_cast<uint8_t>(1u << (bit + k));
    if ((value >> k) & 1u) b[byte] |= mask;
    else b[byte] &= static_cast<uint8_t>(~mask);
  }
}

void PutF16(Block& b, size_t at, float v) {
  const uint16_t h = F32ToF16(v);
  b[at] = static_cast<uint8_t>(h & 0xff);
  b[at + 1] = static_cast<uint8_t>(h >> 8);
}

// Quant integers 0..max for n values: q=0 first, q=max second, then a spread.
std::vector<int> ChosenQuants(int n, int lo, int hi, int salt) {
  std::vector<int> q(n);
  const int span = hi - lo + 1;
  for (int e = 0; e < n; ++e) q[e] = lo + (e * 7 + salt * 13) % span;
  q[0] = lo;
  q[1] = hi;
  return q;
}

std::vector<float> Decode(DType dtype, const Block& bytes, uint64_t n) {
  std::vector<float> out(n, -12345.0f);
  Status s = DequantizeGgml(dtype, reinterpret_cast<const std::byte*>(bytes.data()), n, out.data());
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// ---- 32-value types ---------------------------------------------------------

TEST(Dequant, Q4_0IsScaleTimesNibbleMinusEight) {
  Block bytes;
  std::vector<float> expected;
  const float ds[] = {0.5f, -2.0f};
  for (int blk = 0; blk < 2; ++blk) {
    Block b(18, 0);
    PutF16(b, 0, ds[blk]);
    const auto q = ChosenQuants(32, 0, 15, blk);
    for (int e = 0; e < 32; ++e) {
      SetBits(b, 2 + e % 16, 4 * (e / 16), 4, static_cast<uint32_t>(q[e]));
      expected.push_back(ds[blk] * static_cast<float>(q[e] - 8));
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const auto got = Decode(DType::kQ4_0, bytes, 64);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(got[i], expected[i]) << "value " << i;
}

TEST(Dequant, Q4_1IsScaleTimesNibblePlusMin) {
  Block bytes;
  std::vector<float> expected;
  const float ds[] = {0.25f, 4.0f}, ms[] = {-1.5f, 3.0f};
  for (int blk = 0; blk < 2; ++blk) {
    Block b(20, 0);
    PutF16(b, 0, ds[blk]);
    PutF16(b, 2, ms[blk]);
    const auto q = ChosenQuants(32, 0, 15, blk);
    for (int e = 0; e < 32; ++e) {
      SetBits(b, 4 + e % 16, 4 * (e / 16), 4, static_cast<uint32_t>(q[e]));
      expected.push_back(ds[blk] * static_cast<float>(q[e]) + ms[blk]);
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const auto got = Decode(DType::kQ4_1, bytes, 64);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(got[i], expected[i]) << "value " << i;
}

TEST(Dequant, Q5_0TakesTheFifthBitFromQh) {
  Block bytes;
  std::vector<float> expected;
  const float ds[] = {0.5f, 0.125f};
  for (int blk = 0; blk < 2; ++blk) {
    Block b(22, 0);
    PutF16(b, 0, ds[blk]);
    const auto q = ChosenQuants(32, 0, 31, blk);
    for (int e = 0; e < 32; ++e) {
      SetBits(b, 6 + e % 16, 4 * (e / 16), 4, static_cast<uint32_t>(q[e] & 15));
      SetBits(b, 2 + e / 8, e % 8, 1, static_cast<uint32_t>(q[e] >> 4));  // qh bit e
      expected.push_back(ds[blk] * static_cast<float>(q[e] - 16));
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const auto got = Decode(DType::kQ5_0, bytes, 64);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(got[i], expected[i]) << "value " << i;
}

TEST(Dequant, Q5_1TakesTheFifthBitFromQhAndAddsMin) {
  Block bytes;
  std::vector<float> expected;
  const float ds[] = {0.5f, 1.0f}, ms[] = {-8.0f, 0.25f};
  for (int blk = 0; blk < 2; ++blk) {
    Block b(24, 0);
    PutF16(b, 0, ds[blk]);
    PutF16(b, 2, ms[blk]);
    const auto q = ChosenQuants(32, 0, 31, blk);
    for (int e = 0; e < 32; ++e) {
      SetBits(b, 8 + e % 16, 4 * (e / 16), 4, static_cast<uint32_t>(q[e] & 15));
      SetBits(b, 4 + e / 8, e % 8, 1, static_cast<uint32_t>(q[e] >> 4));
      expected.push_back(ds[blk] * static_cast<float>(q[e]) + ms[blk]);
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const auto got = Decode(DType::kQ5_1, bytes, 64);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(got[i], expected[i]) << "value " << i;
}

// Q8_0 and Q8_1 differ only in where the int8 values start.
void CheckQ8(DType dtype, size_t block_bytes, size_t qs_at) {
  Block bytes;
  std::vector<float> expected;
  const float ds[] = {0.5f, -0.0625f};
  for (int blk = 0; blk < 2; ++blk) {
    Block b(block_bytes, 0);
    PutF16(b, 0, ds[blk]);
    if (qs_at == 4) PutF16(b, 2, 999.0f);  // Q8_1's sum field must be ignored
    const auto q = ChosenQuants(32, -128, 127, blk);
    for (int e = 0; e < 32; ++e) {
      b[qs_at + e] = static_cast<uint8_t>(static_cast<int8_t>(q[e]));
      expected.push_back(ds[blk] * static_cast<float>(q[e]));
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const auto got = Decode(dtype, bytes, 64);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(got[i], expected[i]) << "value " << i;
}

TEST(Dequant, Q8_0IsScaleTimesSignedByte) { CheckQ8(DType::kQ8_0, 34, 2); }
TEST(Dequant, Q8_1IsScaleTimesSignedByteIgnoringTheSum) { CheckQ8(DType::kQ8_1, 36, 4); }

// ---- K-quants (256-value super-blocks) --------------------------------------

// Q2_K: scales[16] at 0 (low nibble scale, high nibble min), qs[64] at 16,
// f16 d at 80, f16 dmin at 82. Value e: half h = e / 128, plane j = (e % 128)
// / 32, lane l = e % 32: bits 2j of qs[32h + l]; sub-block e / 16.
TEST(Dequant, Q2_KUsesEveryFourBitScaleAndMin) {
  Block bytes;
  std::vector<float> expected;
  const float ds[] = {0.5f, 2.0f}, dmins[] = {0.25f, 1.0f};
  for (int blk = 0; blk < 2; ++blk) {
    Block b(84, 0);
    PutF16(b, 80, ds[blk]);
    PutF16(b, 82, dmins[blk]);
    int sc[16], mn[16];
    for (int s = 0; s < 16; ++s) {
      sc[s] = (s * 5 + blk + 1) % 16;
      mn[s] = (s * 3 + blk * 7) % 16;
      SetBits(b, s, 0, 4, static_cast<uint32_t>(sc[s]));
      SetBits(b, s, 4, 4, static_cast<uint32_t>(mn[s]));
    }
    sc[15] = 15;  // the largest scale, at the last position
    SetBits(b, 15, 0, 4, 15);
    const auto q = ChosenQuants(256, 0, 3, blk);
    for (int e = 0; e < 256; ++e) {
      const int h = e / 128, j = (e % 128) / 32, l = e % 32;
      SetBits(b, 16 + 32 * h + l, 2 * j, 2, static_cast<uint32_t>(q[e]));
      const int s = e / 16;
      expected.push_back(static_cast<float>(double{ds[blk]} * sc[s] * q[e] -
                                             double{dmins[blk]} * mn[s]));
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const auto got = Decode(DType::kQ2_K, bytes, 512);
  for (int i = 0; i < 512; ++i) EXPECT_EQ(got[i], expected[i]) << "value " << i;
}

// Q3_K: hmask[32] at 0, qs[64] at 32, scales[12] at 96, f16 d at 108. Value
// e (h, j, l as Q2_K): low bits 2j of qs[32h + l], high bit (4h + j) of
// hmask[l]; q = low + 4 * high - 4. Scale s (6 bits, minus 32): low nibble in
// byte s % 8 (nibble s / 8), top two bits in byte 8 + s % 4 (bits 2 * (s / 4)).
TEST(Dequant, Q3_KUsesEverySixBitScaleAndTheHighBitMask) {
  Block bytes;
  std::vector<float> expected;
  const float ds[] = {0.25f, -1.0f};
  for (int blk = 0; blk < 2; ++blk) {
    Block b(110, 0);
    PutF16(b, 108, ds[blk]);
    int sc[16];
    for (int s = 0; s < 16; ++s) {
      sc[s] = (s * 11 + blk * 3) % 64;
      if (s == 5) sc[s] = 63;
      if (s == 9) sc[s] = 0;
      SetBits(b, 96 + s % 8, 4 * (s / 8), 4, static_cast<uint32_t>(sc[s] & 15));
      SetBits(b, 96 + 8 + s % 4, 2 * (s / 4), 2, static_cast<uint32_t>(sc[s] >> 4));
    }
    const auto q = ChosenQuants(256, -4, 3, blk);
    for (int e = 0; e < 256; ++e) {
      const int h = e / 128, j = (e % 128) / 32, l = e % 32;
      const int u = q[e] + 4;  // 0..7: low two bits and the high bit
      SetBits(b, 32 + 32 * h + l, 2 * j, 2, static_cast<uint32_t>(u & 3));
      SetBits(b, l, 4 * h + j, 1, static_cast<uint32_t>(u >> 2));
      expected.push_back(static_cast<float>(double{ds[blk]} * (sc[e / 16] - 32) * q[e]));
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const auto got = Decode(DType::kQ3_K, bytes, 512);
  for (int i = 0; i < 512; ++i) EXPECT_EQ(got[i], expected[i]) << "value " << i;
}

// Packs Q4_K/Q5_K's eight 6-bit scales and mins into 12 bytes at `at`:
// j < 4: scale in the low six bits of byte j, min in byte j + 4; j >= 4: low
// nibbles in byte j + 4 (scale low, min high), top two bits of the scale in
// bits 6-7 of byte j - 4, of the min in bits 6-7 of byte j.
void PackScaleMinK4(Block& b, size_t at, const int* sc, const int* mn) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      SetBits(b, at + j, 0, 6, static_cast<uint32_t>(sc[j]));
      SetBits(b, at + j + 4, 0, 6, static_cast<uint32_t>(mn[j]));
    } else {
      SetBits(b, at + j + 4, 0, 4, static_cast<uint32_t>(sc[j] & 15));
      SetBits(b, at + j + 4, 4, 4, static_cast<uint32_t>(mn[j] & 15));
      SetBits(b, at + j - 4, 6, 2, static_cast<uint32_t>(sc[j] >> 4));
      SetBits(b, at + j, 6, 2, static_cast<uint32_t>(mn[j] >> 4));
    }
  }
}

// Q4_K: f16 d, f16 dmin, scales[12] at 4, qs[128] at 16. Value e: chunk c =
// e / 64, r = e % 64: nibble r / 32 of qs[32c + r % 32]; sub-block e / 32.
// With five_bits (Q5_K): qh[32] at 16, qs at 48, fifth bit = bit (e / 32) of
// qh[e % 32].
void CheckQ4OrQ5K(bool five_bits) {
  const DType dtype = five_bits ? DType::kQ5_K : DType::kQ4_K;
  const size_t block_bytes = five_bits ? 176 : 144, qs_at = five_bits ? 48 : 16;
  const int q_max = five_bits ? 31 : 15;
  Block bytes;
  std::vector<float> expected;
  const float ds[] = {0.5f, 0.125f}, dmins[] = {0.25f, 2.0f};
  for (int blk = 0; blk < 2; ++blk) {
    Block b(block_bytes, 0);
    PutF16(b, 0, ds[blk]);
    PutF16(b, 2, dmins[blk]);
    int sc[8] = {1, 63, 17, 32, 45, 5, 60, 33}, mn[8] = {0, 62, 31, 16, 47, 3, 58, 40};
    for (int j = 0; j < 8; ++j) {
      sc[j] = (sc[j] + 9 * blk) % 64;
      mn[j] = (mn[j] + 5 * blk) % 64;
    }
    PackScaleMinK4(b, 4, sc, mn);
    const auto q = ChosenQuants(256, 0, q_max, blk);
    for (int e = 0; e < 256; ++e) {
      const int c = e / 64, r = e % 64;
      SetBits(b, qs_at + 32 * c + r % 32, 4 * (r / 32), 4, static_cast<uint32_t>(q[e] & 15));
      if (five_bits) SetBits(b, 16 + e % 32, e / 32, 1, static_cast<uint32_t>(q[e] >> 4));
      const int s = e / 32;
      expected.push_back(static_cast<float>(double{ds[blk]} * sc[s] * q[e] -
                                             double{dmins[blk]} * mn[s]));
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const auto got = Decode(dtype, bytes, 512);
  for (int i = 0; i < 512; ++i) EXPECT_EQ(got[i], expected[i]) << "value " << i;
}

TEST(Dequant, Q4_KUsesEverySixBitScaleAndMin) { CheckQ4OrQ5K(false); }
TEST(Dequant, Q5_KUsesEverySixBitScaleAndMinAndTheFifthBit) { CheckQ4OrQ5K(true); }

// Q6_K: ql[128] at 0, qh[64] at 128, i8 scales[16] at 192, f16 d at 208.
// Value e: h = e / 128, k = (e % 128) / 32, l = e % 32: nibble k / 2 of
// ql[64h + l + 32 (k % 2)], high bits 2k of qh[32h + l]; q - 32; sub-block e / 16.
TEST(Dequant, Q6_KUsesEverySignedScale) {
  Block bytes;
  std::vector<float> expected;
  const float ds[] = {0.5f, -0.25f};
  for (int blk = 0; blk < 2; ++blk) {
    Block b(210, 0);
    PutF16(b, 208, ds[blk]);
    int sc[16];
    for (int s = 0; s < 16; ++s) {
      sc[s] = (s * 19 + blk * 7) % 256 - 128;
      b[192 + s] = static_cast<uint8_t>(static_cast<int8_t>(sc[s]));
    }
    const auto q = ChosenQuants(256, 0, 63, blk);
    for (int e = 0; e < 256; ++e) {
      const int h = e / 128, k = (e % 128) / 32, l = e % 32;
      SetBits(b, 64 * h + l + 32 * (k % 2), 4 * (k / 2), 4, static_cast<uint32_t>(q[e] & 15));
      SetBits(b, 128 + 32 * h + l, 2 * k, 2, static_cast<uint32_t>(q[e] >> 4));
      expected.push_back(static_cast<float>(double{ds[blk]} * sc[e / 16] * (q[e] - 32)));
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const auto got = Decode(DType::kQ6_K, bytes, 512);
  for (int i = 0; i < 512; ++i) EXPECT_EQ(got[i], expected[i]) << "value " << i;
}

// Q8_K: f32 d, i8 qs[256] at 4, i16 bsums[16] at 260 (ignored).
TEST(Dequant, Q8_KIsF32ScaleTimesSignedByte) {
  Block bytes;
  std::vector<float> expected;
  const float ds[] = {0.001953125f, -3.0f};
  for (int blk = 0; blk < 2; ++blk) {
    Block b(292, 0x5a);
    std::memcpy(b.data(), &ds[blk], 4);
    const auto q = ChosenQuants(256, -128, 127, blk);
    for (int e = 0; e < 256; ++e) {
      b[4 + e] = static_cast<uint8_t>(static_cast<int8_t>(q[e]));
      expected.push_back(ds[blk] * static_cast<float>(q[e]));
    }
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  const auto got = Decode(DType::kQ8_K, bytes, 512);
  for (int i = 0; i < 512; ++i) EXPECT_EQ(got[i], expected[i]) << "value " << i;
}

// ---- contract ---------------------------------------------------------------

TEST(Dequant, RejectsTypesWithoutAKernelNamingTheType) {
  const DType unsupported[] = {DType::kIQ2_XXS, DType::kIQ4_NL, DType::kIQ1_M, DType::kTQ1_0,
                               DType::kTQ2_0, DType::kMXFP4, DType::kF32};
  std::vector<std::byte> src(1024);
  std::vector<float> dst(256);
  for (DType dtype : unsupported) {
    Status s = DequantizeGgml(dtype, src.data(), Traits(dtype).block_elems, dst.data());
    EXPECT_EQ(s.code(), StatusCode::kUnsupported) << DTypeName(dtype);
    EXPECT_NE(s.message().find(DTypeName(dtype)), std::string::npos) << s.message();
  }
}

TEST(Dequant, RejectsAPartialBlock) {
  std::vector<std::byte> src(64);
  std::vector<float> dst(64);
  EXPECT_EQ(DequantizeGgml(DType::kQ4_0, src.data(), 33, dst.data()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DequantizeGgml(DType::kQ4_K, src.data(), 32, dst.data()).code(),
            StatusCode::kInvalidArgument);
}

TEST(Dequant, ConvertToF32DelegatesBlockTypes) {
  Block b(34, 0);
  PutF16(b, 0, 0.5f);
  b[2] = static_cast<uint8_t>(static_cast<int8_t>(-6));
  b[33] = 7;
  float out[32];
  ASSERT_TRUE(ConvertToF32(DType::kQ8_0, reinterpret_cast<const std::byte*>(b.data()), 32, out).ok());
  EXPECT_EQ(out[0], -3.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[31], 3.5f);
  EXPECT_EQ(ConvertToF32(DType::kIQ4_XS, reinterpret_cast<const std::byte*>(b.data()), 256, out)
                .code(),
            StatusCode::kUnsupported);
}

TEST(Dequant, ZeroValuesIsANoOp) {
  EXPECT_TRUE(DequantizeGgml(DType::kQ6_K, nullptr, 0, nullptr).ok());
}

}  // namespace
}  // namespace dokja
