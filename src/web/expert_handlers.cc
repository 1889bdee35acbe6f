// Expert-facing handlers: an expert sees their own assignments, teams only by
// anonymous label, materials only of the teams assigned to them; drafts are
// saved with PUT and submitted once.
#include "web/expert_handlers.h"

#include <string>

#include "web/expert_json.h"
#include "web/expert_materials.h"
#include "web/http_util.h"

namespace dokja::web::expert {
namespace {

// The caller's assignment `id`, or a reply already sent (404 for one that
// does not exist or belongs to someone else: ids are not confirmed to others).
std::optional<store::Assignment> OwnAssignment(Call& call, int64_t id) {
  Result<store::Assignment> a = call.app.store().GetAssignment(id);
  if (!a.ok() && a.status().code() != StatusCode::kNotFound) {
    SendStatus(call, a.status());
    return std::nullopt;
  }
  if (!a.ok() || a->expert_id != call.caller->account.id) {
    SendError(call, 404, "not_found", "assignment " + std::to_string(id) + " does not exist");
    return std::nullopt;
  }
  return *a;
}

Json AssignmentSummary(const store::Assignment& a, const std::string& label) {
  return {{"id", a.id},
          {"rubric_id", a.rubric_id},
          {"team_label", label},
          {"submitted", a.submitted_ms != 0},
          {"submitted_ms", a.submitted_ms},
          {"created_ms", a.created_ms}};
}

// Whether the caller may read materials of `team_id`: admins always, experts
// when one of their assignments is for that team.
Result<bool> MayReadTeam(Call& call, int64_t team_id) {
  if (call.caller->account.role == store::Role::kAdmin) return true;
  DOKJA_ASSIGN_OR_RETURN(std::vector<store::Assignment> mine,
                         call.app.store().ListAssignments(call.caller->account.id));
  for (const store::Assignment& a : mine) {
    if (a.team_id == team_id) return true;
  }
  return false;
}

}  // namespace

void ListRubrics(Call& call) {
  Result<std::vector<store::Rubric>> rubrics = call.app.store().ListRubrics();
  if (!rubrics.ok()) return SendStatus(call, rubrics.status());
  Json list = Json::array();
  for (const store::Rubric& r : *rubrics) list.push_back(RubricJson(r));
  SendJson(call, 200, {{"rubrics", std::move(list)}});
}

void GetRubric(Call& call) {
  const int64_t id = PathId(call);
  if (id == 0) return;
  Result<store::Rubric> rubric = call.app.store().GetRubric(id);
  if (!rubric.ok()) return SendStatus(call, rubric.status());
  SendJson(call, 200, RubricJson(*rubric));
}

void DownloadMaterial(Call& call) {
  const int64_t id = PathId(call);
  if (id == 0) return;
  const std::string missing = "material " + std::to_string(id) + " does not exist";
  Result<store::Material> m = call.app.store().GetMaterial(id);
  if (!m.ok() && m.status().code() == StatusCode::kNotFound) {
    return SendError(call, 404, "not_found", missing);
  }
  if (!m.ok()) return SendStatus(call, m.status());
  Result<bool> allowed = MayReadTeam(call, m->team_id);
  if (!allowed.ok()) return SendStatus(call, allowed.status());
  // The same answer as for a missing id: an expert learns nothing about
  // materials of teams not assigned to them.
  if (!*allowed) return SendError(call, 404, "not_found", missing);
  Result<std::string> bytes = ReadMaterialFile(call.app.options().materials_dir, *m);
  if (!bytes.ok()) return SendStatus(call, Status::Internal(bytes.status().message()));
  call.res.set_header("Content-Disposition",
                      "attachment; filename=\"" + MaterialFileName(*m) + "\"");
  call.res.set_header("X-Content-Type-Options", "nosniff");
  call.res.set_header("Content-Security-Policy", "default-src 'none'; sandbox");
  call.res.set_header("Cache-Control", "private, no-store");
  call.res.status = 200;
  call.res.set_content(std::move(*bytes), ServedContentType(m->media_type));
}

void ListMyAssignments(Call& call) {
  store::Store& store = call.app.store();
  Result<std::vector<store::Assignment>> mine = store.ListAssignments(call.caller->account.id);
  if (!mine.ok()) return SendStatus(call, mine.status());
  Json list = Json::array();
  for (const store::Assignment& a : *mine) {
    Result<store::Team> team = store.GetTeam(a.team_id);
    if (!team.ok()) return SendStatus(call, team.status());
    list.push_back(AssignmentSummary(a, team->anonymous_label));
  }
  SendJson(call, 200, {{"assignments", std::move(list)}});
}

void GetMyAssignment(Call& call) {
  const int64_t id = PathId(call);
  if (id == 0) return;
  std::optional<store::Assignment> a = OwnAssignment(call, id);
  if (!a) return;
  store::Store& store = call.app.store();
  Result<store::Team> team = store.GetTeam(a->team_id);
  if (!team.ok()) return SendStatus(call, team.status());
  Result<store::Rubric> rubric = store.GetRubric(a->rubric_id);
  if (!rubric.ok()) return SendStatus(call, rubric.status());
  Result<std::vector<store::Material>> materials = store.ListMaterials(a->team_id);
  if (!materials.ok()) return SendStatus(call, materials.status());
  Result<std::vector<store::CriterionScore>> scores = store.GetScores(a->id);
  if (!scores.ok()) return SendStatus(call, scores.status());
  Json list = Json::array();
  for (const store::Material& m : *materials) list.push_back(MaterialJson(m));
  SendJson(call, 200,
           {{"assignment", AssignmentSummary(*a, team->anonymous_label)},
            {"team_label", team->anonymous_label},
            {"rubric", RubricJson(*rubric)},
            {"materials", std::move(list)},
            {"scores", ScoresJson(*scores)}});
}

void SaveDraft(Call& call) {
  const int64_t id = PathId(call);
  if (id == 0) return;
  std::optional<store::Assignment> a = OwnAssignment(call, id);
  if (!a) return;
  if (a->submitted_ms != 0) {
    return SendError(call, 409, "conflict", "assignment is submitted; scores are final");
  }
  Result<Json> body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  Result<std::vector<store::CriterionScore>> scores = ScoresFromJson(*body);
  if (!scores.ok()) return SendStatus(call, scores.status());
  Status saved = call.app.store().SaveDraftScores(id, *scores, call.app.NowMs());
  if (!saved.ok()) {
    // A submit that raced this draft wins; say so rather than "invalid".
    Result<store::Assignment> now = call.app.store().GetAssignment(id);
    if (now.ok() && now->submitted_ms != 0) {
      return SendError(call, 409, "conflict", "assignment is submitted; scores are final");
    }
    return SendStatus(call, saved);
  }
  SendJson(call, 200, Json::object());
}

void Submit(Call& call) {
  const int64_t id = PathId(call);
  if (id == 0) return;
  std::optional<store::Assignment> a = OwnAssignment(call, id);
  if (!a) return;
  const int64_t now = call.app.NowMs();
  Status st = call.app.store().SubmitScores(id, now);
  if (st.code() == StatusCode::kInvalidArgument) {
    return SendError(call, 409, "conflict", st.message());  // already submitted, or incomplete
  }
  if (!st.ok()) return SendStatus(call, st);
  SendJson(call, 200, {{"submitted_ms", now}});
}

}  // namespace dokja::web::expert
