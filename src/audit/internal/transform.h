// The search for function-preserving edits that disguise a derived model
// (align.h), run once per comparison before any statistic:
//  1. the signed permutation of hidden dimensions, from the token embeddings;
//  2. per layer, when the sampled rows of the up projection do not already
//     line up, the MLP neurons: each reference neuron the statistic samples
//     (SampleRows(d_ff, max_sample_rows)) is matched to its best-correlated
//     candidate neuron among all d_ff, the candidate's rows streamed in
//     chunks (O(samples * d_ff * d) time, O(chunk * d) memory per layer);
//  3. per layer, the attention heads: a few rows of every head (the same
//     offsets within each head) matched head to head, expanded to all rows.
// Each match is kept only when every matched item is significant at
// log10_alpha after the correction for the choice, and distinct; otherwise
// the identity stays.
#pragma once

#include "audit/compare.h"
#include "audit/internal/audit_side.h"
#include "base/status.h"

namespace dokja::audit::internal {

// Sets a.transform; b is the reference. Clears a's sample cache.
Status FindTransform(AuditSide& a, const AuditSide& b, const CompareOptions& opt);

}  // namespace dokja::audit::internal
