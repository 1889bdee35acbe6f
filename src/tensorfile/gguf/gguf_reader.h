// GGUF reader: opens ggml's single-file model format (versions 2 and 3).
//
// Byte layout (all integers little-endian; "string" is a GGUF string):
//  1. magic: the 4 bytes "GGUF".
//  2. u32 version: 2 or 3. Version 1 used u32 counts and string lengths and
//     is rejected as Unsupported, as are versions above 3 and big-endian files.
//  3. u64 n_tensors.
//  4. u64 n_kv.
//  5. n_kv key-value pairs, each:
//       a. key: string = u64 length, then that many UTF-8 bytes, no terminator;
//       b. u32 value type: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32,
//          7 bool (one byte, 0 or 1), 8 string, 9 array, 10 u64, 11 i64, 12 f64;
//       c. the value. An array is u32 element type, u64 count, then count
//          values of that type; arrays may hold arrays (each inner array
//          carries its own element type and count).
//  6. n_tensors tensor infos, each:
//       a. name: string;
//       b. u32 n_dims, at most 4 (GGML_MAX_DIMS);
//       c. u64 ne[n_dims]: extents innermost first (ne[0] is the row length);
//       d. u32 ggml type id (0 F32, 1 F16, 2 Q4_0, ... see dtype.cc);
//       e. u64 offset of the tensor's bytes relative to the data section.
//  7. zero padding up to the data section, which starts at the first multiple
//     of `general.alignment` (a u32 KV; default 32; a non-zero power of two)
//     at or after the end of the tensor infos.
//  8. the data section: each tensor at its offset, a multiple of the alignment.
//
// Validation beyond the layout (see docs/formats/gguf.md): counts and lengths
// are checked against the bytes left before allocating; keys and tensor names
// are non-empty valid UTF-8 and unique; n_dims 0 is a scalar; an extent of 0
// is Corrupt; tensor byte ranges lie inside the data section and do not
// overlap; files with no tensors (vocab-only) are valid and need no data
// section. Every error message starts with the path and names the field.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "io/env.h"
#include "tensorfile/gguf/internal/kv_parser.h"
#include "tensorfile/tensor_file.h"

namespace dokja {

// The alignment a file gets when it has no `general.alignment` key.
inline constexpr uint32_t kGgufDefaultAlignment = 32;
// GGML_MAX_DIMS.
inline constexpr uint32_t kGgufMaxDims = 4;

struct GgufOptions {
  // Map the file when possible; false forces the pread path.
  bool use_mmap = true;
  // Header bytes fetched per read while parsing.
  size_t header_chunk_bytes = size_t{1} << 20;  // 1 MiB: one read for most headers
  // Caps on metadata nesting and size.
  gguf_internal::KvLimits kv_limits{};
};

// An open GGUF file. Tensor offsets in TensorInfo are absolute.
// Thread-safe: every method is const and the file never changes under us.
class GgufFile final : public TensorFile {
 public:
  TensorFormat format() const override { return TensorFormat::kGguf; }

  // 2 or 3.
  uint32_t version() const { return version_; }
  // `general.alignment`, or 32 when absent.
  uint32_t alignment() const { return alignment_; }
  // Absolute offset of the data section. For a file without tensors this may
  // equal or pass the file size.
  uint64_t data_offset() const { return data_offset_; }

 private:
  friend Result<std::unique_ptr<GgufFile>> OpenGgufFile(io::Env&, const std::string&,
                                                         const GgufOptions&);
  GgufFile(std::unique_ptr<io::RandomAccessFile> file, std::vector<TensorInfo> tensors,
           Metadata metadata, uint32_t version, uint32_t alignment, uint64_t data_offset);

  uint32_t version_;
  uint32_t alignment_;
  uint64_t data_offset_;
};

// Opens and validates a GGUF file; tensor bytes are read lazily. Corrupt for
// bytes that break the format, Unsupported for versions and limits we do not
// handle, IOError when the OS fails. (OpenGguf in tensor_file.h calls this
// with default options.)
Result<std::unique_ptr<GgufFile>> OpenGgufFile(io::Env& env, const std::string& path,
                                               const GgufOptions& options = {});

}  // namespace dokja
