// Undoing function-preserving edits before comparing weights.
//
// A derived model can be disguised without changing what it computes:
//  - a signed permutation of the hidden (residual-stream) dimensions, applied
//    to the embeddings, every matrix that reads or writes the residual stream,
//    and the norm gains;
//  - a permutation of each layer's MLP neurons (rows of gate/up, columns of
//    down);
//  - a permutation of each layer's attention heads (row blocks of q, k and v
//    with their key/value group, column blocks of the output projection);
//  - norm gains folded into the matrices that follow them (gains set to 1).
// We recover the first from the token embeddings (the same token rows in both
// models: candidate column j matches the reference column with the largest
// |correlation|, with its sign), the second by matching neuron rows once the
// hidden dimensions are aligned, and the third by reading the reference's
// trained gains back out of the candidate's column norms.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"

namespace dokja::audit {

// A row-major matrix of f32 values.
struct Dense {
  uint64_t rows = 0, cols = 0;
  std::vector<float> v;
  float at(uint64_t r, uint64_t c) const { return v[r * cols + c]; }
};

// Candidate index j corresponds to reference index perm[j], with sign[j].
struct SignedPermutation {
  std::vector<uint32_t> perm;
  std::vector<int8_t> sign;
  // Worst matched column's log10 p of being a chance best match (after the
  // correction for picking the best of n).
  double worst_log10_p = 0;
  bool identity() const;
};

// Matches the columns of `cand` to those of `ref` (same rows, same cols).
// Returns nothing (ok, empty perm) unless the matching is a bijection in which
// every column is individually significant at log10_alpha.
SignedPermutation MatchColumns(const Dense& cand, const Dense& ref, double log10_alpha,
                               bool allow_sign);

// A cheap pre-screen for MatchColumns: true when every one of `probes`
// evenly spaced candidate columns has a significant best match among all
// reference columns (O(probes * d * n) instead of O(d^2 * n)). Unrelated
// models fail it at once, so the full matching runs only for related ones.
bool ColumnsLookMatchable(const Dense& cand, const Dense& ref, double log10_alpha,
                          uint64_t probes = 16);

// The transpose view: matches rows.
SignedPermutation MatchRows(const Dense& cand, const Dense& ref, double log10_alpha);

// Reorders candidate columns into reference order (out[:, perm[j]] = sign[j] * in[:, j]).
void ApplyToColumns(const SignedPermutation& p, Dense* m, bool use_sign = true);
// Reorders candidate rows into reference order (out[perm[j], :] = sign[j] * in[j, :]).
void ApplyToRows(const SignedPermutation& p, Dense* m, bool use_sign = true);

// Column L2 norms.
std::vector<float> ColumnNorms(const Dense& m);

// The transpose.
Dense Transposed(const Dense& m);

// Row r of the result is row r of a followed by row r of b. REQUIRES: equal rows.
Dense SideBySide(const Dense& a, const Dense& b);

// True when every column matches the column of the same index significantly
// (positively), i.e. there is nothing to re-align.
bool IdentityHolds(const Dense& a, const Dense& b, double log10_alpha);

// The same for rows: every row matches the row of the same index
// (IdentityHolds of the transposes, without transposing).
bool RowIdentityHolds(const Dense& a, const Dense& b, double log10_alpha);

// One layer's attention projections, hidden dimensions already aligned:
// q is [n_heads * head_dim, d], k and v are [n_kv_heads * head_dim, d].
struct AttentionWeights {
  Dense q, k, v;
};

// Row permutations that undo permuted attention heads (in candidate ->
// reference form, expanded to rows): kv_rows for k and v, q_rows for q and
// for the columns of the output projection. Key/value heads are matched on
// their [k | v] rows flattened, query heads on their q rows; a query head
// must land in the group of the key/value head it was matched with (GQA),
// or nothing is returned. Both empty when the heads are already in place,
// the shapes differ, or the matching is not significant throughout.
struct HeadAlignment {
  SignedPermutation q_rows, kv_rows;
  bool empty() const { return q_rows.perm.empty(); }
};
HeadAlignment MatchHeads(const AttentionWeights& cand, const AttentionWeights& ref, uint64_t head_dim,
                         double log10_alpha);

}  // namespace dokja::audit
