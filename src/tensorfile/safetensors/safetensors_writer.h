// Writers for safetensors files: one file from memory or streamed chunk by
// chunk, and sharded checkpoints with a `<prefix>.safetensors.index.json`.
//
// Output matches the reference writer's layout: u64 header length, the JSON
// header padded with spaces to a multiple of 8 bytes (so the data buffer
// starts 8-byte aligned), then the tensors' bytes back to back. Tensors are
// written in the order given (the reference sorts by alignment, then name;
// readers must not depend on either). Errors are values: InvalidArgument for
// bad input, IOError for failed writes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "tensorfile/dtype.h"

namespace dokja {

// Where writers put bytes. Not thread-safe: one writer at a time.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Appends `bytes`, which need only stay valid during the call.
  virtual Status Append(ByteView bytes) = 0;
  // Flushes and commits. Call once, after the last Append.
  virtual Status Close() = 0;
};

// A sink writing `path`. Bytes go to `path + ".tmp"`, which Close() renames
// over `path`, so readers never see a half-written file; a sink destroyed
// without a successful Close() removes the temporary file.
Result<std::unique_ptr<ByteSink>> NewFileSink(const std::string& path);

// A sink appending to a string the caller owns (tests, fuzz seeds).
class StringSink final : public ByteSink {
 public:
  // `out` must outlive the sink.
  explicit StringSink(std::string* out) : out_(*out) {}
  Status Append(ByteView bytes) override {
    out_.append(AsStringView(bytes));
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }

 private:
  std::string& out_;
};

// Fills `dst` with bytes [offset, offset + dst.size()) of a tensor's data.
// The writer asks for the bytes in order, in chunks of at most
// SafetensorsWriteOptions::buffer_bytes. A non-OK status stops the write.
using TensorFillFn = std::function<Status(uint64_t offset, std::span<std::byte> dst)>;

// One tensor to write: row-major, little-endian bytes of `dtype`.
struct TensorToWrite {
  std::string name;
  DType dtype = DType::kF32;
  // Outermost dimension first; [] is a scalar.
  std::vector<uint64_t> shape;
  // The bytes, when they are in memory; must stay valid during the write.
  ByteView bytes = {};
  // When set, the bytes come from here instead of `bytes` (streaming).
  TensorFillFn fill = nullptr;
};

// String metadata, stored as `__metadata__` (sorted by key; omitted if empty).
using SafetensorsMetadata = std::map<std::string, std::string>;

struct SafetensorsWriteOptions {
  // Chunk size for streamed tensors: one buffer of this size is allocated.
  size_t buffer_bytes = 8 << 20;  // 8 MiB; few syscalls, bounded memory
};

// Writes a whole safetensors file to `sink` (without closing it).
// InvalidArgument when a name repeats, is "__metadata__" or is not UTF-8; when
// a dtype has no safetensors name (ggml block types); when `bytes` is not
// exactly numel * width bytes; or when the header would exceed the reader's cap.
Status WriteSafetensors(ByteSink& sink, const std::vector<TensorToWrite>& tensors,
                        const SafetensorsMetadata& metadata,
                        const SafetensorsWriteOptions& options = {});

// WriteSafetensors into a file (via NewFileSink: all or nothing).
Status WriteSafetensorsFile(const std::string& path, const std::vector<TensorToWrite>& tensors,
                            const SafetensorsMetadata& metadata,
                            const SafetensorsWriteOptions& options = {});

// The whole file as bytes; for small files (tests, fuzz seeds).
Result<std::string> SerializeSafetensors(const std::vector<TensorToWrite>& tensors,
                                         const SafetensorsMetadata& metadata);

// Opens the sink for one output file of a sharded write.
using SinkOpener = std::function<Result<std::unique_ptr<ByteSink>>(const std::string& path)>;

struct ShardedWriteOptions {
  // A shard takes tensors in order while its data stays within this; a
  // tensor larger than the limit gets a shard of its own.
  uint64_t max_shard_bytes = 5'000'000'000;  // Hugging Face's default "5GB"
  // Files are <prefix>-00001-of-0000N.safetensors and <prefix>.safetensors.index.json.
  std::string prefix = "model";
  size_t buffer_bytes = 8 << 20;
  // Empty: real files through NewFileSink.
  SinkOpener open_sink = nullptr;
};

struct ShardedWriteResult {
  std::string index_path;
  std::vector<std::string> shard_paths;
};

// Splits `tensors` across shards in `dir` (which must exist) and writes the
// index: {"metadata": {"total_size": <sum of tensor bytes>}, "weight_map":
// {name: shard}}. `metadata` goes into every shard's __metadata__. Always
// writes an index, even for one shard.
Result<ShardedWriteResult> WriteShardedSafetensors(const std::string& dir,
                                                   const std::vector<TensorToWrite>& tensors,
                                                   const SafetensorsMetadata& metadata,
                                                   const ShardedWriteOptions& options = {});

}  // namespace dokja
