// `dokja bench tasks` and `dokja bench points` end to end: output, exit codes
// and the points JSON.
#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_command.h"

namespace dokja {
namespace {

using testing::RunCommand;

std::string Dokja() { return DOKJA_BINARY; }
std::string Src(const std::string& rel) { return std::string(DOKJA_SOURCE_DIR) + "/" + rel; }

std::string TempDir() {
  auto dir = std::filesystem::temp_directory_path() / ("dokja_bench_cli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(BenchCli, ListsTheBundledTasksAsJson) {
  auto r = RunCommand(Dokja() + " bench tasks --json --tasks-dir " + Src("tasks"), false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["tasks"].size(), 20u);
  bool has_kobest = false;
  for (const auto& g : j["groups"]) has_kobest |= g["name"] == "kobest";
  EXPECT_TRUE(has_kobest);
}

TEST(BenchCli, ValidateBuildsRequestsOrNamesTheBadField) {
  auto ok = RunCommand(Dokja() + " bench tasks --json --validate " + Src("tasks/korean/kmmlu.yaml") +
                       " --data-dir " + Src("tests/testdata/bench"), false);
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_EQ(nlohmann::json::parse(ok.out)["requests_built"], 12);
  const std::string dir = TempDir();
  Write(dir + "/bad.yaml", "task: x\ndataset_path: d.jsonl\ndoc_to_text: q\nnum_fewshot: many\n");
  auto bad = RunCommand(Dokja() + " bench tasks --validate " + dir + "/bad.yaml");
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.out.find("bad.yaml:4: num_fewshot"), std::string::npos) << bad.out;
  std::filesystem::remove_all(dir);
}

TEST(BenchCli, PointsFromAResultsFile) {
  const std::string dir = TempDir();
  Write(dir + "/a.json",
        R"({"schema": "dokja.bench.results/1", "tasks": {"kmmlu": {"output_type": "multiple_choice",
            "n_docs": 10, "metrics": {"acc,none": {"metric": "acc", "filter": "none", "value": 0.45,
            "stderr": 0.1, "n": 10}}}}, "groups": {}})");
  Write(dir + "/points.yaml",
        "groups:\n  - {name: common, max_points: 20}\nbenchmarks:\n  - {name: kmmlu, group: common}\n"
        "teams:\n  - name: team-a\n    results: a.json\n    targets: {kmmlu: 0.6}\n");
  auto r = RunCommand(Dokja() + " bench points --json " + dir + "/points.yaml --out " + dir + "/out.json", false);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_DOUBLE_EQ(j["teams"]["team-a"]["total"].get<double>(), 15.0);  // 20 * 0.45 / 0.6
  EXPECT_TRUE(std::filesystem::exists(dir + "/out.json"));
  auto missing = RunCommand(Dokja() + " bench points " + dir + "/points.yaml --results team-a=" + dir + "/no.json");
  EXPECT_EQ(missing.exit_code, 4) << missing.out;
  auto usage = RunCommand(Dokja() + " bench points " + dir + "/points.yaml --results nonsense");
  EXPECT_EQ(usage.exit_code, 3) << usage.out;
  std::filesystem::remove_all(dir);
}

// The points JSON feeds the stage decision: run `dokja bench points` for the
// stage-1 example's five teams and decide the stage with it.
TEST(BenchCli, PointsJsonIsWhatTheStageDecisionReads) {
  const std::string dir = TempDir() + "/stage";
  ASSERT_EQ(RunCommand("cp -r " + Src("examples/stage1") + " " + dir).exit_code, 0);
  Write(dir + "/results.json", R"({"schema": "dokja.bench.results/1", "tasks": {
      "ko_ifeval": {"output_type": "generate_until", "n_docs": 10, "metrics": {"prompt_level_strict_acc,none":
        {"metric": "prompt_level_strict_acc", "filter": "none", "value": 0.6, "stderr": 0.1, "n": 10}}},
      "kmmlu": {"output_type": "multiple_choice", "n_docs": 10, "metrics": {"acc,none":
        {"metric": "acc", "filter": "none", "value": 0.45, "stderr": 0.1, "n": 10}}},
      "gsm8k": {"output_type": "generate_until", "n_docs": 10, "metrics": {"exact_match,strict-match":
        {"metric": "exact_match", "filter": "strict-match", "value": 0.6, "stderr": 0.1, "n": 10}}}}})");
  std::string yaml =
      "groups:\n  - {name: agency, max_points: 10}\n  - {name: global, max_points: 20}\n"
      "  - {name: team_chosen, max_points: 10}\nbenchmarks:\n"
      "  - {name: ko_ifeval, group: agency, metric: prompt_level_strict_acc}\n"
      "  - {name: kmmlu, group: global}\n"
      "  - {name: gsm8k, group: team_chosen, metric: exact_match, filter: strict-match}\nteams:\n";
  for (const char* team : {"team-a", "team-b", "team-c", "team-d", "team-e"}) {
    yaml += std::string("  - name: ") + team + "\n    results: results.json\n"
            "    targets: {ko_ifeval: 0.8, kmmlu: 0.5, gsm8k: 0.9}\n";
  }
  Write(dir + "/points.yaml", yaml);
  auto points = RunCommand(Dokja() + " bench points " + dir + "/points.yaml --out " + dir + "/bench_points.json");
  ASSERT_EQ(points.exit_code, 0) << points.out;
  auto decide = RunCommand(Dokja() + " stage decide --config " + dir + "/stage.yaml --out " + dir + "/out");
  ASSERT_EQ(decide.exit_code, 0) << decide.out;
  // 10 * 0.6/0.8 + 20 * 0.45/0.5 + 10 * 0.6/0.9 = 7.5 + 18 + 6.6667.
  std::ifstream csv(dir + "/out/decision.csv");
  std::string text((std::istreambuf_iterator<char>(csv)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(",team-a,32.1667,"), std::string::npos) << text;
  std::filesystem::remove_all(TempDir());
}

}  // namespace
}  // namespace dokja
