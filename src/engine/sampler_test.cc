#include "engine/sampler.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace dokja::engine {
namespace {

TEST(Sampler, GreedyPicksTheLargestAndTheLowestIdOnTies) {
  std::vector<float> l = {0.1f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(ArgMax(l), 1);
  Sampler s({.temperature = 0.0f});
  EXPECT_EQ(s.Sample(l), 1);
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens) {
  std::vector<float> l(50);
  for (size_t i = 0; i < l.size(); ++i) l[i] = static_cast<float>(i % 7) * 0.3f;
  auto draw = [&](uint64_t seed) {
    Sampler s({.temperature = 1.0f, .seed = seed});
    std::vector<int32_t> out;
    for (int i = 0; i < 32; ++i) out.push_back(s.Sample(l));
    return out;
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
}

TEST(Sampler, TopKOneIsGreedy) {
  std::vector<float> l = {0.0f, 0.5f, 3.0f, 1.0f};
  Sampler s({.temperature = 5.0f, .top_k = 1, .seed = 3});
  for (int i = 0; i < 20; ++i) EXPECT_EQ(s.Sample(l), 2);
}

TEST(Sampler, TopPKeepsOnlyTheNucleus) {
  // Probabilities at temperature 1: ~0.84, 0.11, 0.04, 0.01 -> top_p 0.9 keeps ids 0 and 1.
  std::vector<float> l = {4.0f, 2.0f, 1.0f, -0.5f};
  Sampler s({.temperature = 1.0f, .top_p = 0.9f, .seed = 11});
  std::map<int32_t, int> seen;
  for (int i = 0; i < 2000; ++i) seen[s.Sample(l)]++;
  EXPECT_EQ(seen.count(2), 0u);
  EXPECT_EQ(seen.count(3), 0u);
  EXPECT_GT(seen[1], 100);  // ~0.11 / 0.95 of 2000
  EXPECT_GT(seen[0], 1500);
}

TEST(Sampler, FrequenciesFollowTheSoftmax) {
  std::vector<float> l = {0.0f, std::log(3.0f)};  // p = 0.25, 0.75
  Sampler s({.temperature = 1.0f, .seed = 1});
  int ones = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ones += s.Sample(l);
  EXPECT_NEAR(static_cast<double>(ones) / n, 0.75, 0.015);
}

}  // namespace
}  // namespace dokja::engine
