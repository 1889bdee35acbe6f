#include "tensorfile/gguf/quantize.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "base/float_conv.h"

namespace dokja {
namespace {

constexpr int kQK = 32;

using Quantizer = void (*)(const float* x, uint8_t* b);

void PutHalf(uint8_t* p, float v) {
  const uint16_t h = F32ToF16(v);
  std::memcpy(p, &h, 2);
}

// (int)v clamped to [0, hi]; NaN gives 0. For the finite in-range values
// ggml produces this is its (int8_t) truncation followed by MIN(hi, .).
int TruncClamp(float v, int hi) {
  if (!(v > 0.0f)) return 0;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(v);
}

// The value of largest magnitude, keeping its sign (first one on ties).
float SignedAbsMax(const float* x) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < kQK; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void MinMax(const float* x, float* lo, float* hi) {
  *lo = FLT_MAX;
  *hi = -FLT_MAX;
  for (int j = 0; j < kQK; ++j) {
    *lo = std::min(*lo, x[j]);
    *hi = std::max(*hi, x[j]);
  }
}

// d = max / -8 maps the largest-magnitude value to q = 0 exactly.
void QuantQ4_0(const float* x, uint8_t* b) {
  const float d = SignedAbsMax(x) / -8.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  PutHalf(b, d);
  for (int j = 0; j < kQK / 2; ++j) {
    const int q0 = TruncClamp(x[j] * id + 8.5f, 15);
    const int q1 = TruncClamp(x[j + kQK / 2] * id + 8.5f, 15);
    b[2 + j] = static_cast<uint8_t>(q0 | (q1 << 4));
  }
}

void QuantQ4_1(const float* x, uint8_t* b) {
  float lo = 0.0f, hi = 0.0f;
  MinMax(x, &lo, &hi);
  const float d = (hi - lo) / 15.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  PutHalf(b, d);
  PutHalf(b + 2, lo);
  for (int j = 0; j < kQK / 2; ++j) {
    const int q0 = TruncClamp((x[j] - lo) * id + 0.5f, 15);
    const int q1 = TruncClamp((x[j + kQK / 2] - lo) * id + 0.5f, 15);
    b[4 + j] = static_cast<uint8_t>(q0 | (q1 << 4));
  }
}

// Packs 32 five-bit values: low nibbles in qs like Q4, fifth bits in qh.
void Pack5(const int* q, uint8_t* qh_bytes, uint8_t* qs) {
  uint32_t qh = 0;
  for (int j = 0; j < kQK / 2; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 0x0F) | ((q[j + kQK / 2] & 0x0F) << 4));
    qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
    qh |= static_cast<uint32_t>((q[j + kQK / 2] >> 4) & 1) << (j + kQK / 2);
  }
  std::memcpy(qh_bytes, &qh, 4);
}

void QuantQ5_0(const float* x, uint8_t* b) {
  const float d = SignedAbsMax(x) / -16.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  PutHalf(b, d);
  int q[kQK];
  for (int j = 0; j < kQK; ++j) {
    q[j] = TruncClamp(x[j] * id + 16.5f, 31);
  }
  Pack5(q, b + 2, b + 6);
}

void QuantQ5_1(const float* x, uint8_t* b) {
  float lo = 0.0f, hi = 0.0f;
  MinMax(x, &lo, &hi);
  const float d = (hi - lo) / 31.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  PutHalf(b, d);
  PutHalf(b + 2, lo);
  int q[kQK];
  for (int j = 0; j < kQK; ++j) {
    q[j] = TruncClamp((x[j] - lo) * id + 0.5f, 31);
  }
  Pack5(q, b + 4, b + 8);
}

void QuantQ8_0(const float* x, uint8_t* b) {
  float amax = 0.0f;
  for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  PutHalf(b, d);
  for (int j = 0; j < kQK; ++j) {
    const float r = std::round(x[j] * id);
    const int q = r != r ? 0 : static_cast<int>(std::clamp(r, -127.0f, 127.0f));  // NaN -> 0
    b[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(q));
  }
}

Quantizer QuantizerFor(DType dtype) {
  switch (dtype) {
    case DType::kQ4_0: return QuantQ4_0;
    case DType::kQ4_1: return QuantQ4_1;
    case DType::kQ5_0: return QuantQ5_0;
    case DType::kQ5_1: return QuantQ5_1;
    case DType::kQ8_0: return QuantQ8_0;
    default: return nullptr;
  }
}

}  // namespace

Status QuantizeGgml(DType dtype, const float* src, uint64_t n, std::byte* dst) {
  const Quantizer quantize = QuantizerFor(dtype);
  if (quantize == nullptr) {
    return Status::Unsupported("quantising f32 to " + std::string(DTypeName(dtype)) +
                               " is not supported");
  }
  const DTypeTraits& t = Traits(dtype);
  if (n % t.block_elems != 0) {
    return Status::InvalidArgument(std::to_string(n) + " values are not a whole number of " +
                                   std::string(t.name) + " blocks");
  }
  auto* out = reinterpret_cast<uint8_t*>(dst);
  for (uint64_t block_idx = 0; block_idx < n / t.block_elems; ++block_idx) {
    quantize(src + block_idx * t.block_elems, out + block_idx * t.block_bytes);
  }
  return Status::OK();
}

Result<std::string> EncodeFromF32(DType dtype, std::span<const float> values) {
  const uint64_t n = values.size();
  DOKJA_ASSIGN_OR_RETURN(uint64_t n_bytes, BytesForElements(dtype, n));
  std::string out(n_bytes, '\0');
  auto* dst = reinterpret_cast<uint8_t*>(out.data());
  if (dtype == DType::kF32) {
    std::memcpy(dst, values.data(), n_bytes);
  } else if (dtype == DType::kF16 || dtype == DType::kBF16) {
    for (uint64_t i = 0; i < n; ++i) {
      const uint16_t h = dtype == DType::kF16 ? F32ToF16(values[i]) : F32ToBf16(values[i]);
      std::memcpy(dst + 2 * i, &h, 2);
    }
  } else {
    DOKJA_RETURN_IF_ERROR(
        QuantizeGgml(dtype, values.data(), n, reinterpret_cast<std::byte*>(dst)));
  }
  return out;
}

}  // namespace dokja
