// The platform's expert export feeds the stage decision without retyping:
// experts score over HTTP, the admin exports scores (CSV and JSON) and the
// roster, and the stage decision's own loaders and DecideStage consume them.
#include <filesystem>
#include <fstream>

#include "scoring/stage.h"
#include "scoring/stage_config.h"
#include "scoring/stage_inputs.h"
#include "web/expert_test_util.h"

namespace dokja::web::testing {
namespace {

class ExpertStage : public ExpertTest {};

constexpr const char* kStageYaml = R"(stage: web
title: platform export
teams:
  - {name: Alpha, members: [Org1], submitted_model: a/m}
  - {name: Beta, members: [Org2], submitted_model: b/m}
  - {name: Gamma, members: [Org3, Org4], submitted_model: c/m}
criteria:
  benchmark: {points: 40, groups: [{id: all, points: 40}]}
  expert:
    points: 35
    criteria: [{id: report, points: 20, scale_max: 10}, {id: logs, points: 15, scale_max: 10}]
    normalisation: raw
  user: {points: 25, scores_mapping: {kind: relative_to_best}, bootstrap_rounds: 1000, seed: 1}
advance: {count: 2}
tie_breaks: [expert]
inputs: {bench_points: bench.json, expert_roster: roster.csv, expert_scores: SCORES, user_scores: users.csv}
)";

// The score expert `e` gives team `t` on criterion `c` (0-based indices).
int64_t ScoreOf(size_t e, size_t t, size_t c) {
  return static_cast<int64_t>((e + 2 * t + 3 * c) % 11);
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST_F(ExpertStage, ExportIsConsumedByTheStageDecision) {
  ExpertWorld w = MakeWorld();
  auto admin = As("admin");
  Json rubric = CreateRubric(*admin, "Stage 1", {"report", "logs"});
  Reply r = admin->Post("/api/admin/assignments", {{"rubric_id", rubric["id"]}, {"per_team", 3}});
  ASSERT_EQ(r.status, 200) << r.body;

  // Every expert scores every assigned team and submits; remember the sums.
  const std::vector<std::string> teams = {"Alpha", "Beta", "Gamma"};
  std::map<std::string, std::vector<double>> sum;  // team -> per criterion
  std::map<std::string, int> n_experts;
  size_t e = 0;
  for (const auto& [expert, expert_id] : w.experts) {
    auto client = As(expert);
    const std::vector<store::Assignment> mine = store().ListAssignments(expert_id).value();
    for (const store::Assignment& a : mine) {
      const size_t t = static_cast<size_t>(
          std::find_if(teams.begin(), teams.end(),
                       [&](const std::string& n) { return w.teams[n] == a.team_id; }) -
          teams.begin());
      Json scores = Json::array();
      for (size_t c = 0; c < 2; ++c) {
        scores.push_back(
            {{"criterion_id", rubric["criteria"][c]["id"]}, {"score", ScoreOf(e, t, c)}});
        sum[teams[t]].resize(2);
        sum[teams[t]][c] += static_cast<double>(ScoreOf(e, t, c));
      }
      ++n_experts[teams[t]];
      const std::string path = "/api/expert/assignments/" + std::to_string(a.id);
      ASSERT_EQ(client->Put(path + "/scores", {{"scores", scores}}).status, 200);
      ASSERT_EQ(client->Post(path + "/submit").status, 200);
    }
    ++e;
  }

  const std::string q =
      "/api/admin/expert/export?rubric_id=" + std::to_string(rubric["id"].get<int64_t>());
  Reply csv = admin->Get(q + "&what=scores&format=csv");
  Reply json = admin->Get(q + "&what=scores&format=json");
  Reply roster = admin->Get("/api/admin/expert/export?what=roster&format=csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  ASSERT_EQ(json.status, 200) << json.body;
  ASSERT_EQ(roster.status, 200) << roster.body;
  EXPECT_EQ(csv.body.rfind("expert,team,criterion,score\n", 0), 0u);
  EXPECT_NE(roster.body.find("e2,Org2; Org3\n"), std::string::npos) << roster.body;
  EXPECT_EQ(Header(csv, "Content-Disposition"), "attachment; filename=\"expert_scores.csv\"");
  EXPECT_EQ(admin->Get(q + "&what=roster&format=json").status, 400);
  EXPECT_EQ(As("e1")->Get(q).status, 403);

  for (const std::string scores_file : {"scores.csv", "scores.json"}) {
    const std::string dir = ::testing::TempDir() + "dokja_expert_stage_" + scores_file;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::string yaml = kStageYaml;
    yaml.replace(yaml.find("SCORES"), 6, scores_file);
    Write(dir + "/stage.yaml", yaml);
    Write(dir + "/bench.json",
          R"({"teams": {"Alpha": {"groups": {"all": {"points": 30, "max": 40}}, "total": 30},)"
          R"( "Beta": {"groups": {"all": {"points": 20, "max": 40}}, "total": 20},)"
          R"( "Gamma": {"groups": {"all": {"points": 10, "max": 40}}, "total": 10}}})");
    Write(dir + "/users.csv", "user,team,task,score\nu1,Alpha,t,80\nu1,Beta,t,60\nu1,Gamma,t,40\n");
    Write(dir + "/roster.csv", roster.body);
    Write(dir + "/" + scores_file, scores_file.ends_with(".json") ? json.body : csv.body);

    auto config = scoring::LoadStageConfig(dir + "/stage.yaml");
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto inputs = scoring::LoadStageInputs(*config);
    ASSERT_TRUE(inputs.ok()) << inputs.status().ToString();
    EXPECT_EQ(inputs->expert_scores.size(), 18u) << "3 teams x 3 experts x 2 criteria";
    auto outcome = scoring::DecideStage(*config, *inputs);
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    // The stage decision finds the same three conflicts from the roster
    // (e1-Alpha, e2-Beta, e2-Gamma), and no score to drop: the platform never
    // assigned a conflicted expert.
    EXPECT_EQ(outcome->exclusions.size(), 3u);
    for (const scoring::ConflictExclusion& x : outcome->exclusions) {
      EXPECT_EQ(x.scores_dropped, 0u) << x.expert << " scored " << x.team;
    }
    for (const scoring::TeamOutcome& t : outcome->teams) {
      EXPECT_EQ(t.n_experts, 3u) << t.team;
      const double expected = 20 * (sum[t.team][0] / 3) / 10 + 15 * (sum[t.team][1] / 3) / 10;
      EXPECT_NEAR(t.expert, expected, 1e-9) << t.team << " from " << scores_file;
    }
  }
}

}  // namespace
}  // namespace dokja::web::testing
