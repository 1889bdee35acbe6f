// The arena leaderboard: Bradley-Terry ratings with bootstrap confidence
// intervals, duplicate prompts down-weighted, outlier voters flagged.
//
// Votes are tallied once into per-pair outcome cells (VoteTally::Add is
// O(1) amortised, so the service feeds new votes incrementally). A bootstrap
// resample of the N counted votes is a multinomial draw of N over the
// (pair, outcome, weight) cells, which has exactly the distribution of
// resampling the votes one by one, and costs one binomial draw per cell
// instead of N random indexes; each round then fits a small Bradley-Terry
// model warm-started from the point estimate. 1,000 rounds over 1,000,000
// votes take well under 2 s (bench/arena).
//
// Rules (docs/web-api.md "Arena"):
//   - outcomes: a win for one side; tie and both_bad count half a win to
//     each side (as the stage decision's both_bad_as_tie);
//   - duplicate prompts: the k counted votes whose normalised prompts
//     (NormalisePrompt) are equal weigh 1/k each, so a prompt asked k times
//     adds up to one vote's weight;
//   - ratings: 1000 + 400 log10(strength), strengths of geometric mean 1;
//   - outlier voters: for every voter with at least `outlier_min_votes`
//     decisive (a/b) votes, a Bradley-Terry fit WITHOUT that voter's votes
//     gives, for each of their votes, the favoured model and its win
//     probability p. An honest voter agrees with the favoured model on
//     E = sum p of their votes, variance V = sum p (1 - p). A voter is
//     flagged when their agreement count falls below E by more than
//     outlier_z (default 3.5) standard deviations and below the panel's
//     pooled agreement: contrarians and random clickers stand out, while a
//     voter who happened to see close pairs is judged against close pairs.
//     At z = 3.5 an honest panel of 1,000 gets about 0.2 false flags.
//
// Thread-safety: VoteTally is not thread-safe (the service guards it);
// ComputeLeaderboard only reads the tally.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace dokja::web {

// Lower-cased ASCII, whitespace runs collapsed to one space, trimmed: the
// key under which prompts count as duplicates.
std::string NormalisePrompt(std::string_view prompt);

// One counted vote as the leaderboard reads it.
struct TallyVote {
  int64_t user_id = 0;
  std::string_view model_a;
  std::string_view model_b;
  store::VoteChoice choice = store::VoteChoice::kTie;
  std::string_view prompt;  // raw; normalised inside
};

class VoteTally {
 public:
  // REQUIRES: model_a != model_b.
  void Add(const TallyVote& vote);

  int64_t n_votes() const { return n_votes_; }
  const std::vector<std::string>& models() const { return models_; }
  // Votes each model took part in, by model index.
  const std::vector<int64_t>& model_votes() const { return model_votes_; }

  // A (pair, outcome, group size) cell: `count` votes of weight 1 / k.
  struct Cell {
    int32_t lo = 0, hi = 0;  // model indexes, lo < hi
    int32_t outcome = 0;     // 0: lo won, 1: hi won, 2: tie / both bad
    int64_t k = 1;
    int64_t count = 0;
  };
  std::vector<Cell> Cells() const;

  // Decisive votes of one voter: pair key -> {lo wins, hi wins}.
  using PairWins = std::unordered_map<int64_t, std::array<int64_t, 2>>;
  const std::unordered_map<int64_t, PairWins>& voters() const { return voters_; }
  static int64_t PairKey(int32_t lo, int32_t hi) { return (int64_t{lo} << 20) | hi; }

 private:
  int32_t ModelIndex(std::string_view name);
  // Moves `n` votes of cell (pair, outcome) from group size `from` to `to`.
  void Move(int64_t base, int64_t from, int64_t to, int64_t n);

  std::vector<std::string> models_;
  std::unordered_map<std::string, int32_t> model_index_;
  std::vector<int64_t> model_votes_;
  // (pair << 2 | outcome) -> group size k -> count.
  std::unordered_map<int64_t, std::map<int64_t, int64_t>> cells_;
  // Prompt hash -> its group: size and the (pair << 2 | outcome) of its votes.
  struct Group {
    int64_t k = 0;
    std::vector<std::pair<int64_t, int64_t>> bases;  // (base, votes); few
  };
  std::unordered_map<uint64_t, Group> groups_;
  std::unordered_map<int64_t, PairWins> voters_;
  int64_t n_votes_ = 0;
};

struct LeaderboardOptions {
  int32_t bootstrap_rounds = 1000;
  double level = 0.95;              // confidence level of the intervals
  uint64_t seed = 0x646f6b6a61;     // bootstrap seed: same votes, same intervals
  int64_t outlier_min_votes = 20;   // decisive votes before a voter is judged
  double outlier_z = 3.5;           // one-sided z below an honest voter's agreement
  bool flag_outliers = true;
};

struct ModelRating {
  std::string name;
  double rating = 1000;
  double ci_lo = 1000, ci_hi = 1000;
  int64_t votes = 0;
};

struct VoterFlag {
  int64_t user_id = 0;
  int64_t decisive_votes = 0;
  double agreement = 0;        // with the leave-one-out prediction
  double panel_agreement = 0;  // A
  std::string reason;
};

struct Leaderboard {
  std::vector<ModelRating> models;  // best rating first
  int64_t votes = 0;
  int32_t bootstrap_rounds = 0;
  std::vector<VoterFlag> flags;     // by user id
};

Leaderboard ComputeLeaderboard(const VoteTally& tally, const LeaderboardOptions& options = {});

// Bradley-Terry strengths (geometric mean 1) of a weighted win matrix,
// warm-started from `initial` when it has the right size.
std::vector<double> FitStrengths(const std::vector<std::vector<double>>& wins,
                                 const std::vector<double>& initial = {});

// 1000 + 400 log10(strength).
double RatingOf(double strength);

}  // namespace dokja::web
