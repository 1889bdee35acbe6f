// Deep pairwise comparison: is a candidate model's component copied from,
// derived from, or independent of a reference model's?
//
// Evidence per paired tensor (same canonical role; layers mapped when depths
// differ; experts mapped to a dense MLP; embedding rows mapped by index when
// vocabularies differ):
//   identical   every value equal (checked over the whole tensor)
//   T           self-normalised statistic of centred products (stats.h) on
//               deterministically sampled rows: ~N(0,1) under independence
// Per component, Stouffer's z over its tensors gives log10 p of "related",
// Bonferroni-corrected for the references screened. How much of the weights
// is kept (median Pearson r of the matrices) then separates a transfer of
// trained weights (DERIVED) from two runs that merely share a random
// initialisation (SHARED-INIT). The test on constant-initialised parameters
// (norm gains) is reported beside it: siblings trained from one seed co-evolve
// their gains too, so it cannot make that call alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "tensorfile/canonical_name.h"
#include "tensorfile/model.h"

namespace dokja::audit {

enum class Verdict { kCopied, kDerived, kSharedInit, kOriginal, kInconclusive };
std::string_view VerdictName(Verdict v);  // "COPIED", "DERIVED", ...

struct CompareOptions {
  // Rows read per tensor for the statistics (evenly spaced, deterministic).
  uint32_t max_sample_rows = 64;
  // The stated error rate: evidence must reach log10 p <= log10_alpha.
  double log10_alpha = -6.0;
  // References screened, for the Bonferroni correction.
  uint64_t n_references = 1;
  // Among related components, DERIVED needs trained weights to be largely
  // kept: the best-kept role family's median Pearson r at least this. Fine-tunes,
  // continued pre-training, quantisation and pruning keep r near 1 (0.93+ on
  // our fixtures); two runs from one random initialisation keep only the init's
  // share (r ~0.3 on our fixtures), which is SHARED-INIT.
  double derived_min_pearson = 0.6;
};

struct TensorEvidence {
  std::string candidate;  // canonical name in the candidate
  std::string reference;  // canonical name it was paired with
  std::string mapping;    // "same", "layer 3->2", "expert->dense", "rows [0, 256)"
  bool identical = false;
  bool constant_init = false;  // a norm parameter: initialised to a constant
  double t = 0;                // self-normalised statistic
  double z = 0;                // T after any correction for a chosen mapping
  double pearson = 0;          // effect size
  uint64_t n_values = 0;       // values compared
  uint64_t n_nonfinite = 0;    // value pairs skipped for NaN / Inf
};

struct ComponentVerdict {
  std::string component;  // "text", "token_embd", "lm_head", "vision[visual]", ...
  Verdict verdict = Verdict::kInconclusive;
  std::string reason;
  double log10_p = 0;          // relation, all paired tensors, corrected
  double log10_p_trained = 0;  // relation, constant-init parameters only, corrected
  double median_pearson = 0;   // best-kept role family's median r (effect size)
  uint32_t n_tensors = 0;      // candidate tensors in the component
  uint32_t n_paired = 0;
  uint32_t n_identical = 0;
  uint32_t n_constant_init = 0;
  std::vector<TensorEvidence> tensors;
};

// For one role family, T of every (candidate layer, reference layer) pair.
struct LayerMap {
  int32_t n_candidate = 0, n_reference = 0;
  std::vector<double> z;         // [n_candidate][n_reference], Stouffer over matrix roles
  std::vector<int32_t> mapped;   // reference layer chosen per candidate layer (-1: none)
};

struct Comparison {
  std::string candidate, reference;
  // Function-preserving edits undone before comparing (align.h).
  bool hidden_permuted = false;        // a signed permutation of hidden dims was found
  int32_t neuron_permuted_layers = 0;  // layers whose MLP neurons were re-matched
  int32_t head_permuted_layers = 0;    // layers whose attention heads were re-matched
  // All paired norm gains together: the raw cosine the public argument used,
  // next to the centred Pearson correlation and the calibrated statistic.
  double norm_gain_cosine = 0;
  double norm_gain_pearson = 0;
  double norm_gain_log10_p = 0;
  uint64_t norm_gain_values = 0;
  std::vector<ComponentVerdict> components;
  LayerMap layer_map;
};

// The component a tensor belongs to: "text" (the blocks), "token_embd",
// "lm_head", "vision[<tower>]", "audio[<tower>]", "projector[<tower>]", "unknown".
std::string ComponentKey(const CanonicalName& c);

Result<Comparison> CompareModels(const Model& candidate, const Model& reference,
                                 const CompareOptions& options = {});

}  // namespace dokja::audit
