// Expert points: conflict-of-interest exclusion, per-expert normalisation and
// Krippendorff's alpha per criterion.
#include <algorithm>
#include <cctype>
#include <set>

#include "scoring/internal/criteria.h"

namespace dokja::scoring::internal {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The organisation an expert shares with a team's consortium, or "".
std::string SharedOrganisation(const Expert& expert, const TeamConfig& team) {
  for (const auto& a : expert.affiliations) {
    for (const auto& m : team.members) {
      if (Lower(a) == Lower(m)) return m;
    }
  }
  return "";
}

// The kept scores of one criterion: expert -> team -> score.
using ScoreGrid = std::map<std::string, std::map<std::string, double>>;

double Clamp(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }

// Team values on the criterion's own scale, per the normalisation.
std::map<std::string, double> CriterionValues(const ScoreGrid& grid, const ExpertCriterion& ec,
                                              double scale_max) {
  std::map<std::string, std::vector<double>> by_team;
  if (ec.normalisation == ExpertNorm::kZScore) {
    // Each expert's scores become z-scores over the teams they scored, then
    // return to the scale through the pooled mean and spread of all scores.
    std::vector<double> pooled;
    for (const auto& [expert, teams] : grid) {
      for (const auto& [team, s] : teams) pooled.push_back(s);
    }
    const double pooled_mean = Mean(pooled), pooled_sd = StdDev(pooled);
    for (const auto& [expert, teams] : grid) {
      std::vector<double> own;
      for (const auto& [team, s] : teams) own.push_back(s);
      const double m = Mean(own), sd = StdDev(own);
      for (const auto& [team, s] : teams) {
        const double z = sd > 0 ? (s - m) / sd : 0.0;
        by_team[team].push_back(Clamp(pooled_mean + z * pooled_sd, 0, scale_max));
      }
    }
  } else {
    for (const auto& [expert, teams] : grid) {
      for (const auto& [team, s] : teams) by_team[team].push_back(s);
    }
  }
  std::map<std::string, double> out;
  for (const auto& [team, v] : by_team) {
    out[team] = ec.normalisation == ExpertNorm::kTrimmed ? TrimmedMean(v, ec.trim_fraction) : Mean(v);
  }
  return out;
}

CriterionAlpha Alpha(const std::string& id, const ScoreGrid& grid, const StageConfig& config) {
  std::vector<std::vector<std::optional<double>>> units;
  for (const auto& team : config.teams) {
    std::vector<std::optional<double>> row;
    for (const auto& [expert, teams] : grid) {
      auto it = teams.find(team.name);
      row.push_back(it == teams.end() ? std::nullopt : std::optional<double>(it->second));
    }
    units.push_back(std::move(row));
  }
  CriterionAlpha a{id, KrippendorffAlphaInterval(units), false};
  a.warn = !a.result.alpha.has_value() || *a.result.alpha < config.expert.alpha_warn;
  return a;
}

}  // namespace

Result<ExpertResult> ScoreExperts(const StageConfig& config, const StageInputs& inputs) {
  ExpertResult r;
  std::set<std::pair<std::string, std::string>> excluded;  // (expert, team)
  if (config.expert.exclude_conflicts) {
    for (const auto& e : inputs.roster) {
      for (const auto& t : config.teams) {
        const std::string org = SharedOrganisation(e, t);
        if (org.empty()) continue;
        excluded.insert({e.id, t.name});
        r.exclusions.push_back({e.id, t.name, org, 0});
      }
    }
  }
  std::map<std::string, ScoreGrid> grids;  // by criterion
  for (const auto& s : inputs.expert_scores) {
    if (excluded.count({s.expert, s.team}) != 0) {
      for (auto& x : r.exclusions) {
        if (x.expert == s.expert && x.team == s.team) ++x.scores_dropped;
      }
      continue;
    }
    grids[s.criterion][s.expert][s.team] = s.score;
  }
  std::map<std::string, std::set<std::string>> experts_of_team;
  for (const auto& c : config.expert.criteria) {
    const ScoreGrid& grid = grids[c.id];
    const auto values = CriterionValues(grid, config.expert, c.scale_max);
    for (const auto& t : config.teams) {
      auto it = values.find(t.name);
      if (it == values.end()) {
        return Status::InvalidArgument(config.inputs.expert_scores + ": team '" + t.name +
                                       "' has no expert scores for criterion '" + c.id + "' after exclusions");
      }
      r.parts[t.name].push_back({c.id, c.points * it->second / c.scale_max, c.points});
    }
    for (const auto& [expert, teams] : grid) {
      for (const auto& [team, s] : teams) experts_of_team[team].insert(expert);
    }
    r.alphas.push_back(Alpha(c.id, grid, config));
  }
  for (const auto& [team, experts] : experts_of_team) r.n_experts[team] = static_cast<uint32_t>(experts.size());
  return r;
}

}  // namespace dokja::scoring::internal
