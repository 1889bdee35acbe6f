// `dokja bench tasks` and `dokja bench points` end to end: output, exit codes
// and the points JSON.
#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace dokja
