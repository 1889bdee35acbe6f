#include "audit/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace dokja::audit {
namespace {

TEST(NormalLog10Upper, MatchesKnownTailsNearAndFar) {
  EXPECT_NEAR(NormalLog10Upper(0.0), std::log10(0.5), 1e-12);
  EXPECT_NEAR(NormalLog10Upper(1.959963985), std::log10(0.025), 1e-8);
  EXPECT_NEAR(NormalLog10Upper(-1.959963985), std::log10(0.975), 1e-8);
  // Q(10) = 7.61985302416e-24 (tables).
  EXPECT_NEAR(NormalLog10Upper(10.0), std::log10(7.61985302416e-24), 1e-9);
  // Continuous where the two methods meet.
  EXPECT_NEAR(NormalLog10Upper(36.999999), NormalLog10Upper(37.000001), 1e-4);
  // Far tail: ln Q(z) ~ -z^2/2 - ln z - ln sqrt(2 pi).
  const double z = 100.0;
  const double expect = (-z * z / 2 - std::log(z) - 0.5 * std::log(2 * M_PI)) / std::log(10.0);
  EXPECT_NEAR(NormalLog10Upper(z), expect, 1e-3);
  EXPECT_TRUE(std::isfinite(NormalLog10Upper(1e6)));
}

TEST(Stouffer, CombinesAndCorrects) {
  std::vector<double> z = {1.0, 2.0, 3.0};
  EXPECT_NEAR(StoufferZ(z), 6.0 / std::sqrt(3.0), 1e-12);
  EXPECT_EQ(StoufferZ({}), 0.0);
  EXPECT_NEAR(BonferroniLog10(-10, 1000), -7, 1e-12);
  EXPECT_EQ(BonferroniLog10(-1, 1000), 0.0);
}

TEST(PairedMoments, PearsonAndIdentityFromOnePass) {
  std::vector<float> a = {1, 2, 3, 4, 5}, b = {2, 4, 6, 8, 10.5f};
  PairedMoments m;
  m.Add(a.data(), b.data(), 2);
  m.Add(a.data() + 2, b.data() + 2, 3);
  double ma = 3, mb = 6.1, sab = 0, saa = 0, sbb = 0;
  for (int i = 0; i < 5; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  EXPECT_NEAR(m.Pearson(), sab / std::sqrt(saa * sbb), 1e-12);
  EXPECT_FALSE(m.identical());
  PairedMoments same;
  same.Add(a.data(), a.data(), a.size());
  EXPECT_TRUE(same.identical());
  EXPECT_NEAR(same.Pearson(), 1.0, 1e-12);
}

TEST(PairedMoments, ConstantSideCarriesNoEvidence) {
  std::vector<float> ones(100, 1.0f), x(100);
  for (int i = 0; i < 100; ++i) x[i] = static_cast<float>(i);
  PairedMoments m;
  m.Add(ones.data(), x.data(), 100);
  EXPECT_EQ(m.T(), 0.0);
}

// The calibration that matters: unrelated "models" whose entries share a
// heteroscedastic structure (row scales common to both, as token frequency
// makes embedding rows of unrelated models large together) must still give
// T ~ N(0, 1). Raw Pearson-based z would be inflated here.
TEST(PairedMoments, SelfNormalisedStatisticIsCalibratedUnderIndependence) {
  std::mt19937_64 rng(42);
  std::normal_distribution<float> n01(0.0f, 1.0f);
  const int trials = 400, rows = 64, cols = 64;
  std::vector<float> scale(rows);
  for (int r = 0; r < rows; ++r) scale[r] = std::exp(2.0f * n01(rng));  // very uneven rows
  double sum = 0, sum_sq = 0;
  int beyond_3 = 0;
  for (int t = 0; t < trials; ++t) {
    std::vector<float> a(rows * cols), b(rows * cols);
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        a[r * cols + c] = scale[r] * n01(rng) + 1.0f;  // non-zero mean, like norm gains
        b[r * cols + c] = scale[r] * n01(rng) + 1.0f;
      }
    }
    PairedMoments m;
    m.Add(a.data(), b.data(), a.size());
    const double T = m.T();
    sum += T;
    sum_sq += T * T;
    beyond_3 += std::abs(T) > 3;
  }
  const double mean = sum / trials, var = sum_sq / trials - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.2);
  EXPECT_NEAR(var, 1.0, 0.25);
  EXPECT_LE(beyond_3, 6);  // expect ~1 of 400 at |z| > 3
}

TEST(PairedMoments, NonFiniteValuesAreSkippedNotPropagated) {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> n01;
  std::vector<float> a(2000), b(2000);
  for (size_t i = 0; i < a.size(); ++i) a[i] = n01(rng), b[i] = n01(rng);
  a[5] = NAN;
  b[7] = INFINITY;
  PairedMoments m;
  m.Add(a.data(), b.data(), a.size());
  EXPECT_EQ(m.n(), 1998u);
  EXPECT_EQ(m.n_nonfinite(), 2u);
  EXPECT_TRUE(std::isfinite(m.T()));
  EXPECT_LT(std::abs(m.T()), 5.0);  // independent: no evidence, and no NaN verdict
  EXPECT_TRUE(std::isfinite(m.Pearson()));
}

TEST(PairedMoments, FineTunedCopyIsOverwhelming) {
  std::mt19937_64 rng(7);
  std::normal_distribution<float> n01(0.0f, 1.0f);
  std::vector<float> a(4096), b(4096);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = 0.02f * n01(rng);
    b[i] = a[i] + 0.005f * n01(rng);  // a small update on top
  }
  PairedMoments m;
  m.Add(a.data(), b.data(), a.size());
  EXPECT_GT(m.T(), 30.0);
  EXPECT_LT(NormalLog10Upper(m.T()), -100);
}

}  // namespace
}  // namespace dokja::audit
