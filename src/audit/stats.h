// Calibrated statistics for the originality audit.
//
// No verdict rests on raw cosine of vectors with non-zero mean (norm gains of
// unrelated models all sit near 1, so their cosine is near 1 for any pair).
// We centre every tensor and use a self-normalised statistic of the products
// of centred values,
//     T = sum_i x_i / sqrt(sum_i x_i^2),   x_i = (a_i - mean a)(b_i - mean b),
// which under independence of the two models (E[x_i] = 0) is asymptotically
// standard normal even when the entries' variances differ from row to row or
// correlate between the models (as row norms of embeddings of frequent tokens
// do in unrelated models). p-values are reported as log10, computed in log
// space so that 1e-5000 is representable.
#pragma once

#include <cstdint>
#include <span>

namespace dokja::audit {

// log10 P(Z >= z) for a standard normal Z: from erfc for z < 37, by the
// asymptotic (Mills ratio) series beyond, where its error is below 1e-12
// relative; finite for z up to ~1e150.
double NormalLog10Upper(double z);

// Stouffer's combined z of independent z-scores: sum z / sqrt(k). 0 for k = 0.
double StoufferZ(std::span<const double> z);

// Bonferroni correction in log space: min(0, log10 p + log10 m).
double BonferroniLog10(double log10_p, uint64_t m);

// One-pass accumulation of the centred products of paired values.
// Thread-compatible.
class PairedMoments {
 public:
  void Add(const float* a, const float* b, uint64_t n);
  uint64_t n() const { return n_; }
  // Pairs skipped because either value was NaN or infinite: they carry no
  // evidence, and one would turn every sum into NaN.
  uint64_t n_nonfinite() const { return n_nonfinite_; }
  bool identical() const { return identical_; }  // every a_i == b_i so far (bitwise, -0 == 0)
  // Self-normalised statistic T (0 when degenerate: a constant side).
  double T() const;
  // Pearson correlation of the paired values (an effect size, not a test).
  double Pearson() const;
  // Raw cosine of the uncentred vectors: shown in reports only to explain why
  // it is not evidence (for norm gains it is ~1 for any two models).
  double Cosine() const;
  // Variance of each side (population).
  double VarA() const;
  double VarB() const;

 private:
  uint64_t n_ = 0;
  uint64_t n_nonfinite_ = 0;
  bool identical_ = true;
  // Sums of a, b, a^2, b^2, ab, a^2 b, a b^2, a^2 b^2.
  double sa_ = 0, sb_ = 0, saa_ = 0, sbb_ = 0, sab_ = 0, saab_ = 0, sabb_ = 0, saabb_ = 0;
};

}  // namespace dokja::audit
