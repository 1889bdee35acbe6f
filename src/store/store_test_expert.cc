// The store suite, expert part: material lookup by id, the assignments of a
// rubric across experts, and hostile comment text. Every case runs against
// SQLite and PostgreSQL.
#include <string>
#include <vector>

#include "store/store_test_util.h"

namespace dokja::store {
namespace {

class ExpertStoreTest : public StoreFixture {};

Rubric OneCriterion(const std::string& name) {
  Rubric r;
  r.name = name;
  r.criteria.push_back({0, "quality", "품질", "Quality", "설명", "Description", 0, 10});
  return r;
}

TEST_P(ExpertStoreTest, MaterialIsFoundByIdAndUnknownIdIsNotFound) {
  ASSERT_OK_AND_ASSIGN(int64_t org, store().CreateOrganisation("Org"));
  ASSERT_OK_AND_ASSIGN(int64_t team, store().CreateTeam({0, "Alpha", "Team 1", {org}}));
  const Material m{
      0,     team, "기술 보고서 v1", "application/pdf", std::string(64, 'a'), std::string(64, 'a'),
      12345, 77};
  ASSERT_OK_AND_ASSIGN(int64_t id, store().AddMaterial(m));
  ASSERT_OK_AND_ASSIGN(Material got, store().GetMaterial(id));
  EXPECT_EQ(got.id, id);
  EXPECT_EQ(got.team_id, team);
  EXPECT_EQ(got.title, "기술 보고서 v1");
  EXPECT_EQ(got.media_type, "application/pdf");
  EXPECT_EQ(got.sha256, m.sha256);
  EXPECT_EQ(got.uri, m.uri);
  EXPECT_EQ(got.size_bytes, 12345);
  EXPECT_EQ(got.created_ms, 77);
  Result<Material> missing = store().GetMaterial(id + 1000);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("material"), std::string::npos);
}

TEST_P(ExpertStoreTest, RubricAssignmentsSpanExpertsAndStayWithinTheRubric) {
  ASSERT_OK_AND_ASSIGN(Rubric r1, store().CreateRubric(OneCriterion("R1")));
  ASSERT_OK_AND_ASSIGN(Rubric r2, store().CreateRubric(OneCriterion("R2")));
  ASSERT_OK_AND_ASSIGN(int64_t org, store().CreateOrganisation("Org"));
  ASSERT_OK_AND_ASSIGN(int64_t team, store().CreateTeam({0, "Alpha", "Team 1", {org}}));
  const int64_t e1 = MakeAccount("e1", Role::kExpert);
  const int64_t e2 = MakeAccount("e2", Role::kExpert);
  ASSERT_OK_AND_ASSIGN(int64_t a1, store().AssignExpert(r1.id, e1, team, 5));
  ASSERT_OK_AND_ASSIGN(int64_t a2, store().AssignExpert(r1.id, e2, team, 6));
  ASSERT_OK_AND_ASSIGN(int64_t other, store().AssignExpert(r2.id, e1, team, 7));
  ASSERT_OK_AND_ASSIGN(std::vector<Assignment> in_r1, store().ListRubricAssignments(r1.id));
  ASSERT_EQ(in_r1.size(), 2u);
  EXPECT_EQ(in_r1[0].id, a1);
  EXPECT_EQ(in_r1[0].expert_id, e1);
  EXPECT_EQ(in_r1[1].id, a2);
  EXPECT_EQ(in_r1[1].expert_id, e2);
  EXPECT_EQ(in_r1[1].created_ms, 6);
  EXPECT_EQ(in_r1[1].submitted_ms, 0);
  ASSERT_OK_AND_ASSIGN(std::vector<Assignment> in_r2, store().ListRubricAssignments(r2.id));
  ASSERT_EQ(in_r2.size(), 1u);
  EXPECT_EQ(in_r2[0].id, other);
  ASSERT_OK_AND_ASSIGN(std::vector<Assignment> none, store().ListRubricAssignments(r2.id + 99));
  EXPECT_TRUE(none.empty());

  ASSERT_OK(store().SaveDraftScores(a2, {{r1.criteria[0].id, 10, ""}}, 8));
  ASSERT_OK(store().SubmitScores(a2, 9));
  ASSERT_OK_AND_ASSIGN(in_r1, store().ListRubricAssignments(r1.id));
  EXPECT_EQ(in_r1[1].submitted_ms, 9);
  EXPECT_EQ(in_r1[0].submitted_ms, 0);
}

TEST_P(ExpertStoreTest, HostileCommentsAreStoredVerbatim) {
  ASSERT_OK_AND_ASSIGN(Rubric r, store().CreateRubric(OneCriterion("R'); DROP TABLE scores;--")));
  ASSERT_OK_AND_ASSIGN(int64_t org, store().CreateOrganisation("Org"));
  ASSERT_OK_AND_ASSIGN(int64_t team, store().CreateTeam({0, "Alpha", "Team 1", {org}}));
  const int64_t e = MakeAccount("e", Role::kExpert);
  ASSERT_OK_AND_ASSIGN(int64_t a, store().AssignExpert(r.id, e, team, 1));
  const std::string hostile =
      "'); DELETE FROM scores; -- <script>alert(1)</script> \" \\ %s \n 한국어";
  ASSERT_OK(store().SaveDraftScores(a, {{r.criteria[0].id, 3, hostile}}, 2));
  ASSERT_OK_AND_ASSIGN(std::vector<CriterionScore> scores, store().GetScores(a));
  ASSERT_EQ(scores.size(), 1u);
  EXPECT_EQ(scores[0].comment, hostile);
  ASSERT_OK_AND_ASSIGN(Rubric got, store().GetRubric(r.id));
  EXPECT_EQ(got.name, "R'); DROP TABLE scores;--");
}

INSTANTIATE_TEST_SUITE_P(Backends, ExpertStoreTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace dokja::store
