#include "scoring/stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dokja::scoring {
namespace {

using Ratings = std::vector<std::vector<std::optional<double>>>;
constexpr std::nullopt_t kNa = std::nullopt;

TEST(KrippendorffAlpha, MatchesTheTextbookExampleWithMissingValues) {
  // Krippendorff (2011), "Computing Krippendorff's alpha-reliability": four
  // coders, twelve units, values 1..5, missing data; interval alpha = 0.849.
  const Ratings units = {
      {1, 1, kNa, 1}, {2, 2, 3, 2}, {3, 3, 3, 3},     {3, 3, 3, 3},     {2, 2, 2, 2},     {1, 2, 3, 4},
      {4, 4, 4, 4},   {1, 1, 2, 1}, {2, 2, 2, 2},     {kNa, 5, 5, 5},   {kNa, kNa, 1, 1}, {kNa, 3, kNa, kNa},
  };
  const AlphaResult r = KrippendorffAlphaInterval(units);
  ASSERT_TRUE(r.alpha.has_value());
  EXPECT_NEAR(*r.alpha, 0.849, 5e-4);
  EXPECT_EQ(r.n_units, 11u);  // unit 12 has one value: not pairable
  EXPECT_EQ(r.n_values, 40u);
}

TEST(KrippendorffAlpha, MatchesAHandComputedSmallCase) {
  // Units (1,2), (3,3), (5,4): D_o = (2 + 0 + 2) / 6, D_e = 120 / 30 = 4,
  // alpha = 1 - (2/3) / 4 = 5/6.
  const AlphaResult r = KrippendorffAlphaInterval({{1, 2}, {3, 3}, {5, 4}});
  ASSERT_TRUE(r.alpha.has_value());
  EXPECT_NEAR(*r.alpha, 5.0 / 6.0, 1e-12);
}

TEST(KrippendorffAlpha, PerfectAgreementIsOneAndNoVarianceIsUndefined) {
  EXPECT_NEAR(*KrippendorffAlphaInterval({{1, 1}, {4, 4}, {2, 2}}).alpha, 1.0, 1e-12);
  EXPECT_FALSE(KrippendorffAlphaInterval({{3, 3}, {3, 3}}).alpha.has_value());
  EXPECT_FALSE(KrippendorffAlphaInterval({{3, kNa}, {kNa, 2}}).alpha.has_value());
}

TEST(TrimmedMean, DropsFloorOfTheFractionFromEachEnd) {
  // 10 values, 10%: one from each end -> mean of 2..9.
  EXPECT_DOUBLE_EQ(TrimmedMean({10, 1, 2, 3, 4, 5, 6, 7, 8, 100}, 0.1), (2 + 3 + 4 + 5 + 6 + 7 + 8 + 10) / 8.0);
  // 5 values, 10%: floor(0.5) = 0 dropped.
  EXPECT_DOUBLE_EQ(TrimmedMean({1, 2, 3, 4, 100}, 0.1), 22.0);
  EXPECT_DOUBLE_EQ(TrimmedMean({1, 2, 3, 4, 100}, 0.2), 3.0);
}

TEST(BradleyTerry, TwoPlayersGiveTheOddsOfTheirRecord) {
  // 3 wins to 1: strengths in ratio 3 (geometric mean 1: sqrt(3), 1/sqrt(3)).
  const auto r = BradleyTerry({{0, 3}, {1, 0}});
  ASSERT_TRUE(r.converged);
  EXPECT_NEAR(r.strength[0] / r.strength[1], 3.0, 1e-9);
  EXPECT_NEAR(r.strength[0] * r.strength[1], 1.0, 1e-9);
}

TEST(BradleyTerry, RecoversStrengthsFromExactlyConsistentRecords) {
  // Strengths 4 : 2 : 1 and records that match their odds exactly (4-2, 2-1,
  // 4-1) make the observed wins equal the expected: the MLE is exact.
  const auto r = BradleyTerry({{0, 4, 4}, {2, 0, 2}, {1, 1, 0}});
  ASSERT_TRUE(r.converged);
  EXPECT_NEAR(r.strength[0] / r.strength[2], 4.0, 1e-8);
  EXPECT_NEAR(r.strength[1] / r.strength[2], 2.0, 1e-8);
  const auto rate = ExpectedWinRate(r.strength);
  EXPECT_NEAR(rate[0], (4.0 / 6 + 4.0 / 5) / 2, 1e-8);
}

TEST(BradleyTerry, TiesAsHalfWinsAndUnplayedPlayers) {
  // 2 wins + 2 ties = 3 of 4 -> ratio 3; player 2 never played, stays 1.
  const auto r = BradleyTerry({{0, 3, 0}, {1, 0, 0}, {0, 0, 0}});
  EXPECT_NEAR(r.strength[0] / r.strength[1], 3.0, 1e-9);
  EXPECT_DOUBLE_EQ(r.strength[2], 1.0);
}

TEST(Rng, SameSeedSameStreamAndUnbiasedRange) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    differs |= x != c.Next();
  }
  EXPECT_TRUE(differs);
  // Known first output of SplitMix64 from seed 0.
  EXPECT_EQ(Rng(0).Next(), 0xe220a8397b1dcdafULL);
  Rng r(7);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i) ++counts[r.Below(3)];
  for (int n : counts) EXPECT_NEAR(n, 10000, 400);
}

TEST(PercentileInterval, InterpolatesBetweenOrderStatistics) {
  std::vector<double> v;
  for (int i = 0; i <= 100; ++i) v.push_back(i);
  const Interval ci = PercentileInterval(v, 0.95);
  EXPECT_NEAR(ci.lo, 2.5, 1e-12);
  EXPECT_NEAR(ci.hi, 97.5, 1e-12);
}

}  // namespace
}  // namespace dokja::scoring
