// Internals shared by the single-file and sharded safetensors writers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "tensorfile/safetensors/safetensors_writer.h"

namespace dokja::safetensors_internal {

// Checks names, dtypes and byte counts; returns each tensor's byte size.
Result<std::vector<uint64_t>> CheckTensors(const std::vector<TensorToWrite>& tensors);

// The 8-byte length plus the space-padded JSON header, offsets from 0 in order.
// REQUIRES: sizes came from CheckTensors(tensors).
Result<std::string> BuildHeader(const std::vector<TensorToWrite>& tensors,
                                const std::vector<uint64_t>& sizes,
                                const SafetensorsMetadata& metadata);

// Appends one tensor's n_bytes of data, through *buffer when streamed.
Status WriteTensorData(ByteSink& sink, const TensorToWrite& t, uint64_t n_bytes,
                       size_t buffer_bytes, std::vector<std::byte>* buffer);

}  // namespace dokja::safetensors_internal
