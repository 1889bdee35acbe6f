#include "web/leaderboard.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <random>

#include "scoring/stats.h"

namespace dokja::web {
namespace {

bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// FNV-1a (64 bits) of NormalisePrompt(prompt), without building it: the
// in-process key under which prompts count as duplicates.
uint64_t NormalisedHash(std::string_view prompt) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ULL;
  };
  bool space = false, any = false;
  for (char ch : prompt) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (IsSpace(c)) {
      space = any;
      continue;
    }
    if (space) mix(' ');
    space = false;
    any = true;
    mix(c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c);
  }
  return h;
}

using Matrix = std::vector<std::vector<double>>;

// Adds `w` votes of `outcome` between lo and hi to a win matrix.
void AddOutcome(Matrix& wins, int32_t lo, int32_t hi, int32_t outcome, double w) {
  if (outcome == 0) {
    wins[lo][hi] += w;
  } else if (outcome == 1) {
    wins[hi][lo] += w;
  } else {
    wins[lo][hi] += w / 2;
    wins[hi][lo] += w / 2;
  }
}

}  // namespace

std::string NormalisePrompt(std::string_view prompt) {
  std::string out;
  out.reserve(prompt.size());
  bool space = false;
  for (char ch : prompt) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (IsSpace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ch);
  }
  return out;
}

int32_t VoteTally::ModelIndex(std::string_view name) {
  // Arenas have tens of models: a scan beats hashing a fresh string.
  if (models_.size() <= 64) {
    for (size_t i = 0; i < models_.size(); ++i) {
      if (models_[i] == name) return static_cast<int32_t>(i);
    }
  } else if (auto it = model_index_.find(std::string(name)); it != model_index_.end()) {
    return it->second;
  }
  const int32_t index = static_cast<int32_t>(models_.size());
  models_.emplace_back(name);
  model_votes_.push_back(0);
  model_index_.emplace(std::string(name), index);
  return index;
}

void VoteTally::Move(int64_t base, int64_t from, int64_t to, int64_t n) {
  std::map<int64_t, int64_t>& by_k = cells_[base];
  auto it = by_k.find(from);
  assert(it != by_k.end() && it->second >= n);
  it->second -= n;
  if (it->second == 0) by_k.erase(it);
  by_k[to] += n;
}

void VoteTally::Add(const TallyVote& vote) {
  const int32_t a = ModelIndex(vote.model_a);
  const int32_t b = ModelIndex(vote.model_b);
  assert(a != b);
  const int32_t lo = std::min(a, b), hi = std::max(a, b);
  int32_t outcome = 2;
  if (vote.choice == store::VoteChoice::kA) outcome = a == lo ? 0 : 1;
  if (vote.choice == store::VoteChoice::kB) outcome = b == lo ? 0 : 1;
  const int64_t base = (PairKey(lo, hi) << 2) | outcome;

  // Every earlier vote on this prompt now weighs 1 / (k + 1).
  Group& group = groups_[NormalisedHash(vote.prompt)];
  bool member = false;
  for (auto& [b2, n] : group.bases) {
    Move(b2, group.k, group.k + 1, n);
    if (b2 == base) ++n, member = true;
  }
  if (!member) group.bases.emplace_back(base, 1);
  ++group.k;
  ++cells_[base][group.k];

  ++model_votes_[a];
  ++model_votes_[b];
  ++n_votes_;
  if (outcome < 2) ++voters_[vote.user_id][PairKey(lo, hi)][outcome];
}

std::vector<VoteTally::Cell> VoteTally::Cells() const {
  std::vector<Cell> out;
  for (const auto& [base, by_k] : cells_) {
    const int64_t pair = base >> 2;
    for (const auto& [k, count] : by_k) {
      out.push_back({static_cast<int32_t>(pair >> 20), static_cast<int32_t>(pair & 0xfffff),
                     static_cast<int32_t>(base & 3), k, count});
    }
  }
  // A fixed order, so a seed gives the same intervals whatever the hashing.
  std::sort(out.begin(), out.end(), [](const Cell& x, const Cell& y) {
    return std::tie(x.lo, x.hi, x.outcome, x.k) < std::tie(y.lo, y.hi, y.outcome, y.k);
  });
  return out;
}

double RatingOf(double strength) { return 1000.0 + 400.0 * std::log10(strength); }

std::vector<double> FitStrengths(const Matrix& wins, const std::vector<double>& initial) {
  scoring::BradleyTerryOptions options;
  options.tolerance = 1e-9;
  options.initial = initial;
  return scoring::BradleyTerry(wins, options).strength;
}

namespace {

// One bootstrap round: a multinomial draw of n_votes over the cells, by
// sequential binomials, folded into a weighted win matrix.
Matrix ResampleWins(const std::vector<VoteTally::Cell>& cells, int64_t n_votes, size_t n_models,
                    std::mt19937_64& gen) {
  Matrix wins(n_models, std::vector<double>(n_models, 0.0));
  int64_t left_draws = n_votes;
  int64_t left_votes = n_votes;
  for (const VoteTally::Cell& c : cells) {
    if (left_draws == 0) break;
    int64_t x = left_draws;
    if (c.count < left_votes) {
      std::binomial_distribution<int64_t> draw(
          left_draws, static_cast<double>(c.count) / static_cast<double>(left_votes));
      x = draw(gen);
    }
    left_draws -= x;
    left_votes -= c.count;
    if (x > 0) AddOutcome(wins, c.lo, c.hi, c.outcome, static_cast<double>(x) / c.k);
  }
  return wins;
}

// Voters whose decisive votes agree with the leave-one-out fit significantly
// less often than the panel's (see the header).
std::vector<VoterFlag> FlagOutliers(const VoteTally& tally, const std::vector<VoteTally::Cell>& cells,
                                    const std::vector<double>& strength,
                                    const LeaderboardOptions& options) {
  const size_t m = tally.models().size();
  Matrix all(m, std::vector<double>(m, 0.0));  // unweighted: a voter's votes come out whole
  for (const VoteTally::Cell& c : cells) AddOutcome(all, c.lo, c.hi, c.outcome, static_cast<double>(c.count));
  struct Judged {
    int64_t user_id, n, agree;
    double expected, variance;  // of `agree` for an honest voter
  };
  std::vector<Judged> judged;
  for (const auto& [user_id, pairs] : tally.voters()) {
    int64_t decisive = 0;
    for (const auto& [pair, w] : pairs) decisive += w[0] + w[1];
    if (decisive < options.outlier_min_votes) continue;
    Matrix loo = all;
    for (const auto& [pair, w] : pairs) {
      const int64_t lo = pair >> 20, hi = pair & 0xfffff;
      loo[lo][hi] -= static_cast<double>(w[0]);
      loo[hi][lo] -= static_cast<double>(w[1]);
    }
    const std::vector<double> s = FitStrengths(loo, strength);
    Judged j{user_id, 0, 0, 0, 0};
    for (const auto& [pair, w] : pairs) {
      const int64_t lo = pair >> 20, hi = pair & 0xfffff;
      if (s[lo] == s[hi]) continue;
      const double p_fav = std::max(s[lo], s[hi]) / (s[lo] + s[hi]);
      const int64_t n = w[0] + w[1];
      j.n += n;
      j.agree += s[lo] > s[hi] ? w[0] : w[1];
      j.expected += static_cast<double>(n) * p_fav;
      j.variance += static_cast<double>(n) * p_fav * (1 - p_fav);
    }
    if (j.n >= options.outlier_min_votes) judged.push_back(j);
  }
  int64_t total_n = 0, total_agree = 0;
  for (const Judged& j : judged) {
    total_n += j.n;
    total_agree += j.agree;
  }
  std::vector<VoterFlag> flags;
  if (total_n == 0) return flags;
  const double panel = static_cast<double>(total_agree) / static_cast<double>(total_n);
  for (const Judged& j : judged) {
    const double agreement = static_cast<double>(j.agree) / static_cast<double>(j.n);
    const double z = (j.expected - static_cast<double>(j.agree)) / std::sqrt(std::max(j.variance, 1e-9));
    if (z <= options.outlier_z || agreement >= panel) continue;
    char reason[200];
    std::snprintf(reason, sizeof reason,
                  "agrees with the consensus on %.0f%% of %lld decisive votes (an honest voter on "
                  "these pairs: %.0f%%, z = %.1f); the panel on %.0f%%",
                  100 * agreement, static_cast<long long>(j.n),
                  100 * j.expected / static_cast<double>(j.n), z, 100 * panel);
    flags.push_back({j.user_id, j.n, agreement, panel, reason});
  }
  std::sort(flags.begin(), flags.end(),
            [](const VoterFlag& x, const VoterFlag& y) { return x.user_id < y.user_id; });
  return flags;
}

}  // namespace

Leaderboard ComputeLeaderboard(const VoteTally& tally, const LeaderboardOptions& options) {
  Leaderboard board;
  board.votes = tally.n_votes();
  const size_t m = tally.models().size();
  if (m == 0) return board;
  const std::vector<VoteTally::Cell> cells = tally.Cells();
  Matrix wins(m, std::vector<double>(m, 0.0));
  for (const VoteTally::Cell& c : cells) {
    AddOutcome(wins, c.lo, c.hi, c.outcome, static_cast<double>(c.count) / static_cast<double>(c.k));
  }
  const std::vector<double> strength = FitStrengths(wins);

  std::vector<std::vector<double>> samples(m);
  std::mt19937_64 gen(options.seed);
  for (int32_t round = 0; round < options.bootstrap_rounds && board.votes > 0; ++round) {
    const std::vector<double> s = FitStrengths(ResampleWins(cells, board.votes, m, gen), strength);
    for (size_t i = 0; i < m; ++i) samples[i].push_back(RatingOf(s[i]));
  }
  board.bootstrap_rounds = samples[0].empty() ? 0 : options.bootstrap_rounds;
  for (size_t i = 0; i < m; ++i) {
    ModelRating r;
    r.name = tally.models()[i];
    r.rating = RatingOf(strength[i]);
    r.ci_lo = r.ci_hi = r.rating;
    if (!samples[i].empty()) {
      const scoring::Interval ci = scoring::PercentileInterval(samples[i], options.level);
      r.ci_lo = ci.lo;
      r.ci_hi = ci.hi;
    }
    r.votes = tally.model_votes()[i];
    board.models.push_back(std::move(r));
  }
  std::sort(board.models.begin(), board.models.end(), [](const ModelRating& x, const ModelRating& y) {
    return x.rating != y.rating ? x.rating > y.rating : x.name < y.name;
  });
  if (options.flag_outliers) board.flags = FlagOutliers(tally, cells, strength, options);
  return board;
}

}  // namespace dokja::web
