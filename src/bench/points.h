// Stage points from benchmark results (`dokja bench points`).
//
// A points config (YAML) divides the stage's points into groups (e.g.
// agency 10, common global 20, team-chosen 10: 40 in all) and lists the
// benchmarks of each group with a weight and a formula; each team declares
// its target model's score per benchmark and names its results JSON (what
// the pipeline writes). A benchmark's share of its group is
// max_points * weight / (sum of the group's weights); it earns
// share * f(score, target), f from the formula:
//   capped_ratio  min(score / target, cap)                (target/score when lower is better)
//   linear        clamp((score - floor) / (target - floor), 0, cap)
//   threshold     1 when score reaches the target, else 0
// A group's points are the sum of its benchmarks' points, at most its
// max_points. The JSON written is described in docs/formats/bench_points.md.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/task.h"

namespace dokja::bench {

enum class PointsFormula : uint8_t { kCappedRatio, kLinear, kThreshold };

struct PointsBenchmark {
  std::string name;             // key for targets
  std::string result;           // task or group name in the results JSON (default: name)
  std::string metric = "acc";
  std::string filter = "none";
  std::string aggregate = "micro";  // groups only: micro or macro
  std::string group;            // points group
  double weight = 1;
  PointsFormula formula = PointsFormula::kCappedRatio;
  double cap = 1.0;     // largest fraction of the benchmark's share
  double floor = 0.0;   // linear: the score worth nothing
  bool higher_is_better = true;
};

struct PointsGroup {
  std::string name;
  double max_points = 0;
};

struct PointsTeam {
  std::string name;
  std::string results_file;  // relative to the config file
  std::map<std::string, double> targets;  // benchmark name -> declared target score
  std::vector<PointsBenchmark> benchmarks;  // the team's own picks, added to the common ones
};

struct PointsConfig {
  std::string file;
  std::string sha256;
  double max_total = 0;  // 0: the sum of the groups' max_points
  std::vector<PointsGroup> groups;
  std::vector<PointsBenchmark> benchmarks;
  std::vector<PointsTeam> teams;
};

// InvalidArgument "file:line: field: ..." for bad or unknown fields, unknown
// groups, formulas or duplicate names; also when max_total differs from the
// groups' sum.
Result<PointsConfig> ParsePointsYaml(const std::string& yaml, const std::string& file);
Result<PointsConfig> LoadPointsConfig(const std::string& path);

// f(score, target) in [0, cap]. InvalidArgument for a target the formula
// cannot use (capped_ratio: target <= 0; linear: target == floor).
Result<double> FormulaFraction(const PointsBenchmark& b, double score, double target);

struct BenchmarkPoints {
  PointsBenchmark spec;
  double score = 0;
  double target = 0;
  double fraction = 0;
  double max_points = 0;
  double points = 0;
};

struct GroupPoints {
  std::string group;
  double points = 0;
  double max_points = 0;
};

struct TeamPoints {
  std::string team;
  std::string results_file;
  std::string results_sha256;
  std::vector<BenchmarkPoints> benchmarks;
  std::vector<GroupPoints> groups;
  double total = 0;
  double max_total = 0;
};

// The score a results JSON gives a benchmark. NotFound naming the missing
// task/group or metric.
Result<double> LookupScore(const EvalResults& results, const PointsBenchmark& b);

// Points for one team from its results. NotFound for a benchmark with no
// declared target or no score.
Result<TeamPoints> ComputeTeamPoints(const PointsConfig& config, const PointsTeam& team,
                                     const EvalResults& results);

// Reads each team's results file (relative paths against the config's
// folder, or `results_override` team -> path) and computes its points.
Result<std::vector<TeamPoints>> ComputePoints(const PointsConfig& config,
                                              const std::map<std::string, std::string>& results_override = {});

// "dokja.bench.points/1" JSON (pretty).
std::string PointsToJson(const PointsConfig& config, const std::vector<TeamPoints>& teams);
// One line per team and group, then the benchmarks.
std::string PointsTable(const std::vector<TeamPoints>& teams);

}  // namespace dokja::bench
