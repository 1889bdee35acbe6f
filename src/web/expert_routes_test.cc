// The expert-evaluation API over loopback: conflict-of-interest-free,
// balanced assignment; anonymous labels; ownership; drafts and submit-once;
// hostile text; agreement.
#include <cmath>
#include <set>

#include "web/expert_test_util.h"

namespace dokja::web::testing {
namespace {

class ExpertRoutes : public ExpertTest {};

// The organisations of an expert and of a team, from the store.
bool Conflicted(store::Store& s, int64_t expert, int64_t team) {
  std::vector<int64_t> affiliations = s.ListAffiliations(expert).value();
  store::Team t = s.GetTeam(team).value();
  for (int64_t org : affiliations) {
    if (std::count(t.organisation_ids.begin(), t.organisation_ids.end(), org)) return true;
  }
  return false;
}

TEST_F(ExpertRoutes, AssignmentNeverCrossesAConflictAndBalancesLoad) {
  ExpertWorld w = MakeWorld();
  auto admin = As("admin");
  Json rubric = CreateRubric(*admin, "Stage 1", {"report", "logs"});
  Reply r = admin->Post("/api/admin/assignments", {{"rubric_id", rubric["id"]}, {"per_team", 3}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["created"].size(), 9u);
  std::map<int64_t, int> load;
  std::set<std::pair<int64_t, int64_t>> pairs;
  const std::vector<store::Assignment> all = store().ListRubricAssignments(rubric["id"]).value();
  for (const store::Assignment& a : all) {
    EXPECT_FALSE(Conflicted(store(), a.expert_id, a.team_id))
        << "expert " << a.expert_id << " assigned to conflicted team " << a.team_id;
    EXPECT_TRUE(pairs.insert({a.expert_id, a.team_id}).second);
    ++load[a.expert_id];
  }
  int lo = 99, hi = 0;
  for (const auto& [name, id] : w.experts) {
    lo = std::min(lo, load[id]);
    hi = std::max(hi, load[id]);
  }
  EXPECT_LE(hi - lo, 1) << "9 assignments over 5 experts";
  // e1 never sees Alpha's label; e2 never Beta's or Gamma's.
  for (const auto& [expert, banned] : std::vector<std::pair<std::string, std::set<std::string>>>{
           {"e1", {"Team A"}}, {"e2", {"Team B", "Team C"}}}) {
    Reply mine = As(expert)->Get("/api/expert/assignments");
    ASSERT_EQ(mine.status, 200);
    for (const Json& a : mine.json["assignments"]) {
      EXPECT_EQ(banned.count(a["team_label"].get<std::string>()), 0u) << expert << " " << a;
    }
  }
  // Running it again tops up nothing; more than the eligible experts is 409.
  r = admin->Post("/api/admin/assignments", {{"rubric_id", rubric["id"]}, {"per_team", 3}});
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.json["created"].empty());
  r = admin->Post("/api/admin/assignments", {{"rubric_id", rubric["id"]}, {"per_team", 5}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.json["error"]["message"].get<std::string>().find("not enough eligible"),
            std::string::npos);
  EXPECT_EQ(store().ListRubricAssignments(rubric["id"]).value().size(), 9u) << "all or nothing";
  r = admin->Post("/api/admin/assignments", {{"rubric_id", 999}, {"per_team", 1}});
  EXPECT_EQ(r.status, 404);
  r = admin->Post("/api/admin/assignments", {{"rubric_id", rubric["id"]}, {"per_team", 0}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(As("e3")->Post("/api/admin/assignments", {{"rubric_id", 1}, {"per_team", 1}}).status,
            403);
}

TEST_F(ExpertRoutes, ExpertsSeeTeamsOnlyByAnonymousLabel) {
  ExpertWorld w = MakeWorld();
  auto admin = As("admin");
  Json rubric = CreateRubric(*admin, "R", {"report"});
  ASSERT_TRUE(store().AssignExpert(rubric["id"], w.experts["e3"], w.teams["Beta"], 1).ok());
  ASSERT_EQ(
      admin
          ->Send("POST",
                 "/api/admin/teams/" + std::to_string(w.teams["Beta"]) + "/materials?title=report",
                 "%PDF-1.5 beta", "application/pdf", {})
          .status,
      200);
  ASSERT_EQ(
      admin
          ->Send("POST",
                 "/api/admin/teams/" + std::to_string(w.teams["Alpha"]) + "/materials?title=report",
                 "%PDF-1.5 alpha", "application/pdf", {})
          .status,
      200);
  auto e3 = As("e3");
  Reply list = e3->Get("/api/expert/assignments");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json["assignments"].size(), 1u);
  const Json& a = list.json["assignments"][0];
  EXPECT_EQ(a["team_label"], "Team B");
  Reply detail = e3->Get("/api/expert/assignments/" + std::to_string(a["id"].get<int64_t>()));
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_EQ(detail.json["team_label"], "Team B");
  EXPECT_EQ(detail.json["rubric"]["criteria"][0]["name_ko"], "report (한국어)");
  ASSERT_EQ(detail.json["materials"].size(), 1u) << "only the assigned team's materials";
  for (const Reply* reply : {&list, &detail}) {
    for (const char* secret : {"Alpha", "Beta", "Gamma", "team_id", "Org"}) {
      EXPECT_EQ(reply->body.find(secret), std::string::npos) << secret << " in " << reply->body;
    }
  }
}

TEST_F(ExpertRoutes, AnExpertCannotReadOrWriteAnotherExpertsAssignment) {
  ExpertWorld w = MakeWorld();
  auto admin = As("admin");
  Json rubric = CreateRubric(*admin, "R", {"report"});
  const int64_t id =
      store().AssignExpert(rubric["id"], w.experts["e3"], w.teams["Beta"], 1).value();
  const std::string path = "/api/expert/assignments/" + std::to_string(id);
  auto e4 = As("e4");
  EXPECT_EQ(e4->Get(path).status, 404);
  EXPECT_EQ(e4->Put(path + "/scores", FullScores(rubric, 5)).status, 404);
  EXPECT_EQ(e4->Post(path + "/submit").status, 404);
  EXPECT_EQ(e4->Get("/api/expert/assignments/999999").status, 404) << "same answer as another's";
  EXPECT_TRUE(store().GetScores(id).value().empty()) << "nothing was written";
  auto user = As("user1");
  EXPECT_EQ(user->Get(path).status, 403);
  EXPECT_EQ(user->Get("/api/rubrics").status, 403);
  EXPECT_EQ(admin->Get(path).status, 403) << "scoring is for experts";
  EXPECT_EQ(As("e3")->Post("/api/rubrics", {{"name", "x"}}).status, 403);
  TestClient anonymous(server_->port());
  EXPECT_EQ(anonymous.Get(path).status, 401);
  EXPECT_EQ(anonymous.Get("/api/rubrics").status, 401);
  // Without the CSRF token a signed-in expert's write is refused.
  auto e3 = As("e3");
  Reply no_csrf = e3->Send("PUT", path + "/scores", FullScores(rubric, 5).dump(),
                           "application/json", {}, /*with_csrf=*/false);
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(e3->Get(path).status, 200);
}

TEST_F(ExpertRoutes, DraftsSaveUntilASingleCompleteSubmit) {
  ExpertWorld w = MakeWorld();
  auto admin = As("admin");
  Json rubric = CreateRubric(*admin, "R", {"report", "logs"}, 5);
  const int64_t id =
      store().AssignExpert(rubric["id"], w.experts["e3"], w.teams["Beta"], 1).value();
  const std::string path = "/api/expert/assignments/" + std::to_string(id);
  const int64_t report = rubric["criteria"][0]["id"], logs = rubric["criteria"][1]["id"];
  auto e3 = As("e3");
  Reply r = e3->Put(path + "/scores", {{"scores", {{{"criterion_id", report}, {"score", 4}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = e3->Post(path + "/submit");
  EXPECT_EQ(r.status, 409) << "incomplete: " << r.body;
  EXPECT_NE(r.body.find("'logs' has no score"), std::string::npos);
  r = e3->Put(path + "/scores", {{"scores", {{{"criterion_id", logs}, {"score", 6}}}}});
  EXPECT_EQ(r.status, 400) << "6 is outside [0, 5]";
  EXPECT_NE(r.body.find("outside [0, 5]"), std::string::npos) << r.body;
  for (const Json& bad : {Json{{"scores", "x"}}, Json{{"scores", {{{"criterion_id", logs}}}}},
                          Json{{"scores", {{{"criterion_id", logs}, {"score", 2.5}}}}},
                          Json{{"scores", {{{"criterion_id", 424242}, {"score", 1}}}}}}) {
    EXPECT_EQ(e3->Put(path + "/scores", bad).status, 400) << bad;
  }
  EXPECT_EQ(e3->Send("PUT", path + "/scores", "{not json", "application/json", {}).status, 400);
  r = e3->Put(path + "/scores",
              {{"scores", {{{"criterion_id", logs}, {"score", 5}, {"comment", "ok"}}}}});
  ASSERT_EQ(r.status, 200);
  r = e3->Post(path + "/submit");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GT(r.json["submitted_ms"].get<int64_t>(), 0);
  EXPECT_EQ(e3->Post(path + "/submit").status, 409) << "second submit";
  EXPECT_EQ(e3->Put(path + "/scores", FullScores(rubric, 1)).status, 409) << "final after submit";
  Reply got = e3->Get(path);
  ASSERT_EQ(got.status, 200);
  EXPECT_TRUE(got.json["assignment"]["submitted"].get<bool>());
  ASSERT_EQ(got.json["scores"].size(), 2u);
  EXPECT_EQ(got.json["scores"][0]["score"], 4);
  EXPECT_EQ(got.json["scores"][1]["score"], 5);
  EXPECT_EQ(got.json["scores"][1]["comment"], "ok");
}

TEST_F(ExpertRoutes, HostileTextComesBackVerbatimAsJson) {
  ExpertWorld w = MakeWorld();
  auto admin = As("admin");
  const std::string sql = "R'); DROP TABLE scores; --";
  Json rubric = CreateRubric(*admin, sql, {"report"});
  ASSERT_EQ(rubric["name"], sql);
  const int64_t id =
      store().AssignExpert(rubric["id"], w.experts["e3"], w.teams["Beta"], 1).value();
  const std::string path = "/api/expert/assignments/" + std::to_string(id);
  const std::string comment =
      "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>' OR '1'='1'; "
      "DELETE FROM scores; -- \"quoted\" \\ 평가";
  auto e3 = As("e3");
  ASSERT_EQ(e3->Put(path + "/scores", FullScores(rubric, 7, comment)).status, 200);
  Reply got = e3->Get(path);
  ASSERT_EQ(got.status, 200);
  EXPECT_NE(Header(got, "Content-Type").find("application/json"), std::string::npos);
  EXPECT_EQ(got.json["scores"][0]["comment"], comment);
  EXPECT_EQ(got.json["rubric"]["name"], sql);
  EXPECT_EQ(store().ListRubrics().value().size(), 1u) << "the tables are intact";
}

TEST_F(ExpertRoutes, AgreementMatchesAHandComputedAlpha) {
  // e3 gives 1, 2, 3 and e4 gives 1, 2, 4 to the three teams: alpha = 36/41
  // (see expert_unit_test.cc for the arithmetic).
  ExpertWorld w = MakeWorld();
  auto admin = As("admin");
  Json rubric = CreateRubric(*admin, "R", {"q"});
  const std::map<std::string, std::vector<int>> given = {{"e3", {1, 2, 3}}, {"e4", {1, 2, 4}}};
  for (const auto& [expert, scores] : given) {
    auto client = As(expert);
    int k = 0;
    for (const char* team : {"Alpha", "Beta", "Gamma"}) {
      const int64_t id =
          store().AssignExpert(rubric["id"], w.experts[expert], w.teams[team], 1).value();
      const std::string path = "/api/expert/assignments/" + std::to_string(id);
      ASSERT_EQ(client->Put(path + "/scores", FullScores(rubric, scores[k++])).status, 200);
      ASSERT_EQ(client->Post(path + "/submit").status, 200);
    }
  }
  const std::string rid = std::to_string(rubric["id"].get<int64_t>());
  Reply r = admin->Get("/api/admin/expert/agreement?rubric_id=" + rid);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["criteria"].size(), 1u);
  EXPECT_NEAR(r.json["criteria"][0]["alpha"].get<double>(), 36.0 / 41.0, 1e-12);
  EXPECT_EQ(r.json["criteria"][0]["n_units"], 3);
  Reply p = admin->Get("/api/admin/expert/progress?rubric_id=" + rid);
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.json["assigned"], 6);
  EXPECT_EQ(p.json["submitted"], 6);
  EXPECT_EQ(p.json["experts"].size(), 2u);
  EXPECT_EQ(admin->Get("/api/admin/expert/agreement?rubric_id=abc").status, 400);
  EXPECT_EQ(admin->Get("/api/admin/expert/agreement").status, 400);
  EXPECT_EQ(admin->Get("/api/admin/expert/progress?rubric_id=777").status, 404);
  EXPECT_EQ(As("e3")->Get("/api/admin/expert/agreement?rubric_id=" + rid).status, 403);
}

}  // namespace
}  // namespace dokja::web::testing
