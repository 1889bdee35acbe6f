// ggml block dequantisation: DequantizeGgml (declared in tensorfile/dtype.h).
//
// Block layouts follow ggml-common.h and decoding follows ggml-quants.c's
// dequantize_row_* reference functions; docs/formats/gguf.md draws each
// layout. Multi-byte fields are little-endian and blocks are packed (no
// padding), so fields are read with LoadLE from byte offsets.
#include <cstring>
#include <string>

#include "base/bytes.h"
#include "base/float_conv.h"
#include "tensorfile/dtype.h"

namespace dokja {
namespace {

constexpr int kQK = 32;    // values per block of the legacy types
constexpr int kQK_K = 256;  // values per K-quant super-block

using Kernel = void (*)(const uint8_t* b, float* y);

inline float Half(const uint8_t* p) { return F16ToF32(LoadLE<uint16_t>(p)); }

// Q4_0 (18 bytes): f16 d; u8 qs[16]. Low nibbles are values 0..15, high
// nibbles values 16..31; y = d * (q - 8).
void BlockQ4_0(const uint8_t* b, float* y) {
  const float d = Half(b);
  const uint8_t* qs = b + 2;
  for (int j = 0; j < kQK / 2; ++j) {
    y[j] = d * static_cast<float>((qs[j] & 0x0F) - 8);
    y[j + kQK / 2] = d * static_cast<float>((qs[j] >> 4) - 8);
  }
}

// Q4_1 (20 bytes): f16 d; f16 m; u8 qs[16]; y = d * q + m.
void BlockQ4_1(const uint8_t* b, float* y) {
  const float d = Half(b);
  const float m = Half(b + 2);
  const uint8_t* qs = b + 4;
  for (int j = 0; j < kQK / 2; ++j) {
    y[j] = d * static_cast<float>(qs[j] & 0x0F) + m;
    y[j + kQK / 2] = d * static_cast<float>(qs[j] >> 4) + m;
  }
}

// Q5_0 (22 bytes): f16 d; u32 qh (bit i = 5th bit of value i); u8 qs[16];
// y = d * (q - 16).
void BlockQ5_0(const uint8_t* b, float* y) {
  const float d = Half(b);
  const uint32_t qh = LoadLE<uint32_t>(b + 2);
  const uint8_t* qs = b + 6;
  for (int j = 0; j < kQK / 2; ++j) {
    const int hi0 = static_cast<int>((qh >> j) & 1u) << 4;
    const int hi1 = static_cast<int>((qh >> (j + kQK / 2)) & 1u) << 4;
    y[j] = d * static_cast<float>(((qs[j] & 0x0F) | hi0) - 16);
    y[j + kQK / 2] = d * static_cast<float>(((qs[j] >> 4) | hi1) - 16);
  }
}

// Q5_1 (24 bytes): f16 d; f16 m; u32 qh; u8 qs[16]; y = d * q + m.
void BlockQ5_1(const uint8_t* b, float* y) {
  const float d = Half(b);
  const float m = Half(b + 2);
  const uint32_t qh = LoadLE<uint32_t>(b + 4);
  const uint8_t* qs = b + 8;
  for (int j = 0; j < kQK / 2; ++j) {
    const int hi0 = static_cast<int>((qh >> j) & 1u) << 4;
    const int hi1 = static_cast<int>((qh >> (j + kQK / 2)) & 1u) << 4;
    y[j] = d * static_cast<float>((qs[j] & 0x0F) | hi0) + m;
    y[j + kQK / 2] = d * static_cast<float>((qs[j] >> 4) | hi1) + m;
  }
}

// Q8_0 (34 bytes): f16 d; i8 qs[32]; y = d * q.
void BlockQ8_0(const uint8_t* b, float* y) {
  const float d = Half(b);
  for (int j = 0; j < kQK; ++j) y[j] = d * static_cast<float>(static_cast<int8_t>(b[2 + j]));
}

// Q8_1 (36 bytes): f16 d; f16 s (= d * sum(q), unused here); i8 qs[32].
void BlockQ8_1(const uint8_t* b, float* y) {
  const float d = Half(b);
  for (int j = 0; j < kQK; ++j) y[j] = d * static_cast<float>(static_cast<int8_t>(b[4 + j]));
}

// Q2_K (84 bytes): u8 scales[16] (low nibble scale, high nibble min); u8
// qs[64] (2-bit values); f16 d; f16 dmin. Each 128-value half uses 32 bytes
// of qs; the 2-bit plane at shift 2j holds values [32j, 32j + 32) of it.
// y = d * scale * q - dmin * min, per 16-value sub-block.
void BlockQ2_K(const uint8_t* b, float* y) {
  const uint8_t* scales = b;
  const uint8_t* q = b + 16;
  const float d = Half(b + 80);
  const float dmin = Half(b + 82);
  int is = 0;
  for (int half = 0; half < 2; ++half, q += 32) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int part = 0; part < 2; ++part) {
        const uint8_t sc = scales[is++];
        const float dl = d * static_cast<float>(sc & 0x0F);
        const float ml = dmin * static_cast<float>(sc >> 4);
        for (int l = 0; l < 16; ++l) {
          *y++ = dl * static_cast<float>((q[part * 16 + l] >> shift) & 3) - ml;
        }
      }
    }
  }
}

// Unpacks Q3_K's 16 six-bit scales from 12 bytes: scale i has its low nibble
// in byte i % 8 (nibble i / 8) and its top two bits in byte 8 + i % 4 (bits
// 2 * (i / 4)). Returns them minus 32.
void UnpackQ3KScales(const uint8_t* raw, int* out) {
  for (int i = 0; i < 16; ++i) {
    const int low = (raw[i % 8] >> (4 * (i / 8))) & 0x0F;
    const int high = (raw[8 + i % 4] >> (2 * (i / 4))) & 3;
    out[i] = (low | (high << 4)) - 32;
  }
}

// Q3_K (110 bytes): u8 hmask[32] (high bits); u8 qs[64] (low 2 bits);
// u8 scales[12] (16 six-bit scales); f16 d. A set high bit means q = low,
// a clear one q = low - 4. y = d * (scale - 32) * q.
void BlockQ3_K(const uint8_t* b, float* y) {
  const uint8_t* hmask = b;
  const uint8_t* q = b + 32;
  int scales[16];
  UnpackQ3KScales(b + 96, scales);
  const float d_all = Half(b + 108);
  int is = 0;
  uint8_t m = 1;
  for (int half = 0; half < 2; ++half, q += 32) {
    for (int shift = 0; shift < 8; shift += 2, m = static_cast<uint8_t>(m << 1)) {
      for (int part = 0; part < 2; ++part) {
        const float dl = d_all * static_cast<float>(scales[is++]);
        for (int l = part * 16; l < part * 16 + 16; ++l) {
          const int low = (q[l] >> shift) & 3;
          *y++ = dl * static_cast<float>(low - ((hmask[l] & m) ? 0 : 4));
        }
      }
    }
  }
}

// Q4_K/Q5_K scale and min j (0..7), six bits each, packed in 12 bytes: for
// j < 4 the low six bits of bytes j and j + 4; for j >= 4 the nibbles of byte
// j + 4 plus the top two bits of bytes j - 4 and j (ggml's get_scale_min_k4).
void ScaleMinK4(int j, const uint8_t* q, int* sc, int* mn) {
  if (j < 4) {
    *sc = q[j] & 63;
    *mn = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
    *mn = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// The two sub-blocks of 64-value chunk `chunk`: their scales d1, d2 and
// offsets m1, m2 (shared by Q4_K and Q5_K).
void ChunkScalesK4(int chunk, const uint8_t* scales, float d, float dmin, float* d1, float* m1,
                   float* d2, float* m2) {
  int sc = 0, mn = 0;
  ScaleMinK4(2 * chunk, scales, &sc, &mn);
  *d1 = d * static_cast<float>(sc);
  *m1 = dmin * static_cast<float>(mn);
  ScaleMinK4(2 * chunk + 1, scales, &sc, &mn);
  *d2 = d * static_cast<float>(sc);
  *m2 = dmin * static_cast<float>(mn);
}

// Q4_K (144 bytes): f16 d; f16 dmin; u8 scales[12]; u8 qs[128]. Each 64-value
// chunk uses 32 bytes of qs: low nibbles first, then high nibbles, with
// sub-block scales 2c and 2c + 1. y = d * scale * q - dmin * min.
void BlockQ4_K(const uint8_t* b, float* y) {
  const float d = Half(b);
  const float dmin = Half(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* q = b + 16;
  for (int chunk = 0; chunk < 4; ++chunk, q += 32) {
    float d1 = 0, m1 = 0, d2 = 0, m2 = 0;
    ChunkScalesK4(chunk, scales, d, dmin, &d1, &m1, &d2, &m2);
    for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0x0F) - m1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
  }
}

// Q5_K (176 bytes): f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128].
// As Q4_K, with the fifth bit of sub-block s's value l in bit s of qh[l].
void BlockQ5_K(const uint8_t* b, float* y) {
  const float d = Half(b);
  const float dmin = Half(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* ql = b + 48;
  for (int chunk = 0; chunk < 4; ++chunk, ql += 32) {
    float d1 = 0, m1 = 0, d2 = 0, m2 = 0;
    ChunkScalesK4(chunk, scales, d, dmin, &d1, &m1, &d2, &m2);
    const uint8_t u1 = static_cast<uint8_t>(1u << (2 * chunk));
    const uint8_t u2 = static_cast<uint8_t>(2u << (2 * chunk));
    for (int l = 0; l < 32; ++l) {
      *y++ = d1 * static_cast<float>((ql[l] & 0x0F) + ((qh[l] & u1) ? 16 : 0)) - m1;
    }
    for (int l = 0; l < 32; ++l) {
      *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
    }
  }
}

// Q6_K (210 bytes): u8 ql[128] (low 4 bits); u8 qh[64] (high 2 bits); i8
// scales[16]; f16 d. y = d * scale * (q - 32), per 16-value sub-block.
void BlockQ6_K(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  const float d = Half(b + 208);
  for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
      y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
      y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
      y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
    }
  }
}

// Q8_K (292 bytes): f32 d; i8 qs[256]; i16 bsums[16] (unused here); y = d * q.
void BlockQ8_K(const uint8_t* b, float* y) {
  const float d = LoadLE<float>(b);
  for (int j = 0; j < kQK_K; ++j) y[j] = d * static_cast<float>(static_cast<int8_t>(b[4 + j]));
}

Kernel KernelFor(DType dtype) {
  switch (dtype) {
    case DType::kQ4_0: return BlockQ4_0;
    case DType::kQ4_1: return BlockQ4_1;
    case DType::kQ5_0: return BlockQ5_0;
    case DType::kQ5_1: return BlockQ5_1;
    case DType::kQ8_0: return BlockQ8_0;
    case DType::kQ8_1: return BlockQ8_1;
    case DType::kQ2_K: return BlockQ2_K;
    case DType::kQ3_K: return BlockQ3_K;
    case DType::kQ4_K: return BlockQ4_K;
    case DType::kQ5_K: return BlockQ5_K;
    case DType::kQ6_K: return BlockQ6_K;
    case DType::kQ8_K: return BlockQ8_K;
    default: return nullptr;
  }
}

}  // namespace

Status DequantizeGgml(DType dtype, const std::byte* src, uint64_t n, float* dst) {
  const Kernel kernel = KernelFor(dtype);
  if (kernel == nullptr) {
    return Status::Unsupported("dequantising " + std::string(DTypeName(dtype)) +
                               " to f32 is not supported");
  }
  const DTypeTraits& t = Traits(dtype);
  if (n % t.block_elems != 0) {
    return Status::InvalidArgument(std::to_string(n) + " values of " + std::string(t.name) +
                                   " are not a whole number of " +
                                   std::to_string(t.block_elems) + "-value blocks");
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(src);
  const uint64_t n_blocks = n / t.block_elems;
  for (uint64_t block_idx = 0; block_idx < n_blocks; ++block_idx) {
    kernel(bytes + block_idx * t.block_bytes, dst + block_idx * t.block_elems);
  }
  return Status::OK();
}

}  // namespace dokja
