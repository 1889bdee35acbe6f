// `dokja expert export` end to end: a platform store with submitted expert
// scores is exported to files that `dokja stage decide` reads as they are.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

#include "run_command.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using dokja::testing::RunCommand;
using dokja::testing::RunResult;
namespace store = dokja::store;

const std::string kDokja = DOKJA_BINARY;

constexpr const char* kStageYaml = R"(stage: cli
title: expert export through the CLI
teams:
  - {name: Alpha, members: [Org A], submitted_model: a/m}
  - {name: Beta, members: [Org B], submitted_model: b/m}
criteria:
  benchmark: {points: 40, groups: [{id: all, points: 40}]}
  expert:
    points: 35
    criteria: [{id: report, points: 35, scale_max: 10}]
  user: {points: 25, scores_mapping: {kind: relative_to_best}, bootstrap_rounds: 1000, seed: 1}
advance: {count: 1}
tie_breaks: [expert]
inputs: {bench_points: bench.json, expert_roster: export/expert_roster.csv,
         expert_scores: export/expert_scores.csv, user_scores: users.csv}
)";

// Alpha gets 8 and 6 from e1 and e2, Beta 4 from e1; e2's Beta draft is not
// submitted (e2 works for Org B and would be a conflict anyway: never assigned).
struct Seeded {
  std::string url;
  int64_t pending_assignment = 0;
};

Seeded Seed(const std::string& dir) {
  Seeded s{"sqlite:" + dir + "/platform.db"};
  auto st = store::OpenStore(s.url);
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  store::Store& db = **st;
  const int64_t org_a = db.CreateOrganisation("Org A").value();
  const int64_t org_b = db.CreateOrganisation("Org B").value();
  const int64_t alpha = db.CreateTeam({0, "Alpha", "Team 1", {org_a}}).value();
  const int64_t beta = db.CreateTeam({0, "Beta", "Team 2", {org_b}}).value();
  const int64_t e1 = db.CreateAccount({"e1", "E One", store::Role::kExpert, "h", 0, 1}).value();
  const int64_t e2 = db.CreateAccount({"e2", "E Two", store::Role::kExpert, "h", 0, 1}).value();
  const int64_t e3 = db.CreateAccount({"e3", "E Three", store::Role::kExpert, "h", 0, 1}).value();
  EXPECT_TRUE(db.AddAffiliation(e2, org_b).ok());
  store::Rubric r =
      db.CreateRubric({0, "Stage 1", {{0, "report", "보고서", "Report", "", "", 0, 10}}}).value();
  const int64_t k = r.criteria[0].id;
  for (const auto& [expert, team, score] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
           {e1, alpha, 8}, {e2, alpha, 6}, {e1, beta, 4}}) {
    const int64_t a = db.AssignExpert(r.id, expert, team, 1).value();
    EXPECT_TRUE(db.SaveDraftScores(a, {{k, score, ""}}, 2).ok());
    EXPECT_TRUE(db.SubmitScores(a, 3).ok());
  }
  s.pending_assignment = db.AssignExpert(r.id, e3, beta, 4).value();
  EXPECT_TRUE(db.SaveDraftScores(s.pending_assignment, {{k, 10, "draft"}}, 5).ok());
  return s;
}

TEST(ExpertExportCli, WritesFilesThatStageDecideReads) {
  const std::string dir = ::testing::TempDir() + "dokja_expert_export_cli";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const Seeded s = Seed(dir);
  RunResult r = RunCommand(kDokja + " expert export --store " + s.url + " --rubric 'Stage 1' -o " +
                           dir + "/export");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("3 scores from 3 submitted assignments"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 of 4 assignments are not submitted"), std::string::npos) << r.out;

  std::ofstream(dir + "/stage.yaml") << kStageYaml;
  std::ofstream(dir + "/bench.json")
      << R"({"teams": {"Alpha": {"groups": {"all": {"points": 20, "max": 40}}, "total": 20},)"
         R"( "Beta": {"groups": {"all": {"points": 20, "max": 40}}, "total": 20}}})";
  std::ofstream(dir + "/users.csv") << "user,team,task,score\nu1,Alpha,t,50\nu1,Beta,t,50\n";
  r = RunCommand(kDokja + " stage decide --config " + dir + "/stage.yaml --out " + dir + "/out");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::ifstream in(dir + "/out/decision.json");
  const nlohmann::json decision = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(decision.is_object()) << "decision.json";
  bool saw_alpha = false;
  for (const auto& t : decision["teams"]) {
    if (t["team"] == "Alpha") {
      saw_alpha = true;
      EXPECT_NEAR(t["expert"]["points"].get<double>(), 35 * 7.0 / 10, 1e-9) << t.dump();
    }
    if (t["team"] == "Beta") {
      EXPECT_NEAR(t["expert"]["points"].get<double>(), 35 * 4.0 / 10, 1e-9);
    }
  }
  EXPECT_TRUE(saw_alpha) << decision.dump();
}

TEST(ExpertExportCli, ReportsUnknownRubricsAndPendingWorkWithExitCodes) {
  const std::string dir = ::testing::TempDir() + "dokja_expert_export_cli_errors";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const Seeded s = Seed(dir);
  RunResult r = RunCommand(kDokja + " expert export --store " + s.url + " --rubric nope -o " + dir);
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_NE(r.out.find("no rubric with id or name 'nope'"), std::string::npos) << r.out;
  r = RunCommand(kDokja + " expert export --store " + s.url + " --rubric 1 --require-complete -o " +
                 dir);
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("1 of 4 assignments are not submitted"), std::string::npos) << r.out;
  r = RunCommand(kDokja + " expert export --store " + s.url +
                 " --rubric 1 --format json --json -o " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["scores"], 3);
  EXPECT_EQ(j["files"][0]["path"], dir + "/expert_scores.json");
  EXPECT_EQ(RunCommand(kDokja + " expert export --rubric 1 -o " + dir).exit_code, 2);
  r = RunCommand(kDokja + " expert export --store " + dir + "/absent.db --rubric 1 -o " + dir);
  EXPECT_EQ(r.exit_code, 4) << r.out;
  EXPECT_FALSE(fs::exists(dir + "/absent.db")) << "an export must not create a store";
}

}  // namespace
