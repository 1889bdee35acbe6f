#include "tensorfile/dtype.h"

#include <array>
#include <cstring>

#include "base/bytes.h"
#include "base/float_conv.h"
#include "base/simd.h"

namespace dokja {
namespace {

// Block geometry of ggml's types is from ggml.h / ggml-common.h (QK_K = 256).
constexpr std::array<DTypeTraits, kDTypeCount> kTraits = {{
    {DType::kBool, "BOOL", "BOOL", -1, 1, 1, false, true},
    {DType::kU8, "U8", "U8", -1, 1, 1, false, true},
    {DType::kI8, "I8", "I8", 24, 1, 1, false, true},
    {DType::kU16, "U16", "U16", -1, 1, 2, false, true},
    {DType::kI16, "I16", "I16", 25, 1, 2, false, true},
    {DType::kU32, "U32", "U32", -1, 1, 4, false, true},
    {DType::kI32, "I32", "I32", 26, 1, 4, false, true},
    {DType::kU64, "U64", "U64", -1, 1, 8, false, true},
    {DType::kI64, "I64", "I64", 27, 1, 8, false, true},
    {DType::kF16, "F16", "F16", 1, 1, 2, true, true},
    {DType::kBF16, "BF16", "BF16", 30, 1, 2, true, true},
    {DType::kF32, "F32", "F32", 0, 1, 4, true, true},
    {DType::kF64, "F64", "F64", 28, 1, 8, true, true},
    {DType::kF8E4M3, "F8_E4M3", "F8_E4M3", -1, 1, 1, true, true},
    {DType::kF8E5M2, "F8_E5M2", "F8_E5M2", -1, 1, 1, true, true},
    {DType::kQ4_0, "Q4_0", "", 2, 32, 18, true, true},
    {DType::kQ4_1, "Q4_1", "", 3, 32, 20, true, true},
    {DType::kQ5_0, "Q5_0", "", 6, 32, 22, true, true},
    {DType::kQ5_1, "Q5_1", "", 7, 32, 24, true, true},
    {DType::kQ8_0, "Q8_0", "", 8, 32, 34, true, true},
    {DType::kQ8_1, "Q8_1", "", 9, 32, 36, true, true},
    {DType::kQ2_K, "Q2_K", "", 10, 256, 84, true, true},
    {DType::kQ3_K, "Q3_K", "", 11, 256, 110, true, true},
    {DType::kQ4_K, "Q4_K", "", 12, 256, 144, true, true},
    {DType::kQ5_K, "Q5_K", "", 13, 256, 176, true, true},
    {DType::kQ6_K, "Q6_K", "", 14, 256, 210, true, true},
    {DType::kQ8_K, "Q8_K", "", 15, 256, 292, true, true},
    {DType::kIQ2_XXS, "IQ2_XXS", "", 16, 256, 66, true, false},
    {DType::kIQ2_XS, "IQ2_XS", "", 17, 256, 74, true, false},
    {DType::kIQ3_XXS, "IQ3_XXS", "", 18, 256, 98, true, false},
    {DType::kIQ1_S, "IQ1_S", "", 19, 256, 50, true, false},
    {DType::kIQ4_NL, "IQ4_NL", "", 20, 32, 18, true, false},
    {DType::kIQ3_S, "IQ3_S", "", 21, 256, 110, true, false},
    {DType::kIQ2_S, "IQ2_S", "", 22, 256, 82, true, false},
    {DType::kIQ4_XS, "IQ4_XS", "", 23, 256, 136, true, false},
    {DType::kIQ1_M, "IQ1_M", "", 29, 256, 56, true, false},
    {DType::kTQ1_0, "TQ1_0", "", 34, 256, 54, true, false},
    {DType::kTQ2_0, "TQ2_0", "", 35, 256, 66, true, false},
    {DType::kMXFP4, "MXFP4", "", 39, 32, 17, true, false},
}};

constexpr bool TableIsInOrder() {
  for (int i = 0; i < kDTypeCount; ++i) {
    if (static_cast<int>(kTraits[i].dtype) != i) return false;
  }
  return true;
}
static_assert(TableIsInOrder(), "kTraits must list every DType in enum order");

DOKJA_VECTOR_CLONES void Bf16Row(const std::byte* src, uint64_t n, float* dst) {
  for (uint64_t i = 0; i < n; ++i) dst[i] = Bf16ToF32(LoadLE<uint16_t>(src + 2 * i));
}

DOKJA_VECTOR_CLONES void F16Row(const std::byte* src, uint64_t n, float* dst) {
  for (uint64_t i = 0; i < n; ++i) dst[i] = F16ToF32(LoadLE<uint16_t>(src + 2 * i));
}

template <typename T>
void WidenInts(const std::byte* src, uint64_t n, float* dst) {
  for (uint64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(LoadLE<T>(src + i * sizeof(T)));
}

}  // namespace

const DTypeTraits& Traits(DType dtype) {
  assert(static_cast<int>(dtype) < kDTypeCount);
  return kTraits[static_cast<int>(dtype)];
}

std::optional<DType> DTypeFromSafetensorsName(std::string_view name) {
  for (const DTypeTraits& t : kTraits) {
    if (!t.safetensors_name.empty() && t.safetensors_name == name) return t.dtype;
  }
  return std::nullopt;
}

std::optional<DType> DTypeFromGgmlType(uint32_t ggml_type) {
  for (const DTypeTraits& t : kTraits) {
    if (t.ggml_type >= 0 && static_cast<uint32_t>(t.ggml_type) == ggml_type) return t.dtype;
  }
  return std::nullopt;
}

std::optional<DType> DTypeFromName(std::string_view name) {
  for (const DTypeTraits& t : kTraits) {
    if (t.name == name) return t.dtype;
  }
  return std::nullopt;
}

Result<uint64_t> BytesForElements(DType dtype, uint64_t n_elements) {
  const DTypeTraits& t = Traits(dtype);
  if (n_elements % t.block_elems != 0) {
    return Status::InvalidArgument(std::to_string(n_elements) + " values of " +
                                   std::string(t.name) + " are not a whole number of " +
                                   std::to_string(t.block_elems) + "-value blocks");
  }
  uint64_t bytes;
  if (MulOverflows(n_elements / t.block_elems, t.block_bytes, &bytes)) {
    return Status::InvalidArgument(std::to_string(n_elements) + " values of " +
                                   std::string(t.name) + " overflow a 64-bit byte count");
  }
  return bytes;
}

Status ConvertToF32(DType dtype, const std::byte* src, uint64_t n, float* dst) {
  switch (dtype) {
    case DType::kBool:
      for (uint64_t i = 0; i < n; ++i) dst[i] = src[i] != std::byte{0} ? 1.0f : 0.0f;
      return Status::OK();
    case DType::kU8: WidenInts<uint8_t>(src, n, dst); return Status::OK();
    case DType::kI8: WidenInts<int8_t>(src, n, dst); return Status::OK();
    case DType::kU16: WidenInts<uint16_t>(src, n, dst); return Status::OK();
    case DType::kI16: WidenInts<int16_t>(src, n, dst); return Status::OK();
    case DType::kU32: WidenInts<uint32_t>(src, n, dst); return Status::OK();
    case DType::kI32: WidenInts<int32_t>(src, n, dst); return Status::OK();
    case DType::kU64: WidenInts<uint64_t>(src, n, dst); return Status::OK();
    case DType::kI64: WidenInts<int64_t>(src, n, dst); return Status::OK();
    case DType::kF16:
      F16Row(src, n, dst);
      return Status::OK();
    case DType::kBF16:
      Bf16Row(src, n, dst);
      return Status::OK();
    case DType::kF32:
      if (n > 0) std::memcpy(dst, src, n * sizeof(float));  // empty tensors may pass nullptr
      return Status::OK();
    case DType::kF64:
      for (uint64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(LoadLE<double>(src + 8 * i));
      return Status::OK();
    case DType::kF8E4M3:
      for (uint64_t i = 0; i < n; ++i) dst[i] = F8E4M3ToF32(static_cast<uint8_t>(src[i]));
      return Status::OK();
    case DType::kF8E5M2:
      for (uint64_t i = 0; i < n; ++i) dst[i] = F8E5M2ToF32(static_cast<uint8_t>(src[i]));
      return Status::OK();
    default:
      return DequantizeGgml(dtype, src, n, dst);
  }
}

}  // namespace dokja
