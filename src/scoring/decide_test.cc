#include "scoring/stage.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scoring/internal/test_stage.h"
#include "scoring/report.h"

namespace dokja::scoring {
namespace {

using testing::TestStage;

Result<StageOutcome> Decide(TestStage& s, const std::string& name) {
  auto config = LoadStageConfig(s.Write(name));
  if (!config.ok()) return config.status();
  auto inputs = LoadStageInputs(*config);
  if (!inputs.ok()) return inputs.status();
  return DecideStage(*config, *inputs);
}

const TeamOutcome& Team(const StageOutcome& o, const std::string& name) {
  for (const auto& t : o.teams) {
    if (t.team == name) return t;
  }
  ADD_FAILURE() << "no team " << name;
  return o.teams.front();
}

TEST(DecideStage, ExcludesAConflictedExpertAndShowsIt) {
  // Z's affiliation "shared univ" is in B's consortium ("Shared Univ",
  // matched case-insensitively): Z's 10 for B is dropped, B gets 6 from X, Y.
  TestStage s;
  auto o = Decide(s, "coi");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ASSERT_EQ(o->exclusions.size(), 1u);
  EXPECT_EQ(o->exclusions[0].expert, "Z");
  EXPECT_EQ(o->exclusions[0].team, "B");
  EXPECT_EQ(o->exclusions[0].organisation, "Shared Univ");
  EXPECT_EQ(o->exclusions[0].scores_dropped, 1u);
  EXPECT_NEAR(Team(*o, "B").expert, 35 * 0.6, 1e-12);
  EXPECT_EQ(Team(*o, "B").n_experts, 2u);
  EXPECT_EQ(Team(*o, "A").n_experts, 3u);
  EXPECT_NE(StageReportHtml(*o).find("<td class=\"l\">Z</td><td class=\"l\">B</td>"), std::string::npos);

  TestStage off;
  off.Set("trim_fraction: 0.2", "trim_fraction: 0.2\n    exclude_conflicts: false");
  auto o2 = Decide(off, "coi_off");
  ASSERT_TRUE(o2.ok());
  EXPECT_TRUE(o2->exclusions.empty());
  EXPECT_NEAR(Team(*o2, "B").expert, 35 * (22.0 / 3) / 10, 1e-12);
}

TEST(DecideStage, ZScoreRemovesAHarshExpertsOffset) {
  // X and Y rank A > B > C the same way, Y three points harsher. z-scores are
  // +-sqrt(3/2) and 0 for both; back on the scale through the pooled mean 5.5
  // and pooled sd sqrt(29.5 / 6).
  TestStage s;
  s.files["roster.csv"] = "expert,affiliation\nX,Indep\nY,Indep\n";
  s.files["scores.csv"] = "expert,team,criterion,score\nX,A,q,9\nX,B,q,7\nX,C,q,5\nY,A,q,6\nY,B,q,4\nY,C,q,2\n";
  s.Set("NORM", "zscore");
  auto o = Decide(s, "zscore");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  const double sd = std::sqrt(29.5 / 6), z = std::sqrt(1.5);
  EXPECT_NEAR(Team(*o, "A").expert, 35 * (5.5 + z * sd) / 10, 1e-9);
  EXPECT_NEAR(Team(*o, "B").expert, 35 * 5.5 / 10, 1e-9);
  EXPECT_NEAR(Team(*o, "C").expert, 35 * (5.5 - z * sd) / 10, 1e-9);
}

TEST(DecideStage, TrimmedMeanDropsTheOutlyingExperts) {
  TestStage s;
  s.files["roster.csv"] = "expert,affiliation\nE1,I\nE2,I\nE3,I\nE4,I\nE5,I\n";
  std::string scores = "expert,team,criterion,score\n";
  const char* a[] = {"10", "7", "7", "7", "0"};  // trim 0.2 of 5: one from each end -> 7
  for (int i = 0; i < 5; ++i) {
    const std::string e = "E" + std::to_string(i + 1);
    scores += e + ",A,q," + a[i] + "\n" + e + ",B,q,5\n" + e + ",C,q,4\n";
  }
  s.files["scores.csv"] = scores;
  s.Set("NORM", "trimmed_mean");
  auto o = Decide(s, "trimmed");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_NEAR(Team(*o, "A").expert, 35 * 0.7, 1e-12);
}

TEST(DecideStage, BootstrapIsDeterministicUnderASeed) {
  std::string users = "user,team,task,score\n";
  for (int u = 0; u < 20; ++u) {
    for (const char* team : {"A", "B", "C"}) {
      users += "u" + std::to_string(u) + "," + team + ",t," + std::to_string((u * 37 + team[0] * 11) % 100) + "\n";
    }
  }
  TestStage s1, s2, s3;
  for (TestStage* s : {&s1, &s2, &s3}) s->files["users.csv"] = users;
  s3.Set("SEED", "8");
  auto a = Decide(s1, "seed_a");
  auto b = Decide(s2, "seed_b");
  auto c = Decide(s3, "seed_c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  bool any_differs = false;
  for (size_t i = 0; i < a->teams.size(); ++i) {
    const UserStats &x = a->teams[i].user_stats, &y = b->teams[i].user_stats, &z = c->teams[i].user_stats;
    EXPECT_EQ(x.mean_ci.lo, y.mean_ci.lo);
    EXPECT_EQ(x.mean_ci.hi, y.mean_ci.hi);
    EXPECT_LE(x.mean_ci.lo, x.mean);
    EXPECT_GE(x.mean_ci.hi, x.mean);
    any_differs |= x.mean_ci.lo != z.mean_ci.lo || x.mean_ci.hi != z.mean_ci.hi;
  }
  EXPECT_TRUE(any_differs) << "another seed should move some interval";
}

TEST(DecideStage, BattlesScoreThroughBradleyTerry) {
  // All points from battles; A beats B 3-1, B beats C 3-1, A beats C 4-0 (one
  // both_bad counted as a tie). Win rates map linearly from [0, 1].
  TestStage s;
  s.Set("scores_mapping: {kind: relative_to_best}",
        "scores_weight: 0, battles_weight: 1, battles_mapping: {kind: linear, lo: 0, hi: 1}");
  s.Set("user_scores: users.csv", "user_scores: users.csv, battles: battles.csv");
  s.files["battles.csv"] = "user,model_a,model_b,outcome\nu,a/m,b/m,a\nu,a/m,b/m,a\nu,b/m,a/m,b\nu,B,A,a\n"
                           "u,b/m,c/m,a\nu,b/m,c/m,a\nu,c/m,b/m,b\nu,c/m,b/m,a\n"
                           "u,a/m,c/m,a\nu,a/m,c/m,a\nu,a/m,c/m,a\nu,a/m,c/m,both_bad\nu,a/m,c/m,a\n";
  auto o = Decide(s, "battles");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  const UserStats& a = Team(*o, "A").user_stats;
  EXPECT_EQ(a.n_battles, 9u);
  EXPECT_NEAR(Team(*o, "A").user, 25 * a.bt_win_rate, 1e-12);
  EXPECT_GT(Team(*o, "A").user, Team(*o, "B").user);
  EXPECT_GT(Team(*o, "B").user, Team(*o, "C").user);
  EXPECT_LE(a.bt_win_rate_ci.lo, a.bt_win_rate);
  EXPECT_GE(a.bt_win_rate_ci.hi, a.bt_win_rate);
}

TEST(DecideStage, TieBreaksFollowTheConfig) {
  // A and B both total 60 + user points; B has more expert points and wins the tie.
  TestStage s;
  s.files["bench.json"] = R"({"teams": {"A": {"groups": {"all": {"points": 31.5, "max": 40}}, "total": 31.5},
                                       "B": {"groups": {"all": {"points": 28, "max": 40}}, "total": 28},
                                       "C": {"groups": {"all": {"points": 10, "max": 40}}, "total": 10}}})";
  s.files["roster.csv"] = "expert,affiliation\nX,Indep\n";
  s.files["scores.csv"] = "expert,team,criterion,score\nX,A,q,6\nX,B,q,7\nX,C,q,4\n";
  s.files["users.csv"] = "user,team,task,score\nu1,A,t,50\nu1,B,t,50\nu1,C,t,50\n";
  auto o = Decide(s, "tie");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ASSERT_NEAR(Team(*o, "A").total, Team(*o, "B").total, 1e-9);
  EXPECT_EQ(o->teams[0].team, "B");
  EXPECT_NE(o->teams[0].tie_note.find("ahead on expert"), std::string::npos);

  TestStage unbroken = s;
  unbroken.files["bench.json"] = R"({"teams": {"A": {"groups": {"all": {"points": 20, "max": 40}}, "total": 20},
                                              "B": {"groups": {"all": {"points": 20, "max": 40}}, "total": 20},
                                              "C": {"groups": {"all": {"points": 20, "max": 40}}, "total": 20}}})";
  unbroken.files["scores.csv"] = "expert,team,criterion,score\nX,A,q,7\nX,B,q,7\nX,C,q,4\n";
  unbroken.Set("advance: {count: 2}", "advance: {count: 1}");
  auto bad = Decide(unbroken, "tie_unbroken");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not broken by tie_breaks"), std::string::npos) << bad.status().ToString();
}

TEST(DecideStage, LowAgreementWarnsAndTheReportCanBeKoreanOnly) {
  TestStage s;
  s.files["roster.csv"] = "expert,affiliation\nX,Indep\nY,Indep\n";
  s.files["scores.csv"] = "expert,team,criterion,score\nX,A,q,8\nX,B,q,6\nX,C,q,4\nY,A,q,4\nY,B,q,6\nY,C,q,8\n";
  auto o = Decide(s, "alpha_warn");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ASSERT_EQ(o->alphas.size(), 1u);
  ASSERT_TRUE(o->alphas[0].result.alpha.has_value());
  EXPECT_LT(*o->alphas[0].result.alpha, 0);
  EXPECT_TRUE(o->alphas[0].warn);
  ASSERT_EQ(o->warnings.size(), 1u);
  EXPECT_NE(o->warnings[0].find("Krippendorff's alpha"), std::string::npos);
  const std::string ko = StageReportHtml(*o, ReportLang::kKorean);
  EXPECT_NE(ko.find("순위 및 결정"), std::string::npos);
  EXPECT_EQ(ko.find("Ranking and decision"), std::string::npos);
  const std::string en = StageReportHtml(*o, ReportLang::kEnglish);
  EXPECT_EQ(en.find("순위 및 결정"), std::string::npos);
  EXPECT_NE(en.find("Ranking and decision"), std::string::npos);
}

TEST(DecideStage, GateRulesHonourComponentsThresholdsAndOwnModels) {
  TestStage s;
  s.Set("advance: {count: 2}",
        "gate: {rules: [{id: vision_only, components: [\"vision*\"], max_log10_p: -6}]}\nadvance: {count: 2}");
  s.Set("teams:\n  - {name: A, members: [OrgA], submitted_model: a/m}",
        "teams:\n  - {name: A, members: [OrgA], submitted_model: a/m, own_models: [mine/old]}");
  s.Set("user_scores: users.csv", "user_scores: users.csv, audits: {A: a.json, B: b.json}");
  // A: vision DERIVED from its own model (exempt); text COPIED (component not in the rule).
  s.files["a.json"] = R"({"candidate": "a/m", "not_original": true, "findings": [
      {"component": "vision[v]", "verdict": "DERIVED", "reference": "refs/mine/old", "log10_p": -50},
      {"component": "text", "verdict": "COPIED", "reference": "x", "log10_p": -90}]})";
  // B: vision COPIED on weak evidence (log10 p -3 > -6); strong evidence below.
  s.files["b.json"] = R"({"candidate": "b/m", "not_original": true, "findings": [
                         {"component": "vision[v]", "verdict": "COPIED", "reference": "pub", "log10_p": -3}]})";
  auto o = Decide(s, "gate_rules");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_TRUE(Team(*o, "A").gate_pass);
  EXPECT_TRUE(Team(*o, "B").gate_pass);
  // C has no audit: require_audit (default) fails it.
  EXPECT_FALSE(Team(*o, "C").gate_pass);
  EXPECT_EQ(Team(*o, "C").decision, Decision::kEliminatedGate);

  s.files["b.json"] = R"({"candidate": "b/m", "not_original": true, "findings": [
                         {"component": "vision[v]", "verdict": "COPIED", "reference": "pub", "log10_p": -30}]})";
  auto o2 = Decide(s, "gate_rules_strong");
  ASSERT_TRUE(o2.ok()) << o2.status().ToString();
  EXPECT_FALSE(Team(*o2, "B").gate_pass);
  ASSERT_EQ(Team(*o2, "B").gate_evidence.size(), 1u);
  EXPECT_EQ(Team(*o2, "B").gate_evidence[0].reference, "pub");
  EXPECT_NE(Team(*o2, "B").reason.find("vision[v] COPIED from pub"), std::string::npos);
}

TEST(DecideStage, WarnsWhenBradleyTerryCannotConverge) {
  // A wins every battle: its maximum-likelihood strength is infinite.
  TestStage s;
  s.Set("user_scores: users.csv", "user_scores: users.csv, battles: battles.csv");
  s.files["battles.csv"] = "user,model_a,model_b,outcome\nu,a/m,b/m,a\nu,a/m,c/m,a\nu,b/m,c/m,a\nu,c/m,b/m,a\n";
  auto o = Decide(s, "bt_diverges");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_FALSE(Team(*o, "A").user_stats.bt_converged);
  bool warned = false;
  for (const auto& w : o->warnings) warned |= w.find("Bradley-Terry did not converge") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_GT(Team(*o, "A").user_stats.bt_win_rate, 0.99);
}

}  // namespace
}  // namespace dokja::scoring
