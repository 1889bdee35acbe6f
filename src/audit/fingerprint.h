// Model fingerprints: a compact summary of a model's weights that screening
// needs, so a candidate can be screened against many references without
// their weights (docs/formats/fingerprint.md has the byte layout and the
// size formula).
//
// Per tensor:
//   content hash   XXH3-64 over the values converted to f32 bits (-0 -> +0,
//                  every NaN -> one quiet NaN), row by row in canonical row
//                  order (GGUF's interleaved q/k rows mapped back to HF
//                  order): identical values give one hash whether stored as
//                  bf16, f16, f32 or in GGUF. Quantised types hash their
//                  dequantised values.
//   row sketch     the K smallest distinct hashes of non-constant rows
//                  (bottom-k), so copied rows and partial copies show up as
//                  overlap even when the tensors differ elsewhere.
//   samples        values (f16) at R x C positions: the R rows and C columns
//                  whose index hashes are smallest. Bottom-k by index hash is
//                  nested, so two models whose row counts differ (vocabulary
//                  expansion) still share most sampled rows.
//   statistics     mean, standard deviation, largest |value|, non-finite count.
//   invariant      for embeddings and heads, a hash per sampled row of its
//                  sorted |values|: equal after a signed permutation of the
//                  hidden dimensions (the classic disguise of a copy).
// Per model: anchor-token embeddings (rows of the token embedding for a fixed
// list of common token strings) when a tokenizer is present.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "tensorfile/dtype.h"
#include "tensorfile/model.h"

namespace dokja::audit {

struct FingerprintOptions {
  uint32_t sample_rows = 32;    // R: rows sampled per tensor (all rows when fewer)
  uint32_t sample_cols = 32;    // C: columns sampled per row (all when fewer)
  uint32_t sketch_min = 64;     // K = clamp(n_rows / sketch_div, sketch_min, sketch_max)
  uint32_t sketch_max = 1024;
  uint32_t sketch_div = 64;
  uint32_t anchor_cols = 256;   // embedding columns kept per anchor token
  // Values per read while streaming a tensor (rounded to whole rows): small
  // enough that the f32 chunk stays in L2 between the conversion and the hash.
  uint64_t chunk_elems = 1 << 16;
  // Threads fingerprinting tensors side by side; 0: the hardware's, at most 8.
  // The result does not depend on it.
  uint32_t threads = 0;
  // How far ahead of the reader the page cache is filled (posix_fadvise).
  uint64_t read_ahead_bytes = 512ull << 20;
};

struct TensorFingerprint {
  std::string name;        // as stored
  std::string canonical;   // CanonicalName::ToString(), e.g. "text.blk.3.attn_q.weight"
  std::string component;   // "text", "token_embd", "lm_head", "vision[visual]", ...
  int32_t layer = -1;
  uint8_t role = 0;        // dokja::Role
  DType dtype = DType::kF32;
  std::vector<uint64_t> shape;
  // Flags.
  bool constant = false;     // every value equal (zero biases, fresh norm gains)
  bool raw_hash = false;     // a type we cannot dequantise: hash of the stored bytes
  uint64_t content_hash = 0;
  // Statistics over finite values.
  double mean = 0, stddev = 0;
  float abs_max = 0;
  uint64_t n_nonfinite = 0;
  // Distinct non-constant rows; row_sketch holds the smallest K of their hashes, ascending.
  uint64_t n_sketch_rows = 0;
  std::vector<uint64_t> row_sketch;
  // Canonical row and column indices of the samples, ascending; samples are
  // f16 bits, row-major [sample_rows.size()][sample_cols.size()].
  std::vector<uint64_t> sample_rows;
  std::vector<uint32_t> sample_cols;
  std::vector<uint16_t> samples;
  // Embeddings and heads only (else empty): per sampled row, XXH3-64 of the
  // row's sorted |value| bits, which a signed permutation of the hidden
  // dimensions leaves unchanged.
  std::vector<uint64_t> invariant_hashes;

  uint64_t n_rows() const {
    if (shape.size() <= 1) return 1;
    return shape.back() == 0 ? 0 : n_elements() / shape.back();
  }
  uint64_t row_elements() const { return shape.empty() ? 1 : shape.back(); }
  uint64_t n_elements() const;
};

struct AnchorEmbedding {
  std::string token;   // normalised: a leading "Ġ" or "▁" becomes a space
  uint64_t token_id = 0;
  std::vector<uint16_t> values;  // f16 bits at Fingerprint::anchor_cols of the embedding row
};

struct Fingerprint {
  static constexpr uint32_t kVersion = 1;
  std::string source;        // the path fingerprinted
  std::string format;        // "safetensors" or "gguf"
  std::string architecture;  // from config.json / GGUF metadata, may be empty
  uint64_t n_params = 0;     // values over all tensors
  uint64_t tensor_bytes = 0; // stored bytes over all tensors
  FingerprintOptions options;
  std::vector<TensorFingerprint> tensors;
  // Columns of the embedding kept for anchors (the anchor_cols with the
  // smallest column-index hashes), ascending; every anchor has one value per column.
  std::vector<uint32_t> anchor_cols;
  std::vector<AnchorEmbedding> anchors;
};

// Reads every tensor once by pread, the threads taking tensors in file order
// (so the file is read front to back), with the page cache filled ahead.
Result<Fingerprint> ComputeFingerprint(const Model& model, const FingerprintOptions& options = {});

// Sizes a tensor's sketch and sample for `shape` (the same rule ComputeFingerprint uses).
struct FingerprintPlan {
  uint64_t sketch_k = 0, sample_rows = 0, sample_cols = 0;
};
FingerprintPlan PlanTensor(const std::vector<uint64_t>& shape, const FingerprintOptions& options);

// The hash that ranks row (column = false) or column indices for sampling:
// a tensor's sampled rows are the R indices in [0, n_rows) with the smallest
// hashes, so a smaller sample of the same tensor is always a subset.
uint64_t SampleIndexHash(uint64_t index, bool column);

// The canonical f32 bits of a value: -0 -> +0, any NaN -> 0x7fc00000.
uint32_t CanonicalF32Bits(float v);

// Serialised bytes (docs/formats/fingerprint.md) and back. Parse returns
// Corrupt naming the field for anything malformed, never allocating more
// than the input's size justifies.
std::string SerializeFingerprint(const Fingerprint& fp);
Result<Fingerprint> ParseFingerprint(std::string_view bytes, const std::string& what);

Status WriteFingerprintFile(const std::string& path, const Fingerprint& fp);
Result<Fingerprint> ReadFingerprintFile(const std::string& path);
// True when the file starts with the fingerprint magic.
bool LooksLikeFingerprintFile(const std::string& path);

}  // namespace dokja::audit
