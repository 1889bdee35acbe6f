// The expert evaluation's parts without a server: the assignment plan, the
// exports (read back by the stage decision's own parsers), agreement against
// a hand-computed alpha, and the materials' type checks and storage.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "scoring/stage_inputs.h"
#include "web/expert_assign.h"
#include "web/expert_export.h"
#include "web/expert_json.h"
#include "web/expert_materials.h"

namespace dokja::web {
namespace {

// Five teams, six experts; expert 1 conflicts with teams 10 and 11, expert 2
// with team 10; team 14 can only use experts 5 and 6.
std::vector<TeamCandidates> World() {
  return {{10, "t10", {3, 4, 5, 6}, {}},
          {11, "t11", {2, 3, 4, 5, 6}, {}},
          {12, "t12", {1, 2, 3, 4, 5, 6}, {}},
          {13, "t13", {1, 2, 3, 4, 5, 6}, {}},
          {14, "t14", {5, 6}, {}}};
}

TEST(PlanAssignments, NeverPicksAConflictedExpertAndBalancesLoad) {
  const std::vector<TeamCandidates> teams = World();
  auto plan = PlanAssignments(teams, {}, {}, 2);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 10u);
  std::map<int64_t, int> load;
  std::map<int64_t, std::set<int64_t>> per_team;
  for (const PlannedAssignment& p : *plan) {
    const auto& team = *std::find_if(teams.begin(), teams.end(), [&](const TeamCandidates& t) {
      return t.team_id == p.team_id;
    });
    EXPECT_NE(std::find(team.eligible.begin(), team.eligible.end(), p.expert_id),
              team.eligible.end())
        << "expert " << p.expert_id << " has a conflict with team " << p.team_id;
    EXPECT_TRUE(per_team[p.team_id].insert(p.expert_id).second) << "an expert twice on a team";
    ++load[p.expert_id];
  }
  for (const auto& [team, experts] : per_team) EXPECT_EQ(experts.size(), 2u) << team;
  int lo = 100, hi = 0;
  for (int64_t e = 1; e <= 6; ++e) {
    lo = std::min(lo, load[e]);
    hi = std::max(hi, load[e]);
  }
  EXPECT_LE(hi - lo, 1) << "10 assignments over 6 experts: loads 1 or 2";
  // The scarce team was served first, so it got its only candidates.
  EXPECT_EQ(per_team[14], (std::set<int64_t>{5, 6}));
}

TEST(PlanAssignments, IsDeterministicAndCountsExistingAssignments) {
  auto a = PlanAssignments(World(), {}, {}, 2);
  auto b = PlanAssignments(World(), {}, {}, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].team_id, (*b)[i].team_id);
    EXPECT_EQ((*a)[i].expert_id, (*b)[i].expert_id);
  }
  // Team 12 already has experts 1 and 2: only one more; ties by total load.
  std::vector<TeamCandidates> teams = {{12, "t12", {1, 2, 3, 4}, {1, 2}}};
  auto plan = PlanAssignments(teams, {{1, 1}, {2, 1}}, {{3, 5}, {4, 2}}, 3);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ((*plan)[0].expert_id, 4) << "expert 4 has fewer assignments overall than 3";
  auto again = PlanAssignments({{12, "t12", {1, 2, 3, 4}, {1, 2, 4}}}, {}, {}, 3);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty()) << "a full team gets nobody new";
}

TEST(PlanAssignments, RefusesWhenATeamCannotBeFilledWithoutConflicts) {
  auto plan = PlanAssignments(World(), {}, {}, 3);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("not enough eligible experts: team 't14' has 2"),
            std::string::npos)
      << plan.status().message();
  EXPECT_FALSE(PlanAssignments(World(), {}, {}, 0).ok());
}

TEST(ExpertAgreement, MatchesAHandComputedAlpha) {
  // Criterion q: e1 gives 1, 2, 3 and e2 gives 1, 2, 4 to teams A, B, C.
  // Do = (1/6) * (1/(2-1)) * 2 * (3-4)^2 = 1/3. Over all six values
  // {1,1,2,2,3,4}: sum over ordered pairs of squared differences = 2 * (6 * 35
  // - 13^2) = 82, De = 82 / (6 * 5). alpha = 1 - Do/De = 1 - 10/82 = 36/41.
  // Criterion flat: every score 3, no variance: alpha undefined.
  store::Rubric rubric{
      1, "r", {{1, "q", "", "", "", "", 0, 10}, {2, "flat", "", "", "", "", 0, 10}}};
  std::vector<store::ScoreExportRow> rows = {
      {"e1", "A", "q", 1}, {"e1", "B", "q", 2}, {"e1", "C", "q", 3},    {"e2", "A", "q", 1},
      {"e2", "B", "q", 2}, {"e2", "C", "q", 4}, {"e1", "A", "flat", 3}, {"e2", "A", "flat", 3}};
  std::vector<CriterionAgreement> a = Agreement(rubric, rows);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].key, "q");
  ASSERT_TRUE(a[0].alpha.has_value());
  EXPECT_NEAR(*a[0].alpha, 36.0 / 41.0, 1e-12);
  EXPECT_EQ(a[0].n_units, 3u);
  EXPECT_EQ(a[0].n_values, 6u);
  EXPECT_EQ(a[1].key, "flat");
  EXPECT_FALSE(a[1].alpha.has_value());
}

scoring::StageConfig TwoTeamConfig() {
  scoring::StageConfig config;
  config.teams.push_back({});
  config.teams.back().name = "Team, \"Alpha\"";
  config.teams.push_back({});
  config.teams.back().name = "#beta";
  config.expert.criteria.push_back({});
  config.expert.criteria.back().id = "report";
  config.expert.criteria.back().scale_max = 10;
  return config;
}

TEST(ExpertExport, CsvAndJsonAreReadBackByTheStageParsers) {
  const std::vector<store::ScoreExportRow> rows = {{"kim", "Team, \"Alpha\"", "report", 7},
                                                   {"lee", "#beta", "report", 10}};
  const std::vector<store::RosterEntry> roster = {{"kim", "Kim", {"Org, Inc", "Uni"}},
                                                  {"lee", "Lee", {}}};
  auto roster_csv = ExpertRosterCsv(roster);
  ASSERT_TRUE(roster_csv.ok()) << roster_csv.status().ToString();
  auto parsed_roster = scoring::ParseExpertRoster(*roster_csv, "roster.csv");
  ASSERT_TRUE(parsed_roster.ok()) << parsed_roster.status().ToString() << "\n" << *roster_csv;
  ASSERT_EQ(parsed_roster->size(), 2u);
  EXPECT_EQ((*parsed_roster)[0].affiliations, (std::vector<std::string>{"Org, Inc", "Uni"}));
  EXPECT_TRUE((*parsed_roster)[1].affiliations.empty());

  const scoring::StageConfig config = TwoTeamConfig();
  for (const char* name : {"scores.csv", "scores.json"}) {
    auto text =
        std::string(name).ends_with(".json") ? ExpertScoresJson(rows) : ExpertScoresCsv(rows);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    auto parsed = scoring::ParseExpertScores(*text, name, config, *parsed_roster);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status().ToString() << "\n" << *text;
    ASSERT_EQ(parsed->size(), 2u);
    EXPECT_EQ((*parsed)[0].team, "Team, \"Alpha\"");
    EXPECT_EQ((*parsed)[0].score, 7);
    EXPECT_EQ((*parsed)[1].team, "#beta");
    EXPECT_EQ((*parsed)[1].expert, "lee");
  }
}

TEST(ExpertExport, RefusesNamesTheStageReaderWouldChange) {
  auto blank = ExpertScoresCsv({{"kim", "Alpha ", "report", 1}});
  ASSERT_FALSE(blank.ok());
  EXPECT_NE(blank.status().message().find("'Alpha '"), std::string::npos);
  auto semicolon = ExpertRosterCsv({{"kim", "Kim", {"A; B"}}});
  ASSERT_FALSE(semicolon.ok());
  EXPECT_NE(semicolon.status().message().find("';'"), std::string::npos);
}

TEST(ExpertJson, RubricNeedsBothLanguagesAValidKeyAndAScale) {
  nlohmann::json ok = {{"name", "R"},
                       {"criteria",
                        {{{"key", "report"},
                          {"name_ko", "보고서"},
                          {"name_en", "Report"},
                          {"scale_min", 0},
                          {"scale_max", 10}}}}};
  auto r = RubricFromJson(ok);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->criteria[0].name_ko, "보고서");
  const std::vector<std::pair<std::string, nlohmann::json>> bad = {{"name_en", nullptr},
                                                                   {"key", "a b"},
                                                                   {"scale_max", 0},
                                                                   {"scale_min", -1},
                                                                   {"scale_max", 2.5}};
  for (const auto& [field, value] : bad) {
    nlohmann::json j = ok;
    if (value.is_null()) {
      j["criteria"][0].erase(field);
    } else {
      j["criteria"][0][field] = value;
    }
    auto got = RubricFromJson(j);
    ASSERT_FALSE(got.ok()) << field;
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(got.status().message().find("criteria[0]"), std::string::npos)
        << got.status().message();
  }
  auto twice = ScoresFromJson(
      {{"scores", {{{"criterion_id", 1}, {"score", 2}}, {{"criterion_id", 1}, {"score", 3}}}}});
  EXPECT_FALSE(twice.ok());
}

TEST(ExpertMaterials, AcceptsListedTypesWhoseBytesMatch) {
  auto pdf = MaterialMediaType("Application/PDF; foo=bar");
  ASSERT_TRUE(pdf.ok());
  EXPECT_EQ(*pdf, "application/pdf");
  EXPECT_FALSE(MaterialMediaType("image/svg+xml").ok());
  EXPECT_FALSE(MaterialMediaType("application/x-msdownload").ok());
  EXPECT_TRUE(CheckMaterialBytes("application/pdf", "%PDF-1.7\n...").ok());
  EXPECT_FALSE(CheckMaterialBytes("application/pdf", "<html>").ok());
  EXPECT_TRUE(CheckMaterialBytes("image/png", std::string("\x89PNG\r\n\x1a\n....", 12)).ok());
  EXPECT_FALSE(CheckMaterialBytes("image/jpeg", "GIF89a").ok());
  EXPECT_TRUE(CheckMaterialBytes("text/plain", "학습 로그 step=1 loss=2.3\n").ok());
  EXPECT_FALSE(CheckMaterialBytes("text/plain", "\xC0\xAF").ok()) << "overlong UTF-8";
  EXPECT_FALSE(CheckMaterialBytes("text/plain", "\xE2\x82").ok()) << "truncated UTF-8";
  EXPECT_FALSE(CheckMaterialBytes("text/plain", "\xED\xA0\x80").ok()) << "surrogate";
  EXPECT_TRUE(CheckMaterialBytes("application/json", "{\"loss\": [1, 2]}").ok());
  EXPECT_FALSE(CheckMaterialBytes("application/json", "{\"loss\": ").ok());
  EXPECT_FALSE(CheckMaterialBytes("text/csv", "").ok()) << "empty";
}

TEST(ExpertMaterials, StoresByDigestAndRefusesATamperedLocation) {
  const std::string dir = ::testing::TempDir() + "dokja_materials_unit";
  std::filesystem::remove_all(dir);
  const std::string bytes = "%PDF-1.4 report";
  auto digest = WriteMaterialFile(dir, bytes);
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(digest->size(), 64u);
  auto again = WriteMaterialFile(dir, bytes);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *digest);
  size_t n_files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n_files;
  EXPECT_EQ(n_files, 1u) << "same content, one file, no temporary left";
  store::Material m{
      7, 1, "t", "application/pdf", *digest, *digest, static_cast<int64_t>(bytes.size()), 0};
  auto read = ReadMaterialFile(dir, m);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
  m.uri = "../../etc/passwd";
  EXPECT_EQ(ReadMaterialFile(dir, m).status().code(), StatusCode::kCorrupt);
  m.uri = *digest;
  m.size_bytes += 1;
  EXPECT_EQ(ReadMaterialFile(dir, m).status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(MaterialFileName(m), "material-7.pdf");
  EXPECT_EQ(ServedContentType("text/html"), "text/html; charset=utf-8");
}

}  // namespace
}  // namespace dokja::web
