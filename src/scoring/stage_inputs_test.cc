#include "scoring/stage_inputs.h"

#include <gtest/gtest.h>

#include "scoring/internal/csv.h"
#include "scoring/internal/test_stage.h"
#include "scoring/stage.h"

namespace dokja::scoring {
namespace {

using testing::TestStage;

// Loads config and inputs and decides; returns the first error.
Status RunStage(TestStage& s, const std::string& name) {
  auto config = LoadStageConfig(s.Write(name));
  if (!config.ok()) return config.status();
  auto inputs = LoadStageInputs(*config);
  if (!inputs.ok()) return inputs.status();
  auto outcome = DecideStage(*config, *inputs);
  return outcome.ok() ? Status::OK() : outcome.status();
}

void ExpectError(const Status& st, const std::string& a, const std::string& b) {
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(a), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find(b), std::string::npos) << st.ToString();
}

TEST(StageInputs, TheBaseTestStageLoads) {
  TestStage s;
  EXPECT_TRUE(RunStage(s, "ok").ok());
}

TEST(StageInputs, UnknownTeamInExpertScoresNamesFileAndLine) {
  TestStage s;
  s.files["scores.csv"] = "expert,team,criterion,score\nX,A,q,8\nX,Q,q,6\n";
  ExpectError(RunStage(s, "unknown_team"), "scores.csv:3", "unknown team 'Q'");
}

TEST(StageInputs, MalformedCsvLineNamesFileAndLine) {
  TestStage s;
  s.files["users.csv"] = "user,team,task,score\nu1,A,t,80\n\n# a comment\nu1,B,60\n";
  ExpectError(RunStage(s, "short_line"), "users.csv:5", "expected 4 fields, got 3");
  TestStage q;
  q.files["users.csv"] = "user,team,task,score\nu1,A,\"t,80\n";
  ExpectError(RunStage(q, "open_quote"), "users.csv:2", "unterminated quoted field");
  TestStage n;
  n.files["scores.csv"] = "expert,team,criterion,score\nX,A,q,eight\n";
  ExpectError(RunStage(n, "nan_score"), "scores.csv:2", "column 'score': expected a number, got 'eight'");
  TestStage c;
  c.files["scores.csv"] = "expert,team,score\nX,A,8\n";
  ExpectError(RunStage(c, "missing_column"), "scores.csv:1", "missing column 'criterion'");
}

TEST(StageInputs, MissingFileIsNotFoundNamingThePath) {
  TestStage s;
  s.Set("user_scores: users.csv", "user_scores: nowhere.csv");
  const Status st = RunStage(s, "missing");
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  ExpectError(st, "nowhere.csv", "user_scores");
}

TEST(StageInputs, ScoresOutsideTheScaleAndDuplicatesAreRejected) {
  TestStage s;
  s.files["scores.csv"] = "expert,team,criterion,score\nX,A,q,11\n";
  ExpectError(RunStage(s, "over_scale"), "scores.csv:2", "outside [0, 10");
  TestStage d;
  d.files["scores.csv"] = "expert,team,criterion,score\nX,A,q,5\nX,A,q,6\n";
  ExpectError(RunStage(d, "duplicate"), "scores.csv:3", "duplicate score");
  TestStage u;
  u.files["users.csv"] = "user,team,task,score\nu1,A,t,80\nu1,A,t,90\n";
  ExpectError(RunStage(u, "duplicate_user"), "users.csv:3", "duplicate score by user 'u1'");
  TestStage e;
  e.files["scores.csv"] = "expert,team,criterion,score\nNobody,A,q,5\n";
  ExpectError(RunStage(e, "unknown_expert"), "scores.csv:2", "unknown expert 'Nobody'");
}

TEST(StageInputs, ExpertScoresAlsoReadJsonWithEntryNumbers) {
  TestStage s;
  s.files["scores.json"] = R"([{"expert": "X", "team": "A", "criterion": "q", "score": 8},
                               {"expert": "X", "team": "B", "criterion": "q", "score": 6},
                               {"expert": "X", "team": "C", "criterion": "q", "score": 4}])";
  s.Set("expert_scores: scores.csv", "expert_scores: scores.json");
  EXPECT_TRUE(RunStage(s, "json_scores").ok());
  s.files["scores.json"] = R"([{"expert": "X", "team": "A", "criterion": "q", "score": "8"}])";
  ExpectError(RunStage(s, "json_scores_bad"), "scores.json: entry 0", "score: number");
}

TEST(StageInputs, BenchAndAuditShapesAreChecked) {
  TestStage s;
  s.files["bench.json"] = R"({"teams": {"Z": {"groups": {}, "total": 1}}})";
  ExpectError(RunStage(s, "bench_team"), "bench.json: teams.Z", "unknown team 'Z'");
  TestStage g;
  g.files["bench.json"] = R"({"teams": {"A": {"groups": {"all": {"points": "x", "max": 40}}, "total": 1}}})";
  ExpectError(RunStage(g, "bench_points"), "teams.A.groups.all", "'points' must be a number");
  TestStage m;
  m.files["bench.json"] = R"({"teams": {"A": {"groups": {"all": {"points": 1, "max": 40}}, "total": 1}}})";
  ExpectError(RunStage(m, "bench_missing"), "bench.json", "no benchmark points for team 'B'");
  TestStage a;
  a.Set("user_scores: users.csv", "user_scores: users.csv, audits: {A: a.json}");
  a.files["a.json"] = R"({"candidate": "someone/else", "not_original": false, "findings": []})";
  ExpectError(RunStage(a, "audit_candidate"), "a.json", "submitted 'a/m'");
  a.files["a.json"] = R"({"candidate": "a/m", "findings": []})";
  ExpectError(RunStage(a, "audit_shape"), "a.json", "not a `dokja audit --json` report");
}

TEST(StageConfig, ErrorsNameTheFileAndLine) {
  TestStage s;
  s.Set("NORM", "median");
  ExpectError(RunStage(s, "norm"), "stage.yaml: line 12", "unknown normalisation 'median'");
  TestStage w;
  w.Set("{id: all, points: 40}", "{id: all, points: 30}");
  ExpectError(RunStage(w, "weights"), "stage.yaml", "sub-weights sum to 30");
  TestStage y;
  y.files["stage.yaml"] = "stage: [unclosed\n";
  ExpectError(RunStage(y, "yaml"), "stage.yaml: line", "");
  TestStage b;
  b.Set("advance: {count: 2}", "advance: {count: 2, min_total: 50}");
  ExpectError(RunStage(b, "advance"), "stage.yaml", "exactly one of count");
  TestStage r;
  r.Set("bootstrap_rounds: 1000", "bootstrap_rounds: 10");
  ExpectError(RunStage(r, "rounds"), "stage.yaml", "at least 1000");
}

TEST(StageInputs, BattlesNameUnknownModelsAndOutcomes) {
  TestStage s;
  s.Set("user_scores: users.csv", "user_scores: users.csv, battles: battles.csv");
  s.files["battles.csv"] = "user,model_a,model_b,outcome\nu,a/m,x/m,a\n";
  ExpectError(RunStage(s, "battle_model"), "battles.csv:2", "unknown model 'x/m'");
  s.files["battles.csv"] = "user,model_a,model_b,outcome\nu,a/m,b/m,a\nu,a/m,b/m,draw\n";
  ExpectError(RunStage(s, "battle_outcome"), "battles.csv:3", "'draw' is not one of");
}

TEST(Csv, QuotedFieldsKeepCommasQuotesAndNewlines) {
  auto t = internal::ParseCsv("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\",2\n", "t.csv", {"a", "b"});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].fields[0], "x, y");
  EXPECT_EQ(t->rows[0].fields[1], "say \"hi\"");
  EXPECT_EQ(t->rows[1].fields[0], "multi\nline");
  EXPECT_EQ(t->rows[1].line, 3u);
  EXPECT_FALSE(internal::ParseCsv("", "e.csv", {}).ok());
}

}  // namespace
}  // namespace dokja::scoring
