// Quantisers from f32 to ggml block types, for fixtures and writer tests.
//
// These are the reference round-to-nearest schemes of ggml's
// quantize_row_*_ref (no importance matrix, no search), so a file they make
// is what `llama-quantize` makes with its simplest path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"
#include "tensorfile/dtype.h"

namespace dokja {

// Quantises n values from src into dst, which must hold
// BytesForElements(dtype, n) bytes. Supports Q8_0, Q4_0, Q4_1, Q5_0 and
// Q5_1; Unsupported for other types, InvalidArgument when n is not a whole
// number of blocks.
Status QuantizeGgml(DType dtype, const float* src, uint64_t n, std::byte* dst);

// The bytes `values` take as `dtype`: F32, F16, BF16, or any type
// QuantizeGgml supports. Ready for GgufWriter::AddTensor.
Result<std::string> EncodeFromF32(DType dtype, std::span<const float> values);

}  // namespace dokja
