// Reader for Hugging Face safetensors files, single or sharded.
//
// Byte layout of a .safetensors file (all integers little-endian):
//   1. u64 N: the length in bytes of the JSON header that follows.
//      N <= kSafetensorsMaxHeaderBytes (100,000,000, the reference's
//      MAX_HEADER_SIZE) and 8 + N <= file size.
//   2. N bytes of UTF-8 JSON: one object, starting with '{' at byte 8. Writers
//      pad it with trailing spaces so the data starts 8-byte aligned.
//   3. Optionally the key "__metadata__": an object mapping strings to strings
//      (null is read as no metadata, as the reference does).
//   4. Every other key is a tensor name (unique) mapping to exactly
//        {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}
//      dtype one of BOOL U8 I8 U16 I16 U32 I32 U64 I64 F16 BF16 F32 F64
//      F8_E4M3 F8_E5M2; shape non-negative integers, outermost first ([] is a
//      scalar); [begin, end) relative to the first data byte, 8 + N.
//   5. The data buffer: bytes [8 + N, file size). Each tensor is stored
//      row-major, little-endian, in end - begin == numel * width bytes.
//      Sorted by begin, the tensors tile the buffer exactly: no holes, no
//      overlaps, and the last end equals the buffer size (trailing bytes are
//      rejected, as the reference rejects them: MetadataIncompleteBuffer).
//
// A sharded checkpoint is `<prefix>.safetensors.index.json`:
//   {"metadata": {"total_size": 123, ...}, "weight_map": {tensor: shard, ...}}
// with shard file names relative to the index's folder. See
// docs/formats/safetensors.md for every rule the reader enforces.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "io/env.h"
#include "tensorfile/tensor_file.h"

namespace dokja {

// Largest JSON header we parse (the reference implementation's limit).
inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;
// Largest index.json we read; real ones are under 10 MB even for 90k tensors.
inline constexpr uint64_t kSafetensorsMaxIndexBytes = 64 << 20;

// One safetensors checkpoint: a single file, or all shards of an index.
// Opening reads and validates headers only; tensor bytes are read on demand
// through TensorFile. The header text is dropped once parsed.
// Thread-safe: immutable after Open.
class SafetensorsFile final : public TensorFile {
 public:
  // Opens and validates one .safetensors file. Corrupt (naming the file and
  // the field) when the file breaks a rule above; Unsupported for dtypes of
  // newer safetensors versions (F4, F6_*, F8_E8M0, *FNUZ, C64); IOError or
  // NotFound when the file cannot be opened.
  static Result<std::unique_ptr<SafetensorsFile>> Open(io::Env& env, const std::string& path,
                                                       const io::OpenOptions& options = {});

  // Opens every shard named by an index.json once and checks that the index
  // and the shards agree: each weight_map entry lives in the shard it names,
  // no tensor is in two shards, and no shard holds a tensor the weight_map
  // leaves out. paths() lists the shards sorted by file name; tensors() runs
  // shard by shard, each in file order. Metadata holds the index's "metadata"
  // first, then each shard's __metadata__ keys not already present.
  static Result<std::unique_ptr<SafetensorsFile>> OpenSharded(io::Env& env,
                                                              const std::string& index_path,
                                                              const io::OpenOptions& options = {});

  TensorFormat format() const override { return TensorFormat::kSafetensors; }

 private:
  SafetensorsFile(std::vector<std::unique_ptr<io::RandomAccessFile>> files,
                  std::vector<TensorInfo> tensors, Metadata metadata)
      : TensorFile(std::move(files), std::move(tensors), std::move(metadata)) {}
};

}  // namespace dokja
