// The stage decision end to end: the stage-1 example reproduces the published
// figures from raw inputs; the CLI writes, verifies and recomputes the record;
// the report renders in headless Chromium.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.h"
#include "scoring/record.h"
#include "scoring/stage.h"

namespace {

namespace fs = std::filesystem;
using dokja::testing::RunCommand;
using dokja::testing::RunResult;

const std::string kDokja = DOKJA_BINARY;
const std::string kExample = std::string(DOKJA_SOURCE_DIR) + "/examples/stage1";

const dokja::scoring::TeamOutcome& Team(const dokja::scoring::StageOutcome& o, const std::string& name) {
  for (const auto& t : o.teams) {
    if (t.team == name) return t;
  }
  ADD_FAILURE() << "no team " << name;
  return o.teams.front();
}

// A private copy of the example, so tests may change its files.
std::string CopyExample(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "dokja_stage1_" + name;
  fs::remove_all(dir);
  fs::copy(kExample, dir, fs::copy_options::recursive);
  return dir;
}

TEST(Stage1Example, ReproducesThePublishedFigures) {
  auto config = dokja::scoring::LoadStageConfig(kExample + "/stage.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto inputs = dokja::scoring::LoadStageInputs(*config);
  ASSERT_TRUE(inputs.ok()) << inputs.status().ToString();
  auto o = dokja::scoring::DecideStage(*config, *inputs);
  ASSERT_TRUE(o.ok()) << o.status().ToString();

  // The leader: 9.2 + 14.4 + 10 = 33.6 benchmark, 31.6 expert, 25.0 user = 90.2.
  const auto& lead = o->teams.front();
  EXPECT_EQ(lead.team, "team-a");
  ASSERT_EQ(lead.benchmark_parts.size(), 3u);
  EXPECT_NEAR(lead.benchmark_parts[0].points, 9.2, 1e-9);
  EXPECT_NEAR(lead.benchmark_parts[1].points, 14.4, 1e-9);
  EXPECT_NEAR(lead.benchmark_parts[2].points, 10.0, 1e-9);
  EXPECT_NEAR(lead.benchmark, 33.6, 1e-9);
  EXPECT_NEAR(lead.expert, 31.6, 1e-9);
  EXPECT_NEAR(lead.user, 25.0, 1e-9);
  EXPECT_NEAR(lead.total, 90.2, 1e-9);
  EXPECT_EQ(lead.n_experts, 10u);
  EXPECT_EQ(lead.user_stats.n_users, 49u);
  // The five-team means: 30.4, 28.56, 20.76 = 79.7 (79.72 unrounded).
  EXPECT_NEAR(o->mean_benchmark, 30.4, 1e-9);
  EXPECT_NEAR(o->mean_expert, 28.56, 1e-9);
  EXPECT_NEAR(o->mean_user, 20.76, 1e-9);
  EXPECT_NEAR(o->mean_total, 79.72, 1e-9);
  EXPECT_EQ(std::round(o->mean_total * 10) / 10, 79.7);

  // A top-four team fails the gate on its copied vision encoder.
  const auto& gated = Team(*o, "team-c");
  EXPECT_LE(gated.rank, 4u);
  EXPECT_FALSE(gated.gate_pass);
  EXPECT_EQ(gated.decision, dokja::scoring::Decision::kEliminatedGate);
  ASSERT_EQ(gated.gate_evidence.size(), 1u);
  EXPECT_EQ(gated.gate_evidence[0].component, "vision[visual]");
  EXPECT_EQ(gated.gate_evidence[0].verdict, "COPIED");
  EXPECT_EQ(gated.gate_evidence[0].reference, "refs/public-vit-encoder");
  EXPECT_EQ(gated.audit_sha256.size(), 64u);
  // Deriving from the team's own earlier model is allowed.
  EXPECT_TRUE(Team(*o, "team-b").gate_pass);
  EXPECT_TRUE(Team(*o, "team-b").audit_not_original);
  // The lowest-scoring team is eliminated on score; three advance.
  EXPECT_EQ(o->teams.back().decision, dokja::scoring::Decision::kEliminatedScore);
  int advanced = 0;
  for (const auto& t : o->teams) advanced += t.decision == dokja::scoring::Decision::kAdvance;
  EXPECT_EQ(advanced, 3);
  // The conflicted expert's scores for team-d did not count.
  ASSERT_EQ(o->exclusions.size(), 1u);
  EXPECT_EQ(o->exclusions[0].team, "team-d");
  EXPECT_EQ(o->exclusions[0].scores_dropped, 3u);
  EXPECT_EQ(Team(*o, "team-d").n_experts, 9u);
  EXPECT_EQ(o->alphas.size(), 3u);
}

TEST(StageCli, DecideVerifyRecomputeAndTamper) {
  const std::string dir = CopyExample("cli");
  const std::string out = dir + "/out";
  RunResult r = RunCommand(kDokja + " stage decide --config " + dir + "/stage.yaml --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("90.20"), std::string::npos) << r.out;
  for (const char* f : {"record.jsonl", "report.html", "decision.json", "decision.csv"}) {
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  }
  std::ifstream csv(out + "/decision.csv");
  std::string header, first;
  std::getline(csv, header);
  std::getline(csv, first);
  EXPECT_EQ(first.rfind("1,team-a,33.6000,31.6000,25.0000,90.2000,pass,advance,", 0), 0u) << first;

  r = RunCommand(kDokja + " record verify --json " + out + "/record.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string head = nlohmann::json::parse(r.out)["head"];
  EXPECT_EQ(RunCommand(kDokja + " record verify " + out + "/record.jsonl --head " + head).exit_code, 0);
  r = RunCommand(kDokja + " stage recompute --record " + out + "/record.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("every number re-derived and matching"), std::string::npos);

  // A quiet change to an input after recording: recompute names the file.
  std::ofstream(dir + "/user_scores.csv", std::ios::app) << "U01,team-e,coding,100\n";
  r = RunCommand(kDokja + " stage recompute --record " + out + "/record.jsonl");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("changed input: user_scores"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("user_scores.csv: changed since it was recorded"), std::string::npos) << r.out;

  // An edited record line: verify fails with the line number.
  RunCommand("sed -i '3s/\"sha256\":\"./\"sha256\":\"0/' " + out + "/record.jsonl");
  r = RunCommand(kDokja + " record verify " + out + "/record.jsonl");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("record.jsonl:3: hash does not match"), std::string::npos) << r.out;
  EXPECT_EQ(RunCommand(kDokja + " record verify /nonexistent/record.jsonl").exit_code, 4);
}

TEST(StageCli, BadInputsGiveExitCodesAndNameTheFile) {
  const std::string dir = CopyExample("bad");
  std::ofstream(dir + "/expert_scores.csv", std::ios::app) << "X01,team-z,training_logs,5\n";
  RunResult r = RunCommand(kDokja + " stage decide --config " + dir + "/stage.yaml --out " + dir + "/out");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("expert_scores.csv:152: unknown team 'team-z'"), std::string::npos) << r.out;
  r = RunCommand(kDokja + " stage decide --config " + dir + "/missing.yaml");
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_EQ(RunCommand(kDokja + " stage decide").exit_code, 2);
  EXPECT_EQ(RunCommand(kDokja + " stage decide --config " + dir + "/stage.yaml --lang fr").exit_code, 2);
}

TEST(StageReport, RendersInHeadlessChromium) {
  if (std::system("command -v chromium > /dev/null 2>&1") != 0) {
    if (std::getenv("CI") != nullptr) FAIL() << "chromium is not installed (scripts/setup.sh installs it)";
    GTEST_SKIP() << "chromium not installed";
  }
  const std::string dir = CopyExample("html");
  RunResult r = RunCommand(kDokja + " stage decide --config " + dir + "/stage.yaml --out " + dir + "/out");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string profile = ::testing::TempDir() + "dokja_stage_chromium_profile";
  RunResult dom = RunCommand(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" + profile + " --dump-dom file://" + dir + "/out/report.html", false);
  ASSERT_EQ(dom.exit_code, 0);
  for (const char* needle : {"id=\"ranking\"", "id=\"score-chart\"", "id=\"user-ci\"", "id=\"bt-ci\"", "id=\"coi\"",
                             "id=\"alpha\"", "id=\"gate\"", "id=\"teams\"", "class=\"badge eliminated_gate\"", "순위 및 결정",
                             "Ranking and decision", "90.20", "refs/public-vit-encoder", "</html>"}) {
    EXPECT_NE(dom.out.find(needle), std::string::npos) << needle;
  }
  // Self-contained: no scripts, no external resources.
  std::ifstream html(dir + "/out/report.html");
  const std::string text((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("<script"), std::string::npos);
  EXPECT_EQ(text.find("http://"), text.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(text.find("https://"), std::string::npos);
}

}  // namespace
