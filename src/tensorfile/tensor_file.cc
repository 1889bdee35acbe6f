#include "tensorfile/tensor_file.h"

#include <algorithm>

namespace dokja {

std::string_view TensorFormatName(TensorFormat format) {
  switch (format) {
    case TensorFormat::kSafetensors: return "safetensors";
    case TensorFormat::kGguf: return "gguf";
  }
  return "unknown";
}

std::string TensorInfo::ShapeString() const {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

Status ComputeTensorSize(const std::string& what, const std::vector<uint64_t>& shape, DType dtype,
                         uint64_t* n_elements, uint64_t* n_bytes) {
  uint64_t n = 1;
  for (uint64_t dim : shape) {
    if (MulOverflows(n, dim, &n)) {
      return Status::Corrupt(what + ": shape product overflows 64 bits");
    }
  }
  auto bytes = BytesForElements(dtype, n);
  if (!bytes.ok()) return Status::Corrupt(what + ": " + bytes.status().message());
  if (!shape.empty() && Traits(dtype).block_elems > 1 &&
      shape.back() % Traits(dtype).block_elems != 0) {
    return Status::Corrupt(what + ": row of " + std::to_string(shape.back()) + " values is not " +
                           "a whole number of " + std::string(DTypeName(dtype)) + " blocks");
  }
  *n_elements = n;
  *n_bytes = *bytes;
  return Status::OK();
}

TensorFile::TensorFile(std::vector<std::unique_ptr<io::RandomAccessFile>> files,
                       std::vector<TensorInfo> tensors, Metadata metadata)
    : files_(std::move(files)), tensors_(std::move(tensors)), metadata_(std::move(metadata)) {
  for (const auto& f : files_) paths_.push_back(f->path());
  for (size_t i = 0; i < tensors_.size(); ++i) by_name_.emplace(tensors_[i].name, i);
}

const TensorInfo* TensorFile::Find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &tensors_[it->second];
}

uint64_t TensorFile::tensor_bytes() const {
  uint64_t total = 0;
  for (const TensorInfo& t : tensors_) total += t.n_bytes;
  return total;
}

uint64_t TensorFile::file_bytes() const {
  uint64_t total = 0;
  for (const auto& f : files_) total += f->size();
  return total;
}

Status TensorFile::ReadRaw(const TensorInfo& t, uint64_t byte_offset, size_t n,
                           std::byte* dst) const {
  uint64_t end;
  if (AddOverflows(byte_offset, n, &end) || end > t.n_bytes) {
    return Status::InvalidArgument(t.name + ": raw read of " + std::to_string(n) + " bytes at " +
                                   std::to_string(byte_offset) + " leaves the tensor's " +
                                   std::to_string(t.n_bytes) + " bytes");
  }
  return file(t.file_index).Read(t.offset + byte_offset, n, dst);
}

Status TensorFile::ConvertRange(const TensorInfo& t, uint64_t byte_offset, uint64_t n_values,
                                float* dst) const {
  // pread into a buffer rather than touching the mapping: sparse reads of a
  // mapped file fault in whole page-cache folios (up to 2 MiB each on current
  // kernels), so sampling rows across a checkpoint would make most of it
  // resident; a buffer keeps memory at what we allocate.
  DOKJA_ASSIGN_OR_RETURN(uint64_t n_bytes, BytesForElements(t.dtype, n_values));
  std::vector<std::byte> buf(n_bytes);
  DOKJA_RETURN_IF_ERROR(file(t.file_index).Read(t.offset + byte_offset, n_bytes, buf.data()));
  return ConvertToF32(t.dtype, buf.data(), n_values, dst);
}

Status TensorFile::ReadRowsF32(const TensorInfo& t, uint64_t row_begin, uint64_t row_end,
                               float* dst) const {
  if (row_begin > row_end || row_end > t.n_rows()) {
    return Status::InvalidArgument(t.name + ": rows [" + std::to_string(row_begin) + ", " +
                                   std::to_string(row_end) + ") outside [0, " +
                                   std::to_string(t.n_rows()) + ")");
  }
  if (!Traits(t.dtype).can_dequantize) {
    return Status::Unsupported(t.name + ": cannot convert " + std::string(DTypeName(t.dtype)) +
                               " to f32");
  }
  DOKJA_ASSIGN_OR_RETURN(uint64_t row_bytes, BytesForElements(t.dtype, t.row_elements()));
  return ConvertRange(t, row_begin * row_bytes, (row_end - row_begin) * t.row_elements(), dst);
}

Result<std::vector<float>> TensorFile::ReadF32(const TensorInfo& t) const {
  std::vector<float> out(t.n_elements);
  DOKJA_RETURN_IF_ERROR(ReadRowsF32(t, 0, t.n_rows(), out.data()));
  return out;
}

Status TensorFile::StreamF32(const TensorInfo& t, const ChunkFn& fn, uint64_t chunk_elems) const {
  if (!Traits(t.dtype).can_dequantize) {
    return Status::Unsupported(t.name + ": cannot convert " + std::string(DTypeName(t.dtype)) +
                               " to f32");
  }
  const uint64_t block = Traits(t.dtype).block_elems;
  chunk_elems = std::max<uint64_t>(block, chunk_elems / block * block);
  chunk_elems = std::min(chunk_elems, std::max<uint64_t>(t.n_elements, block));
  DOKJA_ASSIGN_OR_RETURN(uint64_t chunk_bytes, BytesForElements(t.dtype, chunk_elems));
  // One raw and one f32 buffer for the whole stream. Sequential preads let the
  // kernel's own readahead keep a cold disk busy (explicit fadvise hints and a
  // reader thread measured no better in bench/read_throughput).
  std::vector<std::byte> raw(chunk_bytes);
  std::vector<float> values(chunk_elems);
  const io::RandomAccessFile& f = file(t.file_index);
  uint64_t byte_offset = 0;
  for (uint64_t first = 0; first < t.n_elements; first += chunk_elems) {
    const uint64_t count = std::min(chunk_elems, t.n_elements - first);
    DOKJA_ASSIGN_OR_RETURN(uint64_t n_bytes, BytesForElements(t.dtype, count));
    DOKJA_RETURN_IF_ERROR(f.Read(t.offset + byte_offset, n_bytes, raw.data()));
    DOKJA_RETURN_IF_ERROR(ConvertToF32(t.dtype, raw.data(), count, values.data()));
    DOKJA_RETURN_IF_ERROR(fn(values.data(), first, count));
    byte_offset += n_bytes;
  }
  return Status::OK();
}

}  // namespace dokja
