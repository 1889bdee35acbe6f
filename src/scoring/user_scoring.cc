// User points: means of direct scores and Bradley-Terry over blind battles,
// with seeded bootstrap intervals (users resampled for scores, battles for
// Bradley-Terry).
#include <algorithm>
#include <set>

#include "scoring/internal/criteria.h"

namespace dokja::scoring::internal {

std::map<std::string, double> UserMeans(const std::vector<UserScore>& scores,
                                        const std::vector<std::string>& users) {
  // user -> team -> (sum, n)
  std::map<std::string, std::map<std::string, std::pair<double, uint32_t>>> per_user;
  for (const auto& s : scores) {
    auto& cell = per_user[s.user][s.team];
    cell.first += s.score;
    ++cell.second;
  }
  std::map<std::string, std::pair<double, uint32_t>> per_team;  // sum of user means, users
  for (const auto& user : users) {
    auto it = per_user.find(user);
    if (it == per_user.end()) continue;
    for (const auto& [team, cell] : it->second) {
      per_team[team].first += cell.first / cell.second;
      ++per_team[team].second;
    }
  }
  std::map<std::string, double> out;
  for (const auto& [team, cell] : per_team) out[team] = cell.first / cell.second;
  return out;
}

std::vector<std::vector<double>> WinMatrix(const std::vector<Battle>& battles,
                                           const std::vector<std::string>& teams, bool both_bad_as_tie) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < teams.size(); ++i) index[teams[i]] = i;
  std::vector<std::vector<double>> w(teams.size(), std::vector<double>(teams.size(), 0));
  for (const auto& b : battles) {
    const size_t a = index.at(b.team_a), c = index.at(b.team_b);
    switch (b.outcome) {
      case BattleOutcome::kA: w[a][c] += 1; break;
      case BattleOutcome::kB: w[c][a] += 1; break;
      case BattleOutcome::kBothBad:
        if (!both_bad_as_tie) break;
        [[fallthrough]];
      case BattleOutcome::kTie:
        w[a][c] += 0.5;
        w[c][a] += 0.5;
        break;
    }
  }
  return w;
}

std::map<std::string, double> MapToUnit(const std::map<std::string, double>& values, const PointsMapping& m) {
  std::map<std::string, double> out;
  double best = 0;
  for (const auto& [team, v] : values) best = std::max(best, v);
  for (const auto& [team, v] : values) {
    if (m.kind == PointsMapping::Kind::kRelativeToBest) {
      out[team] = best > 0 ? std::max(v, 0.0) / best : 0.0;
    } else {
      out[team] = std::clamp((v - m.lo) / (m.hi - m.lo), 0.0, 1.0);
    }
  }
  return out;
}

namespace {

struct BattleView {
  bool converged = true;
  std::map<std::string, double> strength, win_rate;
  std::map<std::string, uint32_t> n_battles;
};

BattleView FitBattles(const std::vector<Battle>& battles, const std::vector<std::string>& teams,
                      bool both_bad_as_tie) {
  BattleView v;
  const auto w = WinMatrix(battles, teams, both_bad_as_tie);
  const auto bt = BradleyTerry(w);
  v.converged = bt.converged;
  const auto rates = ExpectedWinRate(bt.strength);
  for (const auto& b : battles) {
    ++v.n_battles[b.team_a];
    ++v.n_battles[b.team_b];
  }
  for (size_t i = 0; i < teams.size(); ++i) {
    v.strength[teams[i]] = bt.strength[i];
    v.win_rate[teams[i]] = rates[i];
  }
  return v;
}

// User points of every team from one set of means and win rates.
std::map<std::string, double> Points(const UserCriterion& uc, const std::map<std::string, double>& means,
                                     const std::map<std::string, double>& win_rates) {
  const auto s = MapToUnit(means, uc.scores_mapping);
  const auto b = MapToUnit(win_rates, uc.battles_mapping);
  std::map<std::string, double> out;
  for (const auto& [team, v] : s) out[team] += uc.points * uc.scores_weight * v;
  for (const auto& [team, v] : b) out[team] += uc.points * uc.battles_weight * v;
  return out;
}

struct Samples {
  std::map<std::string, std::vector<double>> mean, strength, win_rate, points;
};

Samples Bootstrap(const UserCriterion& uc, const StageInputs& in, const std::vector<std::string>& users,
                  const std::vector<std::string>& teams) {
  Samples s;
  Rng rng(uc.seed);
  std::vector<std::string> sample_users(users.size());
  std::vector<Battle> sample_battles(in.battles.size());
  for (uint32_t round = 0; round < uc.bootstrap_rounds; ++round) {
    for (auto& u : sample_users) u = users[rng.Below(users.size())];
    for (auto& b : sample_battles) b = in.battles[rng.Below(in.battles.size())];
    const auto means = users.empty() ? std::map<std::string, double>{} : UserMeans(in.user_scores, sample_users);
    BattleView bv;
    if (!in.battles.empty()) bv = FitBattles(sample_battles, teams, uc.both_bad_as_tie);
    for (const auto& [team, v] : means) s.mean[team].push_back(v);
    for (const auto& [team, v] : bv.strength) s.strength[team].push_back(v);
    for (const auto& [team, v] : bv.win_rate) s.win_rate[team].push_back(v);
    for (const auto& [team, v] : Points(uc, means, bv.win_rate)) s.points[team].push_back(v);
  }
  return s;
}

Interval IntervalOf(const std::map<std::string, std::vector<double>>& samples, const std::string& team,
                    double level) {
  auto it = samples.find(team);
  if (it == samples.end() || it->second.empty()) return {};
  return PercentileInterval(it->second, level);
}

}  // namespace

Result<std::map<std::string, UserStats>> ScoreUsers(const StageConfig& config, const StageInputs& in) {
  const UserCriterion& uc = config.user;
  std::vector<std::string> teams, users;
  for (const auto& t : config.teams) teams.push_back(t.name);
  std::set<std::string> user_set;
  for (const auto& s : in.user_scores) user_set.insert(s.user);
  users.assign(user_set.begin(), user_set.end());
  const auto means = UserMeans(in.user_scores, users);
  BattleView bv;
  if (!in.battles.empty()) bv = FitBattles(in.battles, teams, uc.both_bad_as_tie);
  for (const auto& t : teams) {
    if (uc.scores_weight > 0 && means.count(t) == 0) {
      return Status::InvalidArgument(config.inputs.user_scores + ": team '" + t + "' has no user scores");
    }
    if (uc.battles_weight > 0 && bv.n_battles[t] == 0) {
      return Status::InvalidArgument(config.inputs.battles + ": team '" + t + "' has no battles");
    }
  }
  const Samples samples = Bootstrap(uc, in, users, teams);
  std::map<std::string, UserStats> out;
  for (const auto& t : teams) {
    UserStats& u = out[t];
    for (const auto& s : in.user_scores) u.n_scores += s.team == t;
    for (const auto& user : users) {
      for (const auto& s : in.user_scores) {
        if (s.user == user && s.team == t) {
          ++u.n_users;
          break;
        }
      }
    }
    u.mean = means.count(t) ? means.at(t) : 0;
    u.mean_ci = IntervalOf(samples.mean, t, uc.ci_level);
    u.n_battles = bv.n_battles[t];
    u.bt_converged = bv.converged;
    u.bt_strength = bv.strength.count(t) ? bv.strength.at(t) : 1;
    u.bt_strength_ci = IntervalOf(samples.strength, t, uc.ci_level);
    u.bt_win_rate = bv.win_rate.count(t) ? bv.win_rate.at(t) : 0.5;
    u.bt_win_rate_ci = IntervalOf(samples.win_rate, t, uc.ci_level);
    u.points_from_scores = uc.points * uc.scores_weight * MapToUnit(means, uc.scores_mapping)[t];
    u.points_from_battles = uc.points * uc.battles_weight * MapToUnit(bv.win_rate, uc.battles_mapping)[t];
    u.points_ci = IntervalOf(samples.points, t, uc.ci_level);
  }
  return out;
}

}  // namespace dokja::scoring::internal
