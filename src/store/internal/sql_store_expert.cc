// SqlStore: rubrics, materials, assignments with the conflict-of-interest
// rule, expert scores (drafts, submit once) and their export.

#include "store/internal/sql_store.h"

namespace dokja::store::internal {
namespace {

constexpr std::string_view kAssignmentColumns =
    "id, rubric_id, expert_id, team_id, created_ms, submitted_ms";

Assignment AssignmentFromRow(const SqlRow& r) {
  return {AsInt(r[0]), AsInt(r[1]), AsInt(r[2]), AsInt(r[3]), AsInt(r[4]), AsInt(r[5])};
}

constexpr std::string_view kMaterialColumns =
    "id, team_id, title, media_type, sha256, uri, size_bytes, created_ms";

Material MaterialFromRow(const SqlRow& r) {
  return {AsInt(r[0]), AsInt(r[1]), AsText(r[2]), AsText(r[3]),
          AsText(r[4]), AsText(r[5]), AsInt(r[6]), AsInt(r[7])};
}

// Experts whose affiliations do not meet the team's consortium.
constexpr std::string_view kEligibleExpertsSql =
    "SELECT a.id FROM accounts a WHERE a.role = ? AND a.disabled = 0 AND NOT EXISTS ("
    " SELECT 1 FROM affiliations f JOIN team_organisations t"
    " ON t.organisation_id = f.organisation_id"
    " WHERE f.account_id = a.id AND t.team_id = ?) ORDER BY a.id";

Status CheckScore(SqlConn& c, int64_t rubric_id, const CriterionScore& s) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows, c.Query("SELECT rubric_id, scale_min, scale_max FROM criteria WHERE id = ?",
                            {Int(s.criterion_id)}));
  const std::string what = "criterion " + std::to_string(s.criterion_id);
  if (rows.empty() || AsInt(rows[0][0]) != rubric_id) {
    return Status::InvalidArgument(what + " is not part of the assignment's rubric");
  }
  if (s.score < AsInt(rows[0][1]) || s.score > AsInt(rows[0][2])) {
    return Status::InvalidArgument(what + ": score " + std::to_string(s.score) + " outside [" +
                                   AsText(rows[0][1]) + ", " + AsText(rows[0][2]) + "]");
  }
  return Status::OK();
}

Status InsertCriteria(SqlConn& c, Rubric& rubric) {
  int64_t position = 0;
  for (Criterion& k : rubric.criteria) {
    if (k.key.empty())
      return Status::InvalidArgument("rubric '" + rubric.name + "': empty criterion key");
    if (k.scale_min > k.scale_max) {
      return Status::InvalidArgument("criterion '" + k.key + "': scale_min > scale_max");
    }
    DOKJA_ASSIGN_OR_RETURN(
        SqlRows rows,
        c.Query(
            "INSERT INTO criteria(rubric_id, position, criterion_key, name_ko, name_en,"
            " description_ko, description_en, scale_min, scale_max)"
            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            {Int(rubric.id), Int(position++), Text(k.key), Text(k.name_ko), Text(k.name_en),
             Text(k.description_ko), Text(k.description_en), Int(k.scale_min), Int(k.scale_max)}));
    if (rows.empty()) {
      return Status::InvalidArgument("criterion '" + k.key + "' appears twice in rubric '" +
                                     rubric.name + "'");
    }
    k.id = AsInt(rows[0][0]);
  }
  return Status::OK();
}

}  // namespace

Result<Rubric> SqlStore::CreateRubric(const Rubric& rubric) {
  if (rubric.name.empty()) return Status::InvalidArgument("rubric: empty name");
  Rubric out = rubric;
  Status st = WithConn([&](SqlConn& c) {
    return InTransaction(c, [&]() -> Status {
      DOKJA_ASSIGN_OR_RETURN(SqlRows rows, c.Query("INSERT INTO rubrics(name) VALUES(?)"
                                                   " ON CONFLICT DO NOTHING RETURNING id",
                                                   {Text(rubric.name)}));
      if (rows.empty())
        return Status::InvalidArgument("rubric '" + rubric.name + "' already exists");
      out.id = AsInt(rows[0][0]);
      return InsertCriteria(c, out);
    });
  });
  if (!st.ok()) return st;
  return out;
}

Result<Rubric> SqlStore::GetRubric(int64_t id) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows head,
                         Query("SELECT id, name FROM rubrics WHERE id = ?", {Int(id)}));
  if (head.empty()) return Status::NotFound("rubric " + std::to_string(id) + " does not exist");
  Rubric rubric{AsInt(head[0][0]), AsText(head[0][1]), {}};
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                         Query("SELECT id, criterion_key, name_ko, name_en, description_ko,"
                               " description_en, scale_min, scale_max FROM criteria"
                               " WHERE rubric_id = ? ORDER BY position",
                               {Int(id)}));
  for (const SqlRow& r : rows) {
    rubric.criteria.push_back({AsInt(r[0]), AsText(r[1]), AsText(r[2]), AsText(r[3]), AsText(r[4]),
                               AsText(r[5]), AsInt(r[6]), AsInt(r[7])});
  }
  return rubric;
}

Result<std::vector<Rubric>> SqlStore::ListRubrics() {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("SELECT id FROM rubrics ORDER BY id", {}));
  std::vector<Rubric> out;
  for (const SqlRow& r : rows) {
    DOKJA_ASSIGN_OR_RETURN(Rubric rubric, GetRubric(AsInt(r[0])));
    out.push_back(std::move(rubric));
  }
  return out;
}

Result<int64_t> SqlStore::AddMaterial(const Material& m) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                         Query("INSERT INTO materials(team_id, title, media_type, sha256, uri,"
                               " size_bytes, created_ms) VALUES(?, ?, ?, ?, ?, ?, ?) RETURNING id",
                               {Int(m.team_id), Text(m.title), Text(m.media_type), Text(m.sha256),
                                Text(m.uri), Int(m.size_bytes), Int(m.created_ms)}));
  if (rows.empty()) return Status::Internal("materials: insert returned no id");
  return AsInt(rows[0][0]);
}

Result<std::vector<Material>> SqlStore::ListMaterials(int64_t team_id) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("SELECT " + std::string(kMaterialColumns) +
                                                 " FROM materials WHERE team_id = ? ORDER BY id",
                                             {Int(team_id)}));
  std::vector<Material> out;
  for (const SqlRow& r : rows) out.push_back(MaterialFromRow(r));
  return out;
}

Result<Material> SqlStore::GetMaterial(int64_t id) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("SELECT " + std::string(kMaterialColumns) +
                                                 " FROM materials WHERE id = ?",
                                             {Int(id)}));
  if (rows.empty()) return Status::NotFound("material " + std::to_string(id) + " does not exist");
  return MaterialFromRow(rows[0]);
}

Result<std::vector<Account>> SqlStore::ListEligibleExperts(int64_t team_id) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows,
      Query(kEligibleExpertsSql, {Int(static_cast<int64_t>(Role::kExpert)), Int(team_id)}));
  std::vector<Account> out;
  for (const SqlRow& r : rows) {
    DOKJA_ASSIGN_OR_RETURN(Account a, GetAccount(AsInt(r[0])));
    out.push_back(std::move(a));
  }
  return out;
}

Result<int64_t> SqlStore::AssignExpert(int64_t rubric_id, int64_t expert_id, int64_t team_id,
                                       int64_t now_ms) {
  DOKJA_ASSIGN_OR_RETURN(Account expert, GetAccount(expert_id));
  if (expert.role != Role::kExpert) {
    return Status::InvalidArgument("account '" + expert.username + "' is not an expert");
  }
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows conflicts,
      Query("SELECT o.name FROM affiliations f JOIN team_organisations t"
            " ON t.organisation_id = f.organisation_id JOIN organisations o"
            " ON o.id = f.organisation_id WHERE f.account_id = ? AND t.team_id = ? ORDER BY o.name",
            {Int(expert_id), Int(team_id)}));
  if (!conflicts.empty()) {
    return Status::InvalidArgument("conflict of interest: expert '" + expert.username +
                                   "' is affiliated with '" + AsText(conflicts[0][0]) +
                                   "', a member of team " + std::to_string(team_id));
  }
  Result<SqlRows> rows = Query(
      "INSERT INTO assignments(rubric_id, expert_id, team_id, created_ms, updated_ms)"
      " VALUES(?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
      {Int(rubric_id), Int(expert_id), Int(team_id), Int(now_ms), Int(now_ms)});
  if (!rows.ok()) return rows.status().WithPrefix("assignment");
  if (rows->empty()) {
    return Status::InvalidArgument("expert '" + expert.username + "' is already assigned team " +
                                   std::to_string(team_id) + " under rubric " +
                                   std::to_string(rubric_id));
  }
  return AsInt((*rows)[0][0]);
}

Result<Assignment> SqlStore::GetAssignment(int64_t id) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("SELECT " + std::string(kAssignmentColumns) +
                                                 " FROM assignments WHERE id = ?",
                                             {Int(id)}));
  if (rows.empty()) return Status::NotFound("assignment " + std::to_string(id) + " does not exist");
  return AssignmentFromRow(rows[0]);
}

Result<std::vector<Assignment>> SqlStore::ListAssignments(int64_t expert_id) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                         Query("SELECT " + std::string(kAssignmentColumns) +
                                   " FROM assignments WHERE expert_id = ? ORDER BY id",
                               {Int(expert_id)}));
  std::vector<Assignment> out;
  for (const SqlRow& r : rows) out.push_back(AssignmentFromRow(r));
  return out;
}

Result<std::vector<Assignment>> SqlStore::ListRubricAssignments(int64_t rubric_id) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                         Query("SELECT " + std::string(kAssignmentColumns) +
                                   " FROM assignments WHERE rubric_id = ? ORDER BY id",
                               {Int(rubric_id)}));
  std::vector<Assignment> out;
  for (const SqlRow& r : rows) out.push_back(AssignmentFromRow(r));
  return out;
}

Status SqlStore::SaveDraftScores(int64_t assignment_id, const std::vector<CriterionScore>& scores,
                                 int64_t now_ms) {
  const std::string what = "assignment " + std::to_string(assignment_id);
  return WithConn([&](SqlConn& c) {
    return InTransaction(c, [&]() -> Status {
      // Touching the row first locks it (PostgreSQL), so a concurrent submit
      // either happens before (we see it) or waits for this draft.
      DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                             c.Query("UPDATE assignments SET updated_ms = ? WHERE id = ?"
                                     " RETURNING rubric_id, submitted_ms",
                                     {Int(now_ms), Int(assignment_id)}));
      if (rows.empty()) return Status::NotFound(what + " does not exist");
      if (!std::holds_alternative<std::monostate>(rows[0][1])) {
        return Status::InvalidArgument(what + " is already submitted; scores are final");
      }
      for (const CriterionScore& s : scores) {
        DOKJA_RETURN_IF_ERROR(CheckScore(c, AsInt(rows[0][0]), s));
        DOKJA_RETURN_IF_ERROR(
            c.Query("INSERT INTO scores(assignment_id, criterion_id, score, comment, updated_ms)"
                    " VALUES(?, ?, ?, ?, ?) ON CONFLICT (assignment_id, criterion_id) DO UPDATE"
                    " SET score = excluded.score, comment = excluded.comment,"
                    " updated_ms = excluded.updated_ms",
                    {Int(assignment_id), Int(s.criterion_id), Int(s.score), Text(s.comment),
                     Int(now_ms)})
                .status());
      }
      return Status::OK();
    });
  });
}

Result<std::vector<CriterionScore>> SqlStore::GetScores(int64_t assignment_id) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows, Query("SELECT s.criterion_id, s.score, s.comment FROM scores s JOIN criteria k"
                          " ON k.id = s.criterion_id WHERE s.assignment_id = ? ORDER BY k.position",
                          {Int(assignment_id)}));
  std::vector<CriterionScore> out;
  for (const SqlRow& r : rows) out.push_back({AsInt(r[0]), AsInt(r[1]), AsText(r[2])});
  return out;
}

Status SqlStore::SubmitScores(int64_t assignment_id, int64_t now_ms) {
  const std::string what = "assignment " + std::to_string(assignment_id);
  return WithConn([&](SqlConn& c) {
    return InTransaction(c, [&]() -> Status {
      DOKJA_ASSIGN_OR_RETURN(SqlRows won,
                             c.Query("UPDATE assignments SET submitted_ms = ?, updated_ms = ?"
                                     " WHERE id = ? AND submitted_ms IS NULL RETURNING rubric_id",
                                     {Int(now_ms), Int(now_ms), Int(assignment_id)}));
      if (won.empty()) {
        DOKJA_ASSIGN_OR_RETURN(SqlRows exists, c.Query("SELECT id FROM assignments WHERE id = ?",
                                                       {Int(assignment_id)}));
        if (exists.empty()) return Status::NotFound(what + " does not exist");
        return Status::InvalidArgument(what + " is already submitted");
      }
      DOKJA_ASSIGN_OR_RETURN(
          SqlRows missing,
          c.Query("SELECT k.criterion_key FROM criteria k WHERE k.rubric_id = ? AND NOT EXISTS"
                  " (SELECT 1 FROM scores s WHERE s.assignment_id = ? AND s.criterion_id = k.id)"
                  " ORDER BY k.position",
                  {Int(AsInt(won[0][0])), Int(assignment_id)}));
      if (!missing.empty()) {
        return Status::InvalidArgument(what + ": criterion '" + AsText(missing[0][0]) +
                                       "' has no score");
      }
      return Status::OK();
    });
  });
}

Result<std::vector<ScoreExportRow>> SqlStore::ExportScores(int64_t rubric_id) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows, Query("SELECT e.username, t.name, k.criterion_key, s.score FROM scores s"
                          " JOIN assignments a ON a.id = s.assignment_id"
                          " JOIN accounts e ON e.id = a.expert_id JOIN teams t ON t.id = a.team_id"
                          " JOIN criteria k ON k.id = s.criterion_id"
                          " WHERE a.rubric_id = ? AND a.submitted_ms IS NOT NULL"
                          " ORDER BY e.username, t.name, k.position",
                          {Int(rubric_id)}));
  std::vector<ScoreExportRow> out;
  for (const SqlRow& r : rows)
    out.push_back({AsText(r[0]), AsText(r[1]), AsText(r[2]), AsInt(r[3])});
  return out;
}

Result<std::vector<RosterEntry>> SqlStore::ExpertRoster() {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                         Query("SELECT a.username, a.display_name, o.name FROM accounts a"
                               " LEFT JOIN affiliations f ON f.account_id = a.id"
                               " LEFT JOIN organisations o ON o.id = f.organisation_id"
                               " WHERE a.role = ? ORDER BY a.username, o.name",
                               {Int(static_cast<int64_t>(Role::kExpert))}));
  std::vector<RosterEntry> out;
  for (const SqlRow& r : rows) {
    if (out.empty() || out.back().expert != AsText(r[0])) {
      out.push_back({AsText(r[0]), AsText(r[1]), {}});
    }
    if (!std::holds_alternative<std::monostate>(r[2]))
      out.back().affiliations.push_back(AsText(r[2]));
  }
  return out;
}

}  // namespace dokja::store::internal
