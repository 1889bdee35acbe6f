// The streamed neuron matching: the dot-product kernel against a plain loop,
// permuted rows found across chunks, and the best-of-n correction calibrated
// on independent matrices.
#include "audit/internal/match.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "audit/stats.h"

namespace dokja::audit::internal {
namespace {

std::vector<float> Random(uint64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n01;
  std::vector<float> v(n);
  for (float& x : v) x = n01(rng);
  return v;
}

TEST(Match, CrossDotsAgreesWithAPlainLoop) {
  // Sizes off every tile and block boundary: 5 x 7 rows, 1,030 columns.
  const uint64_t na = 5, nb = 7, m = 1030;
  const std::vector<float> a = Random(na * m, 1), b = Random(nb * m, 2);
  std::vector<float> out(na * nb);
  CrossDots(a.data(), na, b.data(), nb, m, out.data());
  for (uint64_t i = 0; i < na; ++i) {
    for (uint64_t j = 0; j < nb; ++j) {
      double want = 0;
      for (uint64_t k = 0; k < m; ++k) want += static_cast<double>(a[i * m + k]) * b[j * m + k];
      EXPECT_NEAR(out[i * nb + j], want, 1e-3 * std::sqrt(static_cast<double>(m))) << i << "," << j;
    }
  }
}

TEST(Match, PermutedRowsAreFoundAcrossChunks) {
  const uint64_t n = 700, cols = 96;
  std::vector<float> cand = Random(n * cols, 3);
  NormaliseRows(&cand, cols);
  // Reference row j is candidate row src[j], with noise (r ~ 0.9).
  std::vector<uint64_t> src(40);
  std::iota(src.begin(), src.end(), 0);
  for (uint64_t& s : src) s = (s * 331 + 17) % n;
  const std::vector<float> noise = Random(src.size() * cols, 4);
  std::vector<float> ref(src.size() * cols);
  for (uint64_t j = 0; j < src.size(); ++j) {
    for (uint64_t c = 0; c < cols; ++c) {
      ref[j * cols + c] = cand[src[j] * cols + c] + 0.05f * noise[j * cols + c];
    }
  }
  NormaliseRows(&ref, cols);
  BestRowMatch match(ref, cols);
  for (uint64_t begin = 0; begin < n; begin += 256) {
    const uint64_t end = std::min(n, begin + 256);
    match.Add(std::vector<float>(cand.begin() + static_cast<int64_t>(begin * cols),
                                 cand.begin() + static_cast<int64_t>(end * cols)),
              begin);
  }
  EXPECT_EQ(match.best_row(), src);
  for (double r : match.best_r()) EXPECT_GT(r, 0.8);
}

TEST(Match, BestOfNCorrectionIsCalibratedOnIndependentMatrices) {
  // Under independence, a reference row's best match among n is "significant
  // at 5%" after the x n correction at most about 5% of the time.
  const uint64_t n = 1000, cols = 128, k = 64;
  int significant = 0, total = 0;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    std::vector<float> cand = Random(n * cols, 100 + seed), ref = Random(k * cols, 200 + seed);
    NormaliseRows(&cand, cols);
    NormaliseRows(&ref, cols);
    BestRowMatch match(ref, cols);
    match.Add(cand, 0);
    for (double r : match.best_r()) {
      const double log10_p = BonferroniLog10(NormalLog10Upper(r * std::sqrt(static_cast<double>(cols))), n);
      significant += log10_p <= std::log10(0.05);
      ++total;
      EXPECT_GT(log10_p, -6) << "a chance match must not pass the audit's threshold";
    }
  }
  EXPECT_LE(significant, total * 0.08) << significant << " of " << total;
}

TEST(Match, NormaliseRowsGivesPearsonDotProducts) {
  std::vector<float> v = {1, 2, 3, 4, 5, 5, 5, 5};
  NormaliseRows(&v, 4);
  double mean = 0, ss = 0;
  for (int c = 0; c < 4; ++c) mean += v[c], ss += v[c] * v[c];
  EXPECT_NEAR(mean, 0, 1e-6);
  EXPECT_NEAR(ss, 1, 1e-6);
  for (int c = 4; c < 8; ++c) EXPECT_EQ(v[c], 0.0f) << "a constant row carries nothing";
}

}  // namespace
}  // namespace dokja::audit::internal
