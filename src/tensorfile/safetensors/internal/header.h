// Internals of the safetensors reader: the JSON header parser and the checks
// that turn a parsed header into TensorInfo. Not part of the public API.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "io/env.h"
#include "tensorfile/tensor_file.h"

namespace dokja::safetensors_internal {

// Shapes with more dimensions than this are rejected (PyTorch allows 64 too
// in practice; no real model comes close, and it bounds the work per entry).
inline constexpr size_t kMaxRank = 64;

// One header entry as written, before any semantic checks.
struct RawTensorEntry {
  std::string name;
  std::string dtype;
  std::vector<uint64_t> shape;
  // data_offsets, relative to the first byte after the header.
  uint64_t begin = 0;
  uint64_t end = 0;
};

// The header as written: entries and `__metadata__` in header order.
struct RawHeader {
  std::vector<RawTensorEntry> tensors;
  std::vector<std::pair<std::string, std::string>> metadata;
};

// Parses the header text with a streaming (SAX) parser. Checks structure only:
// a JSON object; every entry an object with exactly "dtype" (string), "shape"
// (array of non-negative integers, at most kMaxRank) and "data_offsets"
// (two non-negative integers); no duplicate keys at any level; `__metadata__`
// an object of strings (or null). `path` starts every error message.
Result<RawHeader> ParseHeaderJson(std::string_view json, const std::string& path);

// Checks dtypes, sizes and offsets of a parsed header against a data buffer
// of `data_bytes` bytes that starts at file offset `data_start`, and returns
// the tensors sorted by offset (file_index 0).
Result<std::vector<TensorInfo>> ValidateHeader(const RawHeader& header, const std::string& path,
                                               uint64_t data_start, uint64_t data_bytes);

// One validated .safetensors file: its open file, tensors and metadata.
struct LoadedFile {
  std::unique_ptr<io::RandomAccessFile> file;
  std::vector<TensorInfo> tensors;
  std::vector<std::pair<std::string, std::string>> metadata;
};

// Opens `path`, reads and validates its header. Never reads tensor bytes.
Result<LoadedFile> LoadFile(io::Env& env, const std::string& path, const io::OpenOptions& options);

}  // namespace dokja::safetensors_internal
