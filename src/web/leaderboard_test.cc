// The leaderboard on synthetic Bradley-Terry populations: intervals contain
// the truth, duplicate prompts weigh one vote, contrarian voters get flagged.
#include "web/leaderboard.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scoring/stats.h"

namespace dokja::web {
namespace {

using store::VoteChoice;

double Uniform(scoring::Rng& rng) { return static_cast<double>(rng.Next() >> 11) * 0x1.0p-53; }

// Strengths with geometric mean 1, as the fit reports them.
std::vector<double> Normalised(std::vector<double> s) {
  double log_sum = 0;
  for (double x : s) log_sum += std::log(x);
  const double scale = std::exp(-log_sum / static_cast<double>(s.size()));
  for (double& x : s) x *= scale;
  return s;
}

struct Population {
  std::vector<std::string> names;
  std::vector<double> strength;
};

Population EightModels() {
  Population p;
  const double s[] = {4.0, 2.5, 1.8, 1.2, 1.0, 0.7, 0.45, 0.3};
  for (int i = 0; i < 8; ++i) {
    p.names.push_back("model-" + std::to_string(i));
    p.strength.push_back(s[i]);
  }
  return p;
}

// One vote by `user` between two random models; `contrarian` picks the
// weaker-by-truth side whenever it is decisive.
void CastVote(VoteTally& tally, const Population& p, scoring::Rng& rng, int64_t user, bool contrarian,
              const std::string& prompt) {
  const size_t n = p.names.size();
  const size_t a = rng.Below(n);
  size_t b = rng.Below(n - 1);
  if (b >= a) ++b;
  const double p_a = p.strength[a] / (p.strength[a] + p.strength[b]);
  bool a_wins = Uniform(rng) < p_a;
  if (contrarian) a_wins = p.strength[a] < p.strength[b];
  tally.Add({user, p.names[a], p.names[b], a_wins ? VoteChoice::kA : VoteChoice::kB, prompt});
}

TEST(NormalisePrompt, FoldsCaseAndWhitespace) {
  EXPECT_EQ(NormalisePrompt("  Hello\t\tWORLD \n"), "hello world");
  EXPECT_EQ(NormalisePrompt("안녕  하세요"), "안녕 하세요");
  EXPECT_EQ(NormalisePrompt(""), "");
}

TEST(Leaderboard, BootstrapIntervalsContainTheTrueRatings) {
  const Population p = EightModels();
  VoteTally tally;
  scoring::Rng rng(7);
  for (int i = 0; i < 20000; ++i) CastVote(tally, p, rng, i % 200, false, "prompt " + std::to_string(i));
  LeaderboardOptions options;
  options.bootstrap_rounds = 400;
  const Leaderboard board = ComputeLeaderboard(tally, options);
  ASSERT_EQ(board.models.size(), 8u);
  EXPECT_EQ(board.votes, 20000);
  EXPECT_EQ(board.bootstrap_rounds, 400);
  const std::vector<double> truth = Normalised(p.strength);
  int covered = 0;
  for (size_t rank = 0; rank < board.models.size(); ++rank) {
    const ModelRating& r = board.models[rank];
    const int index = std::stoi(r.name.substr(6));
    EXPECT_EQ(index, static_cast<int>(rank)) << "ratings are in the true order";
    const double true_rating = RatingOf(truth[index]);
    EXPECT_LT(r.ci_lo, r.rating);
    EXPECT_GT(r.ci_hi, r.rating);
    EXPECT_LT(r.ci_hi - r.ci_lo, 60) << r.name << ": 20,000 votes give tight intervals";
    if (r.ci_lo <= true_rating && true_rating <= r.ci_hi) ++covered;
  }
  // 95% intervals: all eight, or seven by bad luck.
  EXPECT_GE(covered, 7);
  // 200 honest voters: at z = 3.5 a flag is rare (expected ~0.05).
  EXPECT_LE(board.flags.size(), 1u);
}

TEST(Leaderboard, SameSeedGivesSameIntervals) {
  const Population p = EightModels();
  VoteTally tally;
  scoring::Rng rng(3);
  for (int i = 0; i < 2000; ++i) CastVote(tally, p, rng, 1, false, std::to_string(i));
  LeaderboardOptions options;
  options.bootstrap_rounds = 50;
  const Leaderboard x = ComputeLeaderboard(tally, options);
  const Leaderboard y = ComputeLeaderboard(tally, options);
  for (size_t i = 0; i < x.models.size(); ++i) {
    EXPECT_EQ(x.models[i].ci_lo, y.models[i].ci_lo);
    EXPECT_EQ(x.models[i].ci_hi, y.models[i].ci_hi);
  }
}

TEST(Leaderboard, RepeatedPromptWeighsOneVote) {
  VoteTally tally;
  // Asked four times (spelled differently), A wins each; two distinct
  // prompts go to B. Weighted, A has 1 win and B 2.
  for (const char* prompt : {"Tell me a joke", "tell me a joke", "  TELL me a   joke", "Tell me a joke\n"}) {
    tally.Add({1, "A", "B", VoteChoice::kA, prompt});
  }
  tally.Add({2, "B", "A", VoteChoice::kA, "write a poem"});
  tally.Add({2, "A", "B", VoteChoice::kB, "explain tides"});
  LeaderboardOptions options;
  options.bootstrap_rounds = 0;
  const Leaderboard board = ComputeLeaderboard(tally, options);
  ASSERT_EQ(board.models.size(), 2u);
  EXPECT_EQ(board.models[0].name, "B");
  EXPECT_EQ(board.models[0].votes, 6);
  // Strengths 2:1 -> 400 log10(2) apart.
  EXPECT_NEAR(board.models[0].rating - board.models[1].rating, 400 * std::log10(2.0), 1e-3);
}

TEST(Leaderboard, TieAndBothBadCountHalfEach) {
  VoteTally tally;
  tally.Add({1, "A", "B", VoteChoice::kTie, "x"});
  tally.Add({1, "A", "B", VoteChoice::kBothBad, "y"});
  tally.Add({1, "A", "B", VoteChoice::kA, "z"});
  LeaderboardOptions options;
  options.bootstrap_rounds = 0;
  const Leaderboard board = ComputeLeaderboard(tally, options);
  // A: 2 wins, B: 1 -> strength ratio 2.
  EXPECT_EQ(board.models[0].name, "A");
  EXPECT_NEAR(board.models[0].rating - board.models[1].rating, 400 * std::log10(2.0), 1e-3);
}

TEST(Leaderboard, FlagsTheContrarianVoterOnly) {
  const Population p = EightModels();
  VoteTally tally;
  scoring::Rng rng(11);
  for (int i = 0; i < 6000; ++i) CastVote(tally, p, rng, 100 + i % 30, false, std::to_string(i));
  for (int i = 0; i < 60; ++i) CastVote(tally, p, rng, 7, true, "c" + std::to_string(i));
  // Too few votes to judge: never flagged, however contrary.
  for (int i = 0; i < 10; ++i) CastVote(tally, p, rng, 8, true, "d" + std::to_string(i));
  LeaderboardOptions options;
  options.bootstrap_rounds = 0;
  const Leaderboard board = ComputeLeaderboard(tally, options);
  ASSERT_EQ(board.flags.size(), 1u);
  EXPECT_EQ(board.flags[0].user_id, 7);
  EXPECT_LT(board.flags[0].agreement, 0.1);
  EXPECT_GT(board.flags[0].panel_agreement, 0.6);
  EXPECT_NE(board.flags[0].reason.find("decisive votes"), std::string::npos);
}

TEST(Leaderboard, EmptyTallyGivesEmptyBoard) {
  VoteTally tally;
  const Leaderboard board = ComputeLeaderboard(tally);
  EXPECT_TRUE(board.models.empty());
  EXPECT_EQ(board.votes, 0);
  EXPECT_EQ(board.bootstrap_rounds, 0);
}

}  // namespace
}  // namespace dokja::web
