// GGUF writer: builds a GGUF v3 (or v2) file from metadata and tensors.
//
// Used by tests, fixture generation and the audit's quantised-derivative
// fixtures. The layout written is the one gguf_reader.h describes: header,
// KV pairs in the order added (plus `general.alignment` when the alignment is
// not the default), tensor infos in the order added, zero padding to the
// alignment, then each tensor's bytes padded with zeros to the alignment.
// Everything is held in memory, so it suits small and medium files.
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "tensorfile/dtype.h"
#include "tensorfile/metadata.h"

namespace dokja {

struct GgufWriterOptions {
  // 2 or 3; the two share one layout (v3 only added big-endian files).
  uint32_t version = 3;
  // Data alignment, a non-zero power of two; written as `general.alignment`
  // unless it is the default 32.
  uint32_t alignment = 32;
};

// Typed MetaValue builders for AddKv.
MetaValue MetaU8(uint8_t v);
MetaValue MetaI8(int8_t v);
MetaValue MetaU16(uint16_t v);
MetaValue MetaI16(int16_t v);
MetaValue MetaU32(uint32_t v);
MetaValue MetaI32(int32_t v);
MetaValue MetaU64(uint64_t v);
MetaValue MetaI64(int64_t v);
MetaValue MetaF32(float v);
MetaValue MetaF64(double v);
MetaValue MetaBool(bool v);
MetaValue MetaStr(std::string v);
// An array of `elem_type`; items must all have that type (checked by AddKv).
MetaValue MetaArr(MetaType elem_type, std::vector<MetaValue> items);

class GgufWriter {
 public:
  explicit GgufWriter(GgufWriterOptions options = {});

  // Adds a KV pair. InvalidArgument for an empty or duplicate key, the key
  // `general.alignment` (set it through the options), a value whose stored
  // alternative does not match its type, an integer outside its type's range,
  // or an array item whose type differs from the array's element type.
  Status AddKv(std::string key, MetaValue value);

  // Adds a tensor with a PyTorch-order shape (outermost first, at most 4
  // dims; written to the file innermost first). `bytes` are the stored bytes
  // and must be exactly the size the shape takes in `dtype`.
  // InvalidArgument for a duplicate or empty name, a dtype GGUF cannot hold,
  // a zero extent, rows that are not whole blocks or a size mismatch.
  Status AddTensor(std::string name, DType dtype, std::vector<uint64_t> shape, std::string bytes);

  // The whole file. InvalidArgument for bad options.
  Result<std::string> Build() const;
  // Build() written to `path` (created or truncated). IOError on failure.
  Status WriteFile(const std::string& path) const;

 private:
  struct PendingTensor {
    std::string name;
    DType dtype;
    std::vector<uint64_t> shape;
    std::string bytes;
  };

  GgufWriterOptions options_;
  Metadata metadata_;
  std::vector<PendingTensor> tensors_;
};

// Writes bytes to path, replacing it. IOError naming the path on failure.
Status WriteBytesToFile(const std::string& path, const std::string& bytes);

}  // namespace dokja
