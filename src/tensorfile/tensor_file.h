// TensorFile: one read interface over safetensors (single or sharded) and GGUF.
//
// Opening parses and validates headers only; tensor bytes are read lazily by
// pread into buffers we own (ReadRaw, ReadRowsF32, ReadF32) or into one
// reused chunk (StreamF32). Nothing is read through the mapping, so the
// resident set is what we allocate, however large or sparse the reads.
//
// Thread-safe: every method is const; the files never change under us.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "io/env.h"
#include "tensorfile/dtype.h"
#include "tensorfile/metadata.h"

namespace dokja {

enum class TensorFormat { kSafetensors, kGguf };
std::string_view TensorFormatName(TensorFormat format);

struct TensorInfo {
  // Name as stored in the file.
  std::string name;
  DType dtype = DType::kF32;
  // Outermost dimension first (PyTorch order). GGUF stores dims innermost
  // first (ggml `ne`); the GGUF reader reverses them into this order.
  std::vector<uint64_t> shape;
  // Index into TensorFile::paths() of the file holding the bytes.
  uint32_t file_index = 0;
  // Absolute byte range [offset, offset + n_bytes) in that file.
  uint64_t offset = 0;
  uint64_t n_bytes = 0;
  uint64_t n_elements = 0;

  // Rows run along all but the last dimension; a row is the last dimension.
  // (A scalar or 1-D tensor is one row.)
  uint64_t row_elements() const { return shape.empty() ? 1 : shape.back(); }
  uint64_t n_rows() const { return row_elements() == 0 ? 0 : n_elements / row_elements(); }
  std::string ShapeString() const;  // "[512, 64]"
};

// Computes element and byte counts for a shape, with overflow and block checks.
// `what` names the tensor and file for the error message.
Status ComputeTensorSize(const std::string& what, const std::vector<uint64_t>& shape, DType dtype,
                         uint64_t* n_elements, uint64_t* n_bytes);

class TensorFile {
 public:
  virtual ~TensorFile() = default;
  TensorFile(const TensorFile&) = delete;
  TensorFile& operator=(const TensorFile&) = delete;

  virtual TensorFormat format() const = 0;

  // Data files, in the order TensorInfo::file_index refers to them.
  const std::vector<std::string>& paths() const { return paths_; }
  // Tensors in file order (for shards: shard by shard).
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // nullptr when there is no tensor of that name.
  const TensorInfo* Find(std::string_view name) const;
  const Metadata& metadata() const { return metadata_; }
  // Sum of all tensors' n_bytes.
  uint64_t tensor_bytes() const;
  // Sum of the data files' sizes.
  uint64_t file_bytes() const;

  // Copies [byte_offset, byte_offset + n) of the tensor's stored bytes.
  Status ReadRaw(const TensorInfo& t, uint64_t byte_offset, size_t n, std::byte* dst) const;

  // Rows [row_begin, row_end) converted to f32 into dst, which must hold
  // (row_end - row_begin) * t.row_elements() floats.
  Status ReadRowsF32(const TensorInfo& t, uint64_t row_begin, uint64_t row_end, float* dst) const;

  // The whole tensor as f32.
  Result<std::vector<float>> ReadF32(const TensorInfo& t) const;

  // Streams the tensor as f32 in chunks of at most chunk_elems values (rounded
  // to whole blocks), calling fn(values, first_element_index, count). Memory
  // used is one chunk (raw + f32), reused; bytes come by sequential pread, so
  // nothing is mapped in and the resident set stays flat. A non-OK status from fn stops the stream
  // and is returned.
  using ChunkFn = std::function<Status(const float* values, uint64_t first, uint64_t count)>;
  Status StreamF32(const TensorInfo& t, const ChunkFn& fn, uint64_t chunk_elems = 1 << 18) const;

 protected:
  TensorFile(std::vector<std::unique_ptr<io::RandomAccessFile>> files,
             std::vector<TensorInfo> tensors, Metadata metadata);

  const io::RandomAccessFile& file(uint32_t index) const { return *files_[index]; }

 private:
  // Converts `n_values` starting at byte `byte_offset` of the tensor.
  Status ConvertRange(const TensorInfo& t, uint64_t byte_offset, uint64_t n_values,
                      float* dst) const;

  std::vector<std::unique_ptr<io::RandomAccessFile>> files_;
  std::vector<std::string> paths_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> by_name_;
  Metadata metadata_;
};

// Opens a single .safetensors file.
Result<std::unique_ptr<TensorFile>> OpenSafetensors(io::Env& env, const std::string& path);
// Opens a sharded checkpoint from its `*.safetensors.index.json`.
Result<std::unique_ptr<TensorFile>> OpenShardedSafetensors(io::Env& env,
                                                           const std::string& index_path);
// Opens a GGUF file (v2 or v3).
Result<std::unique_ptr<TensorFile>> OpenGguf(io::Env& env, const std::string& path);

// Opens whatever `path` names: a GGUF or safetensors file (by magic), an
// index.json, or a folder holding one of those (index.json preferred, then a
// single *.safetensors, then a single *.gguf). InvalidArgument naming the
// candidates when a folder is ambiguous.
Result<std::unique_ptr<TensorFile>> OpenTensorFile(io::Env& env, const std::string& path);

}  // namespace dokja
