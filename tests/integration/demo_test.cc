// dokja demo end to end: the README's first command. The verdicts and
// decisions are not written anywhere in the demo's data; they come from
// auditing and benchmarking the bundled models, so these checks fail if any
// stage of the pipeline stops working.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "run_command.h"

namespace {

namespace fs = std::filesystem;
using dokja::testing::RunCommand;
using dokja::testing::RunResult;

const std::string kDokja = DOKJA_BINARY;

// ctest runs each case in its own process, possibly at once: one folder per process.
std::string Fresh(const std::string& name) {
  const std::string dir =
      ::testing::TempDir() + "dokja_demo_" + std::to_string(getpid()) + "_" + name;
  fs::remove_all(dir);
  return dir;
}

// The demo run once for the whole suite (it takes about a second).
class DemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(Fresh("run"));
    // From the source tree, as the README runs it.
    *out_ = RunCommand("cd " DOKJA_SOURCE_DIR " && " + kDokja + " demo --json --out " + *dir_, false);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string* dir_;
  static RunResult* out_;
};
std::string* DemoTest::dir_ = nullptr;
RunResult* DemoTest::out_ = new RunResult;

TEST_F(DemoTest, DecidesTheStageFromTheModelsThemselves) {
  ASSERT_EQ(out_->exit_code, 0) << out_->out;
  const auto j = nlohmann::json::parse(out_->out);
  std::map<std::string, nlohmann::json> teams;
  for (const auto& t : j["outcome"]["teams"]) teams[t["team"]] = t;
  ASSERT_EQ(teams.size(), 5u);
  // A frozen public encoder fails the gate as COPIED ...
  EXPECT_EQ(teams["nuri"]["decision"], "eliminated_gate");
  bool copied_vision = false;
  for (const auto& e : teams["nuri"]["gate"]["evidence"]) {
    copied_vision |= e["verdict"] == "COPIED" && e["component"] == "vision[visual]";
  }
  EXPECT_TRUE(copied_vision) << teams["nuri"]["gate"].dump();
  // ... continued pre-training of the public model as DERIVED ...
  EXPECT_EQ(teams["garam"]["decision"], "eliminated_gate");
  for (const auto& e : teams["garam"]["gate"]["evidence"]) EXPECT_EQ(e["verdict"], "DERIVED");
  // The reason cites the strongest evidence: the text body, not the head.
  EXPECT_NE(teams["garam"]["reason"].get<std::string>().find("text DERIVED"), std::string::npos)
      << teams["garam"]["reason"];
  // ... while the same random initialisation alone (SHARED-INIT) and models
  // trained from scratch pass.
  for (const char* team : {"haneul", "bada", "sanmaru"}) {
    EXPECT_TRUE(teams[team]["gate"]["pass"].get<bool>()) << team;
  }
  // Benchmarks ran on the engine: the scratch model scoring as well as the
  // target earns the full 40, a multimodal model's weaker text part fewer.
  EXPECT_GT(teams["haneul"]["benchmark"]["points"].get<double>(), 30.0);
  EXPECT_LT(teams["nuri"]["benchmark"]["points"].get<double>(),
            teams["haneul"]["benchmark"]["points"].get<double>());
  int advancing = 0;
  for (const auto& [name, t] : teams) advancing += t["decision"] == "advance";
  EXPECT_EQ(advancing, 2);
}

TEST_F(DemoTest, LeavesAVerifiableRecordAndEveryNumberRecomputes) {
  ASSERT_EQ(out_->exit_code, 0) << out_->out;
  RunResult verify = RunCommand(kDokja + " record verify " + *dir_ + "/report/record.jsonl");
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  // From another working directory: the folder alone re-derives everything.
  RunResult recompute = RunCommand("cd / && " + kDokja + " stage recompute --record " + *dir_ +
                                   "/report/record.jsonl");
  EXPECT_EQ(recompute.exit_code, 0) << recompute.out;
  for (const char* f : {"report/report.html", "report/decision.json", "report/decision.csv",
                        "audit/nuri.html", "audit/garam.json", "bench/points.json",
                        "bench/haneul/results.json", "bench/haneul/samples/demo_licence_cloze.jsonl",
                        "registry.db"}) {
    EXPECT_TRUE(fs::exists(*dir_ + "/" + f)) << f;
  }
}

TEST_F(DemoTest, ChangedInputIsCaughtByRecompute) {
  ASSERT_EQ(out_->exit_code, 0) << out_->out;
  const std::string copy = Fresh("tamper");
  fs::copy(*dir_, copy, fs::copy_options::recursive);
  std::ofstream(copy + "/inputs/expert_scores.csv", std::ios::app) << "E02,bada,technical_report,10\n";
  RunResult r = RunCommand(kDokja + " stage recompute --record " + copy + "/report/record.jsonl");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("expert_scores.csv"), std::string::npos) << r.out;
}

TEST_F(DemoTest, ReportRendersInHeadlessChromium) {
  ASSERT_EQ(out_->exit_code, 0) << out_->out;
  if (std::system("command -v chromium > /dev/null 2>&1") != 0) {
    if (std::getenv("CI") != nullptr) FAIL() << "chromium is not installed (scripts/setup.sh installs it)";
    GTEST_SKIP() << "chromium not installed";
  }
  const std::string profile = ::testing::TempDir() + "dokja_demo_chromium_profile";
  RunResult dom = RunCommand(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" + profile + " --dump-dom file://" + *dir_ + "/report/report.html", false);
  ASSERT_EQ(dom.exit_code, 0);
  for (const char* needle : {"id=\"ranking\"", "id=\"gate\"", "haneul", "models/public/public-vit",
                             "class=\"badge eliminated_gate\"", "</html>"}) {
    EXPECT_NE(dom.out.find(needle), std::string::npos) << needle;
  }
}

TEST(DemoCli, RunsAgainInItsOwnFolderButLeavesOtherFoldersAlone) {
  const std::string dir = Fresh("rerun");
  const std::string cmd = "cd " DOKJA_SOURCE_DIR " && " + kDokja + " demo --out " + dir;
  ASSERT_EQ(RunCommand(cmd).exit_code, 0);
  RunResult again = RunCommand(cmd);
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("report/report.html"), std::string::npos) << again.out;

  const std::string other = Fresh("other");
  fs::create_directories(other);
  std::ofstream(other + "/precious.txt") << "keep me\n";
  RunResult refused = RunCommand("cd " DOKJA_SOURCE_DIR " && " + kDokja + " demo --out " + other);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.out.find("not a dokja demo folder"), std::string::npos) << refused.out;
  EXPECT_TRUE(fs::exists(other + "/precious.txt"));

  RunResult no_data = RunCommand("cd / && " + kDokja + " demo --data /nonexistent --out " + Fresh("nodata"));
  EXPECT_EQ(no_data.exit_code, 4) << no_data.out;
  EXPECT_NE(no_data.out.find("demo.json"), std::string::npos) << no_data.out;
}

}  // namespace
