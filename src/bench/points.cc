// Points formulas, per-team computation and the points JSON.
#include "bench/points.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "bench/internal/dataset.h"
#include "bench/results.h"

namespace dokja::bench {
namespace {

using Json = nlohmann::ordered_json;

std::string_view FormulaName(PointsFormula f) {
  switch (f) {
    case PointsFormula::kCappedRatio: return "capped_ratio";
    case PointsFormula::kLinear: return "linear";
    case PointsFormula::kThreshold: return "threshold";
  }
  return "unknown";
}

std::vector<PointsBenchmark> TeamBenchmarks(const PointsConfig& c, const PointsTeam& t) {
  std::vector<PointsBenchmark> out = c.benchmarks;
  out.insert(out.end(), t.benchmarks.begin(), t.benchmarks.end());
  return out;
}

double GroupWeight(const std::vector<PointsBenchmark>& list, const std::string& group) {
  double w = 0;
  for (const PointsBenchmark& b : list) {
    if (b.group == group) w += b.weight;
  }
  return w;
}

}  // namespace

Result<double> FormulaFraction(const PointsBenchmark& b, double score, double target) {
  if (!std::isfinite(score)) return Status::InvalidArgument(b.name + ": score is not a number");
  double f = 0;
  switch (b.formula) {
    case PointsFormula::kCappedRatio:
      if (!(target > 0)) return Status::InvalidArgument(b.name + ": capped_ratio needs a target > 0");
      if (b.higher_is_better) {
        f = score / target;
      } else {
        f = score > 0 ? target / score : b.cap;
      }
      break;
    case PointsFormula::kLinear:
      if (target == b.floor) return Status::InvalidArgument(b.name + ": linear needs target != floor");
      f = (score - b.floor) / (target - b.floor);
      break;
    case PointsFormula::kThreshold:
      f = (b.higher_is_better ? score >= target : score <= target) ? 1.0 : 0.0;
      break;
  }
  return std::clamp(f, 0.0, b.cap);
}

Result<double> LookupScore(const EvalResults& results, const PointsBenchmark& b) {
  const std::string key = b.metric + "," + b.filter;
  for (const TaskResult& t : results.tasks) {
    if (t.manifest.task != b.result) continue;
    for (const MetricValue& m : t.metrics) {
      if (m.Key() == key) return m.value;
    }
    return Status::NotFound("task '" + b.result + "' has no metric '" + key + "'");
  }
  for (const GroupResult& g : results.groups) {
    if (g.group != b.result) continue;
    for (const GroupMetric& m : g.metrics) {
      if (m.Key() == key) return b.aggregate == "macro" ? m.macro : m.micro;
    }
    return Status::NotFound("group '" + b.result + "' has no metric '" + key + "'");
  }
  return Status::NotFound("no task or group '" + b.result + "' in the results");
}

Result<TeamPoints> ComputeTeamPoints(const PointsConfig& config, const PointsTeam& team,
                                     const EvalResults& results) {
  TeamPoints out;
  out.team = team.name;
  out.max_total = config.max_total;
  const std::vector<PointsBenchmark> list = TeamBenchmarks(config, team);
  for (const PointsGroup& g : config.groups) {
    GroupPoints gp{g.name, 0, g.max_points};
    const double group_weight = GroupWeight(list, g.name);
    for (const PointsBenchmark& b : list) {
      if (b.group != g.name) continue;
      auto target = team.targets.find(b.name);
      if (target == team.targets.end()) {
        return Status::NotFound("team '" + team.name + "': no target score declared for '" + b.name + "'");
      }
      Result<double> score = LookupScore(results, b);
      if (!score.ok()) return score.status().WithPrefix("team '" + team.name + "', benchmark '" + b.name + "'");
      BenchmarkPoints bp{b, *score, target->second, 0, g.max_points * b.weight / group_weight, 0};
      DOKJA_ASSIGN_OR_RETURN(bp.fraction, FormulaFraction(b, bp.score, bp.target));
      bp.points = bp.max_points * bp.fraction;
      gp.points += bp.points;
      out.benchmarks.push_back(bp);
    }
    gp.points = std::min(gp.points, g.max_points);
    out.total += gp.points;
    out.groups.push_back(gp);
  }
  return out;
}

Result<std::vector<TeamPoints>> ComputePoints(const PointsConfig& config,
                                              const std::map<std::string, std::string>& results_override) {
  std::vector<TeamPoints> out;
  for (const PointsTeam& team : config.teams) {
    std::string path = team.results_file;
    if (auto it = results_override.find(team.name); it != results_override.end()) {
      path = it->second;
    } else if (!path.empty() && std::filesystem::path(path).is_relative()) {
      path = (std::filesystem::path(config.file).parent_path() / path).string();
    }
    if (path.empty()) return Status::InvalidArgument("team '" + team.name + "': no results file given");
    DOKJA_ASSIGN_OR_RETURN(std::string bytes, internal::ReadFileBytes(path));
    Result<EvalResults> results = ResultsFromJson(bytes);
    if (!results.ok()) return results.status().WithPrefix(path);
    DOKJA_ASSIGN_OR_RETURN(TeamPoints tp, ComputeTeamPoints(config, team, *results));
    tp.results_file = path;
    tp.results_sha256 = Sha256Hex(bytes);
    out.push_back(std::move(tp));
  }
  return out;
}

std::string PointsToJson(const PointsConfig& config, const std::vector<TeamPoints>& teams) {
  // The shape the stage decision reads (src/scoring ParseBenchPoints):
  // {"teams": {TEAM: {"groups": {GROUP: {"points", "max"}}, "total", "max"}}}.
  Json j;
  j["schema"] = "dokja.bench.points/1";
  j["config_file"] = config.file;
  j["config_sha256"] = config.sha256;
  j["max"] = config.max_total;
  Json by_team = Json::object();
  for (const TeamPoints& t : teams) {
    Json groups = Json::object();
    for (const GroupPoints& g : t.groups) groups[g.group] = {{"points", g.points}, {"max", g.max_points}};
    Json benches = Json::array();
    for (const BenchmarkPoints& b : t.benchmarks) {
      benches.push_back({{"name", b.spec.name}, {"group", b.spec.group}, {"result", b.spec.result},
                         {"metric", b.spec.metric}, {"filter", b.spec.filter}, {"aggregate", b.spec.aggregate},
                         {"formula", FormulaName(b.spec.formula)}, {"weight", b.spec.weight},
                         {"score", b.score}, {"target", b.target}, {"fraction", b.fraction},
                         {"max_points", b.max_points}, {"points", b.points}});
    }
    by_team[t.team] = Json{{"groups", std::move(groups)}, {"total", t.total}, {"max", t.max_total},
                           {"results_file", t.results_file}, {"results_sha256", t.results_sha256},
                           {"benchmarks", std::move(benches)}};
  }
  j["teams"] = std::move(by_team);
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string PointsTable(const std::vector<TeamPoints>& teams) {
  std::string out;
  char buf[256];
  for (const TeamPoints& t : teams) {
    std::snprintf(buf, sizeof(buf), "%s: %.2f / %.2f\n", t.team.c_str(), t.total, t.max_total);
    out += buf;
    for (const GroupPoints& g : t.groups) {
      std::snprintf(buf, sizeof(buf), "  %-24s %8.2f / %.2f\n", g.group.c_str(), g.points, g.max_points);
      out += buf;
    }
    for (const BenchmarkPoints& b : t.benchmarks) {
      std::snprintf(buf, sizeof(buf), "    %-22s score %.4f target %.4f -> %.2f / %.2f\n", b.spec.name.c_str(),
                    b.score, b.target, b.points, b.max_points);
      out += buf;
    }
  }
  return out;
}

}  // namespace dokja::bench
