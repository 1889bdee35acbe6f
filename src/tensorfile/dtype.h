// Element types of both formats, with their storage geometry.
//
// Plain types (safetensors and GGUF) have block_elems == 1. ggml's quantised
// types store `block_elems` values in `block_bytes`; blocks run along the
// innermost dimension (the last of a PyTorch shape), so a row of a 2-D tensor
// is always a whole number of blocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"

namespace dokja {

enum class DType : uint8_t {
  // Plain element types.
  kBool, kU8, kI8, kU16, kI16, kU32, kI32, kU64, kI64,
  kF16, kBF16, kF32, kF64, kF8E4M3, kF8E5M2,
  // ggml block-quantised types.
  kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ8_0, kQ8_1,
  kQ2_K, kQ3_K, kQ4_K, kQ5_K, kQ6_K, kQ8_K,
  kIQ2_XXS, kIQ2_XS, kIQ3_XXS, kIQ1_S, kIQ4_NL, kIQ3_S, kIQ2_S, kIQ4_XS, kIQ1_M,
  kTQ1_0, kTQ2_0, kMXFP4,
  kCount,
};
inline constexpr int kDTypeCount = static_cast<int>(DType::kCount);

struct DTypeTraits {
  DType dtype;
  std::string_view name;              // "BF16", "Q4_K", ...
  std::string_view safetensors_name;  // "" when safetensors has no such dtype
  int32_t ggml_type;                  // GGUF type id, -1 when GGUF has none
  uint32_t block_elems;               // values per block (1 for plain types)
  uint32_t block_bytes;               // bytes per block
  bool is_float;                      // a floating-point or quantised-float type
  bool can_dequantize;                // ConvertToF32 handles it
};

const DTypeTraits& Traits(DType dtype);
inline std::string_view DTypeName(DType dtype) { return Traits(dtype).name; }

std::optional<DType> DTypeFromSafetensorsName(std::string_view name);
std::optional<DType> DTypeFromGgmlType(uint32_t ggml_type);
std::optional<DType> DTypeFromName(std::string_view name);  // our names, e.g. "Q4_K"

// Bytes that n_elements values take; Corrupt-free InvalidArgument when n is
// not a whole number of blocks or the product overflows.
Result<uint64_t> BytesForElements(DType dtype, uint64_t n_elements);

// Converts n values stored as `dtype` at `src` to f32.
// REQUIRES: n is a multiple of the block size; src holds BytesForElements(n).
// Unsupported for types we cannot dequantise (IQ*, TQ*, MXFP4).
Status ConvertToF32(DType dtype, const std::byte* src, uint64_t n, float* dst);

// ggml block types, implemented in gguf/dequant.cc. Same contract as above.
Status DequantizeGgml(DType dtype, const std::byte* src, uint64_t n, float* dst);

}  // namespace dokja
