// One model's side of a deep comparison (compare.h): its tensors by
// canonical name, the function-preserving edits undone on the candidate,
// and reads of sampled rows in the reference's coordinates.
//
// The candidate's transform maps its coordinates to the reference's:
//  - hidden   a signed permutation of the residual-stream dimensions (full);
//  - heads    per layer, a permutation of attention heads (full, expanded to rows);
//  - neurons  per layer, a partial map of MLP neurons: for each reference
//             neuron the statistic samples, the candidate neuron it came from.
//             Only those neurons are matched (match.h), so the down
//             projection is compared on those columns alone.
// Not thread-safe: one comparison owns its two sides.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "audit/align.h"
#include "base/port/file.h"
#include "base/status.h"
#include "tensorfile/canonical_name.h"
#include "tensorfile/model.h"

namespace dokja::audit::internal {

// A tensor by canonical name, with q/k rows of interleaved-rope GGUF files
// presented in HF order.
struct AuditTensor {
  CanonicalName canon;
  std::string key;
  const TensorInfo* info = nullptr;
  std::vector<uint32_t> stored_of_hf;  // empty: rows as stored
};

// Reference neuron ref_rows[i] is candidate neuron cand_rows[i]; ref_rows is
// sorted (the statistic's sampled rows, SampleRows(n_neurons, ...)).
struct NeuronMatch {
  uint64_t n_neurons = 0;
  std::vector<uint64_t> ref_rows, cand_rows;
  double worst_log10_p = 0;  // weakest matched neuron, corrected for the choice among n_neurons
};

// Maps candidate coordinates to the reference's; empty: identity.
struct Transform {
  SignedPermutation hidden;                  // residual-stream dimensions
  std::map<int32_t, NeuronMatch> neurons;    // per layer: sampled MLP neurons
  std::map<int32_t, HeadAlignment> heads;    // per layer: attention heads
  bool active() const { return !hidden.perm.empty() || !neurons.empty() || !heads.empty(); }
};

// Sampled rows of a tensor, prepared for the statistic (rows centred and the
// top direction removed for 2-D tensors), plus a hash of the values for the
// exact-copy check.
struct Sample {
  std::vector<float> prepared;
  uint64_t raw_hash = 0;
  uint64_t raw_size = 0;
};

struct AuditSide {
  const Model* model = nullptr;
  Transform transform;  // only ever set on the candidate
  std::vector<AuditTensor> tensors;
  std::map<std::string, size_t> by_key;
  int32_t n_layers = 0;
  // Prepared samples by (tensor index, rows sampled from, columns restricted).
  std::map<std::tuple<size_t, uint64_t, bool>, Sample> samples;
  // The weight files, opened once more for read-ahead hints (invalid: none).
  std::vector<port::FileHandle> hint_handles;
};

// The model's tensors by canonical name.
AuditSide PrepareSide(const Model& m);

// The tensor with canonical key `key`, or nullptr when absent.
const AuditTensor* FindKey(const AuditSide& side, const std::string& key);

// max_rows evenly spaced indices of [0, n_rows) (all of them when fewer).
// Depends only on the sizes, never on the weights.
std::vector<uint64_t> SampleRows(uint64_t n_rows, uint32_t max_rows);

// Logical (HF-order) rows of a tensor as f32, as stored, row after row.
Result<std::vector<float>> ReadRows(const AuditSide& side, const AuditTensor& t,
                                    const std::vector<uint64_t>& rows);

// Rows `rows` of `t` in reference coordinates (the side's transform undone),
// restricted to columns `cols` in reference coordinates (empty: all). Reads
// only the candidate rows those come from. Fails when a row or column needs
// a neuron the partial neuron map does not cover.
Result<std::vector<float>> ReadAlignedRows(const AuditSide& side, const AuditTensor& t,
                                           const std::vector<uint64_t>& rows,
                                           const std::vector<uint64_t>& cols = {});

// Asks the kernel to start reading stored rows `rows` of `t` (logical
// rows; no transform) into the page cache, so that many scattered sampled
// reads wait on the disk together instead of one after another. A hint only.
void PrefetchRows(const AuditSide& side, const AuditTensor& t, const std::vector<uint64_t>& rows);

// The whole tensor with only the hidden permutation undone (rows left in the
// candidate's order): enough for column norms.
Result<Dense> ReadHiddenAligned(const AuditSide& side, const AuditTensor& t);

// The whole tensor as stored.
Result<Dense> ReadDense(const AuditSide& side, const AuditTensor& t);

// True when the candidate tensor `t` is compared on the matched neurons only:
// a down projection of a layer whose neurons were re-matched.
bool RestrictedToMatchedNeurons(const AuditSide& side, const AuditTensor& t);

}  // namespace dokja::audit::internal
