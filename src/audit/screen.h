// Screening: a candidate's fingerprint against many reference fingerprints,
// cheaply, to decide which references deserve the deep comparison.
//
// Per reference entry and candidate component:
//   exact      candidate tensors whose content hash equals one of the
//              entry's (constant tensors and rotary tables excluded: they
//              are the same in unrelated models); every informative tensor
//              of a component matched -> COPIED.
//   rows       overlap of the bottom-k row sketches of same-named tensors:
//              identical non-constant rows are evidence of a (partial) copy;
//              sampled embedding/head rows whose sorted |values| agree are
//              copies behind a signed permutation of the hidden dimensions.
//   samples    the aligned samples (same canonical tensor, same row length,
//              rows and columns both sampled) give the self-normalised
//              statistic T of stats.h per tensor (~N(0,1) for independent
//              models), after each side's sample is centred per row (and,
//              for embeddings and heads, stripped of its top direction);
//              Stouffer per component; anchor-token rows add one more T to
//              token_embd. log10 p is Bonferroni-corrected over the entries
//              screened. Raw cosine is never used.
// An entry is a suspect when some component is COPIED, shares rows (plain or
// permuted), or reaches log10 p <= log10_alpha.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audit/fingerprint.h"

namespace dokja::audit {

struct ScreenOptions {
  double log10_alpha = -6.0;  // the stated error rate, as in CompareOptions
  // Entries screened, for the Bonferroni correction; 0 means "the entries given".
  uint64_t n_entries = 0;
};

struct ScreenComponent {
  std::string component;
  bool copied = false;          // every informative tensor has an exact match
  uint32_t n_tensors = 0;       // candidate tensors in the component
  uint32_t n_informative = 0;   // non-constant, not a rotary table
  uint32_t n_exact = 0;         // informative tensors with an exact content match
  uint32_t n_paired = 0;        // tensors with aligned samples
  uint64_t n_values = 0;        // aligned sample values
  uint64_t shared_rows = 0;     // sketch hashes found in both
  double row_containment = 0;   // largest estimated share of a tensor's rows found in the entry's
  uint32_t permuted_rows = 0;   // sampled rows equal up to a signed permutation of columns
  double z = 0;                 // Stouffer z of the paired tensors' T
  double log10_p = 0;           // relation, Bonferroni-corrected over entries
};

struct ScreenEntryResult {
  std::string name;          // registry name (or the fingerprint's source)
  std::string weights_path;  // where the entry's weights are, if known
  bool suspect = false;
  std::string why;           // one line: what made it a suspect, or "no evidence"
  double log10_p = 0;        // strongest component
  std::vector<ScreenComponent> components;
};

struct Screening {
  std::string registry;      // the registry screened (path), may be empty
  uint64_t n_entries = 0;
  double log10_alpha = -6.0;
  double seconds = 0;        // wall time of the screening itself
  // Suspects first (COPIED, then by log10 p), then the rest by log10 p.
  std::vector<ScreenEntryResult> entries;
};

// One reference to screen against; borrows the fingerprint.
struct ScreenTarget {
  std::string name;
  std::string weights_path;
  const Fingerprint* fingerprint = nullptr;
};

// Runs fn(0), ..., fn(n - 1) on up to 8 threads (the hardware's count).
void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

// Screens `candidate` against every target, targets in parallel.
// Thread-compatible; no I/O.
Screening ScreenFingerprint(const Fingerprint& candidate, const std::vector<ScreenTarget>& targets,
                            const ScreenOptions& options = {});

// Orders entries as Screening::entries documents.
void SortScreening(Screening* s);

// The first screening stage's smaller fingerprint (kept beside the full one in
// the registry): per tensor the kDigestSide x kDigestSide sample positions
// with the smallest index hashes (a subset of the full sample, by the nesting
// of SampleIndexHash), the kDigestSketch smallest sketch hashes (a valid
// bottom-k of its own), and anchors at their kDigestSide^2 smallest-hash
// columns; stored names are dropped (canonical names stay).
inline constexpr uint32_t kDigestSide = 8;
inline constexpr uint32_t kDigestSketch = 16;
Fingerprint ScreeningDigest(const Fingerprint& fp);

// Whether a first-stage result deserves the full fingerprints: an exact or
// row match, or some component with uncorrected z >= 3.
bool WorthFullScreen(const ScreenEntryResult& e);

}  // namespace dokja::audit
