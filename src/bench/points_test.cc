// Points formulas, group sums and the points JSON, with hand-computed values.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench/bench_test_util.h"
#include "bench/points.h"
#include "bench/results.h"

namespace dokja::bench {
namespace {

PointsBenchmark Bench(PointsFormula f, double cap = 1.0, double floor = 0) {
  PointsBenchmark b;
  b.name = "b";
  b.formula = f;
  b.cap = cap;
  b.floor = floor;
  return b;
}

TEST(Points, FormulasByHand) {
  EXPECT_DOUBLE_EQ(*FormulaFraction(Bench(PointsFormula::kCappedRatio), 0.45, 0.60), 0.75);
  EXPECT_DOUBLE_EQ(*FormulaFraction(Bench(PointsFormula::kCappedRatio), 0.70, 0.60), 1.0);
  EXPECT_DOUBLE_EQ(*FormulaFraction(Bench(PointsFormula::kCappedRatio, 1.2), 0.66, 0.60), 1.1);
  EXPECT_DOUBLE_EQ(*FormulaFraction(Bench(PointsFormula::kLinear, 1.0, 0.25), 0.40, 0.55), 0.5);
  EXPECT_DOUBLE_EQ(*FormulaFraction(Bench(PointsFormula::kLinear, 1.0, 0.25), 0.20, 0.55), 0.0);
  EXPECT_DOUBLE_EQ(*FormulaFraction(Bench(PointsFormula::kThreshold), 0.60, 0.60), 1.0);
  EXPECT_DOUBLE_EQ(*FormulaFraction(Bench(PointsFormula::kThreshold), 0.59, 0.60), 0.0);
  PointsBenchmark lower = Bench(PointsFormula::kCappedRatio);
  lower.higher_is_better = false;
  EXPECT_DOUBLE_EQ(*FormulaFraction(lower, 8.0, 6.0), 0.75);
  EXPECT_FALSE(FormulaFraction(Bench(PointsFormula::kCappedRatio), 0.5, 0.0).ok());
  EXPECT_FALSE(FormulaFraction(Bench(PointsFormula::kLinear, 1.0, 0.5), 0.5, 0.5).ok());
}

const char* kConfig = R"(max_total: 40
groups:
  - {name: agency, max_points: 10}
  - {name: common, max_points: 20}
  - {name: team_chosen, max_points: 10}
benchmarks:
  - {name: ko_ifeval, group: agency, metric: prompt_level_strict_acc}
  - {name: kmmlu, group: common, weight: 3}
  - {name: kobest, group: common, weight: 1, aggregate: macro}
teams:
  - name: team-a
    results: a.json
    targets: {ko_ifeval: 0.8, kmmlu: 0.5, kobest: 0.8, gsm8k: 0.9}
    benchmarks:
      - {name: gsm8k, group: team_chosen, metric: exact_match, filter: strict-match, formula: linear, floor: 0.3}
)";

EvalResults Results() {
  EvalResults r;
  auto task = [](const std::string& name, const std::string& metric, const std::string& filter, double v) {
    TaskResult t;
    t.manifest.task = name;
    t.manifest.output_type = "x";
    t.metrics.push_back(MetricValue{metric, filter, v, 0.01, true, 100});
    return t;
  };
  r.tasks = {task("ko_ifeval", "prompt_level_strict_acc", "none", 0.6), task("kmmlu", "acc", "none", 0.55),
             task("gsm8k", "exact_match", "strict-match", 0.6)};
  GroupResult g;
  g.group = "kobest";
  g.tasks = {"kobest_boolq"};
  g.metrics.push_back(GroupMetric{"acc", "none", 0.9, 0.01, 0.6, 0.01, 500, 5, true});
  r.groups = {g};
  return r;
}

TEST(Points, TeamPointsByHand) {
  auto cfg = ParsePointsYaml(kConfig, "p.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  auto tp = ComputeTeamPoints(*cfg, cfg->teams[0], Results());
  ASSERT_TRUE(tp.ok()) << tp.status().ToString();
  // agency: 10 * 0.6/0.8 = 7.5
  // common: kmmlu 15 * min(0.55/0.5, 1) = 15; kobest (macro 0.6) 5 * 0.6/0.8 = 3.75
  // team_chosen: 10 * (0.6-0.3)/(0.9-0.3) = 5
  ASSERT_EQ(tp->groups.size(), 3u);
  EXPECT_DOUBLE_EQ(tp->groups[0].points, 7.5);
  EXPECT_DOUBLE_EQ(tp->groups[1].points, 18.75);
  EXPECT_DOUBLE_EQ(tp->groups[2].points, 5.0);
  EXPECT_DOUBLE_EQ(tp->total, 31.25);
  EXPECT_DOUBLE_EQ(tp->max_total, 40);
  EXPECT_DOUBLE_EQ(tp->benchmarks[1].max_points, 15);
}

TEST(Points, MissingScoreOrTargetIsAnError) {
  auto cfg = ParsePointsYaml(kConfig, "p.yaml");
  ASSERT_TRUE(cfg.ok());
  EvalResults r = Results();
  r.tasks.erase(r.tasks.begin() + 1);  // no kmmlu
  auto tp = ComputeTeamPoints(*cfg, cfg->teams[0], r);
  ASSERT_FALSE(tp.ok());
  EXPECT_NE(tp.status().message().find("kmmlu"), std::string::npos);
  PointsTeam no_targets = cfg->teams[0];
  no_targets.targets.erase("kobest");
  EXPECT_EQ(ComputeTeamPoints(*cfg, no_targets, Results()).status().code(), StatusCode::kNotFound);
}

TEST(Points, ConfigErrorsNameLineAndField) {
  std::string bad = kConfig;
  bad.replace(bad.find("weight: 3"), 9, "weight: x");
  auto r = ParsePointsYaml(bad, "p.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("p.yaml:8: benchmarks.weight"), std::string::npos) << r.status().ToString();
  std::string group = kConfig;
  group.replace(group.find("group: common, weight: 3"), 13, "group: commen");
  EXPECT_NE(ParsePointsYaml(group, "p.yaml").status().message().find("unknown group 'commen'"), std::string::npos);
  std::string total = kConfig;
  total.replace(0, 13, "max_total: 50");
  EXPECT_FALSE(ParsePointsYaml(total, "p.yaml").ok());
  std::string formula = kConfig;
  formula.replace(formula.find("formula: linear"), 15, "formula: cubic");
  EXPECT_NE(ParsePointsYaml(formula, "p.yaml").status().message().find("p.yaml:15: teams.benchmarks.formula"), std::string::npos);
}

TEST(Points, ComputeFromResultsFilesAndWriteJson) {
  testing::ScratchDir dir;
  auto json = ResultsToJson(Results());
  ASSERT_TRUE(json.ok());
  dir.Write("a.json", *json);
  std::string path = dir.Write("p.yaml", kConfig);
  auto cfg = LoadPointsConfig(path);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  auto teams = ComputePoints(*cfg);
  ASSERT_TRUE(teams.ok()) << teams.status().ToString();
  nlohmann::json out = nlohmann::json::parse(PointsToJson(*cfg, *teams));
  EXPECT_EQ(out["schema"], "dokja.bench.points/1");
  // The shape the stage decision reads: teams and groups keyed by name.
  const nlohmann::json& team = out["teams"]["team-a"];
  EXPECT_DOUBLE_EQ(team["total"].get<double>(), 31.25);
  EXPECT_DOUBLE_EQ(team["max"].get<double>(), 40);
  EXPECT_DOUBLE_EQ(team["groups"]["common"]["points"].get<double>(), 18.75);
  EXPECT_DOUBLE_EQ(team["groups"]["common"]["max"].get<double>(), 20);
  EXPECT_EQ(team["benchmarks"][3]["name"], "gsm8k");
  EXPECT_DOUBLE_EQ(team["benchmarks"][3]["points"].get<double>(), 5.0);
  EXPECT_EQ(team["results_sha256"].get<std::string>().size(), 64u);
  auto missing = ComputePoints(*cfg, {{"team-a", dir.path() + "/none.json"}});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace dokja::bench
