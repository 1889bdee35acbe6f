// Admin handlers of the expert evaluation: rubrics, materials upload,
// assignment, progress, agreement and export. Every state change is audited.
#include <cctype>
#include <charconv>
#include <iostream>
#include <map>
#include <mutex>
#include <string>

#include "web/expert_assign.h"
#include "web/expert_export.h"
#include "web/expert_handlers.h"
#include "web/expert_json.h"
#include "web/expert_materials.h"
#include "web/http_util.h"

namespace dokja::web::expert {
namespace {

// A positive integer query parameter; sends a 400 and returns 0 otherwise.
int64_t QueryId(Call& call, const char* name) {
  const std::string s = call.req.has_param(name) ? call.req.get_param_value(name) : "";
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v <= 0) {
    SendError(call, 400, "invalid",
              std::string("query parameter '") + name + "': expected a positive integer");
    return 0;
  }
  return v;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// %XX-decoding for the X-Title header (headers are ASCII; titles may not be).
Result<std::string> PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= s.size() ||
        std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16).ptr != s.data() + i + 3) {
      return Status::InvalidArgument("X-Title: bad percent escape");
    }
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

// The title from ?title= or X-Title, checked: 1-200 bytes of UTF-8 text that
// does not give away the team's real name.
Result<std::string> MaterialTitle(Call& call, const store::Team& team) {
  std::string title;
  if (call.req.has_param("title")) {
    title = call.req.get_param_value("title");
  } else {
    DOKJA_ASSIGN_OR_RETURN(title, PercentDecode(call.req.get_header_value("X-Title")));
  }
  if (title.empty() || title.size() > kMaxNameBytes) {
    return Status::InvalidArgument("title (X-Title or ?title=) must be 1-200 bytes");
  }
  DOKJA_RETURN_IF_ERROR(CheckMaterialBytes("text/plain", title).WithPrefix("title"));
  if (Lower(title).find(Lower(team.name)) != std::string::npos) {
    return Status::InvalidArgument("title names the team; experts see teams only by label");
  }
  return title;
}

Json AdminAssignmentJson(store::Store& store, const store::Assignment& a) {
  Json j = {{"id", a.id},
            {"rubric_id", a.rubric_id},
            {"expert_id", a.expert_id},
            {"team_id", a.team_id},
            {"submitted", a.submitted_ms != 0}};
  if (Result<store::Account> e = store.GetAccount(a.expert_id); e.ok()) j["expert"] = e->username;
  if (Result<store::Team> t = store.GetTeam(a.team_id); t.ok()) {
    j["team"] = t->name;
    j["team_label"] = t->anonymous_label;
  }
  return j;
}

// Progress counters of one expert or team.
struct Counts {
  int64_t assigned = 0;
  int64_t submitted = 0;
};

}  // namespace

void Audit(Call& call, const std::string& action, const std::string& target,
           const std::string& detail) {
  Result<int64_t> id = call.app.store().AppendAudit(
      {0, call.caller->account.id, action, target, detail, call.app.NowMs()});
  if (!id.ok()) std::cerr << "audit " << action << " failed: " << id.status().ToString() << "\n";
}

void CreateRubric(Call& call) {
  Result<Json> body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  Result<store::Rubric> rubric = RubricFromJson(*body);
  if (!rubric.ok()) return SendStatus(call, rubric.status());
  Result<store::Rubric> created = call.app.store().CreateRubric(*rubric);
  if (!created.ok() && created.status().code() == StatusCode::kInvalidArgument) {
    return SendError(call, 409, "conflict", created.status().message());
  }
  if (!created.ok()) return SendStatus(call, created.status());
  Audit(call, "rubric.create", "rubric:" + std::to_string(created->id), created->name);
  SendJson(call, 200, RubricJson(*created));
}

void UploadMaterial(Call& call) {
  const int64_t team_id = PathId(call);
  if (team_id == 0) return;
  Result<store::Team> team = call.app.store().GetTeam(team_id);
  if (!team.ok()) return SendStatus(call, team.status());
  const std::string& bytes = call.req.body;
  if (static_cast<int64_t>(bytes.size()) > kMaxMaterialBytes) {
    return SendError(call, 413, "payload_too_large",
                     "material is larger than " + std::to_string(kMaxMaterialBytes) + " bytes");
  }
  Result<std::string> type = MaterialMediaType(call.req.get_header_value("Content-Type"));
  if (!type.ok()) return SendStatus(call, type.status());
  if (Status st = CheckMaterialBytes(*type, bytes); !st.ok()) return SendStatus(call, st);
  Result<std::string> title = MaterialTitle(call, *team);
  if (!title.ok()) return SendStatus(call, title.status());
  Result<std::string> digest = WriteMaterialFile(call.app.options().materials_dir, bytes);
  if (!digest.ok()) return SendStatus(call, digest.status());
  const store::Material m{0,
                          team_id,
                          *title,
                          *type,
                          *digest,
                          *digest,
                          static_cast<int64_t>(bytes.size()),
                          call.app.NowMs()};
  Result<int64_t> id = call.app.store().AddMaterial(m);
  if (!id.ok()) return SendStatus(call, id.status());
  Audit(call, "material.upload", "team:" + std::to_string(team_id),
        "material " + std::to_string(*id) + " " + *type + " sha256 " + *digest);
  SendJson(call, 200, {{"id", *id}, {"sha256", *digest}, {"size_bytes", m.size_bytes}});
}

void ListTeamMaterials(Call& call) {
  const int64_t team_id = PathId(call);
  if (team_id == 0) return;
  if (Status st = call.app.store().GetTeam(team_id).status(); !st.ok()) return SendStatus(call, st);
  Result<std::vector<store::Material>> list = call.app.store().ListMaterials(team_id);
  if (!list.ok()) return SendStatus(call, list.status());
  Json out = Json::array();
  for (const store::Material& m : *list) out.push_back(MaterialJson(m));
  SendJson(call, 200, {{"materials", std::move(out)}});
}

void CreateAssignments(Call& call) {
  // One assignment run at a time: each run plans from the loads it reads.
  static std::mutex mu;
  Result<Json> body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  Result<int64_t> rubric_id = IntField(*body, "rubric_id");
  if (!rubric_id.ok()) return SendStatus(call, rubric_id.status());
  Result<int64_t> per_team = IntField(*body, "per_team");
  if (!per_team.ok()) return SendStatus(call, per_team.status());
  if (*per_team < 1 || *per_team > 100) {
    return SendError(call, 400, "invalid", "per_team must be between 1 and 100");
  }
  std::lock_guard<std::mutex> lock(mu);
  Result<std::vector<store::Assignment>> created =
      AssignExperts(call.app.store(), *rubric_id, *per_team, call.app.NowMs());
  if (!created.ok() && created.status().code() == StatusCode::kInvalidArgument) {
    return SendError(call, 409, "conflict", created.status().message());
  }
  if (!created.ok()) return SendStatus(call, created.status());
  Json list = Json::array();
  for (const store::Assignment& a : *created)
    list.push_back(AdminAssignmentJson(call.app.store(), a));
  Audit(call, "assignment.create", "rubric:" + std::to_string(*rubric_id),
        "per_team " + std::to_string(*per_team) + ", created " + std::to_string(created->size()));
  SendJson(call, 200, {{"created", std::move(list)}});
}

void Progress(Call& call) {
  const int64_t rubric_id = QueryId(call, "rubric_id");
  if (rubric_id == 0) return;
  store::Store& store = call.app.store();
  if (Status st = store.GetRubric(rubric_id).status(); !st.ok()) return SendStatus(call, st);
  Result<std::vector<store::Assignment>> all = store.ListRubricAssignments(rubric_id);
  if (!all.ok()) return SendStatus(call, all.status());
  std::map<int64_t, Counts> by_expert, by_team;
  Counts total;
  for (const store::Assignment& a : *all) {
    for (Counts* c : {&by_expert[a.expert_id], &by_team[a.team_id], &total}) {
      ++c->assigned;
      if (a.submitted_ms != 0) ++c->submitted;
    }
  }
  Json experts = Json::array(), teams = Json::array();
  for (const auto& [id, c] : by_expert) {
    Result<store::Account> e = store.GetAccount(id);
    if (!e.ok()) return SendStatus(call, e.status());
    experts.push_back({{"id", id},
                       {"username", e->username},
                       {"display_name", e->display_name},
                       {"assigned", c.assigned},
                       {"submitted", c.submitted}});
  }
  for (const auto& [id, c] : by_team) {
    Result<store::Team> t = store.GetTeam(id);
    if (!t.ok()) return SendStatus(call, t.status());
    teams.push_back({{"id", id},
                     {"name", t->name},
                     {"anonymous_label", t->anonymous_label},
                     {"assigned", c.assigned},
                     {"submitted", c.submitted}});
  }
  SendJson(call, 200,
           {{"rubric_id", rubric_id},
            {"assigned", total.assigned},
            {"submitted", total.submitted},
            {"experts", std::move(experts)},
            {"teams", std::move(teams)}});
}

void AgreementReport(Call& call) {
  const int64_t rubric_id = QueryId(call, "rubric_id");
  if (rubric_id == 0) return;
  Result<store::Rubric> rubric = call.app.store().GetRubric(rubric_id);
  if (!rubric.ok()) return SendStatus(call, rubric.status());
  Result<std::vector<store::ScoreExportRow>> rows = call.app.store().ExportScores(rubric_id);
  if (!rows.ok()) return SendStatus(call, rows.status());
  Json criteria = Json::array();
  for (const CriterionAgreement& a : Agreement(*rubric, *rows)) {
    criteria.push_back({{"key", a.key},
                        {"alpha", a.alpha ? Json(*a.alpha) : Json(nullptr)},
                        {"n_units", a.n_units},
                        {"n_values", a.n_values}});
  }
  SendJson(call, 200, {{"rubric_id", rubric_id}, {"criteria", std::move(criteria)}});
}

void Export(Call& call) {
  const std::string what = call.req.has_param("what") ? call.req.get_param_value("what") : "scores";
  const std::string format =
      call.req.has_param("format") ? call.req.get_param_value("format") : "csv";
  if ((what != "scores" && what != "roster") || (format != "csv" && format != "json") ||
      (what == "roster" && format == "json")) {
    return SendError(call, 400, "invalid",
                     "export: what=scores&format=csv|json or what=roster&format=csv");
  }
  Result<std::string> out = Status::Internal("unset");
  std::string target = "roster";
  if (what == "roster") {
    Result<std::vector<store::RosterEntry>> roster = call.app.store().ExpertRoster();
    out = roster.ok() ? ExpertRosterCsv(*roster) : Result<std::string>(roster.status());
  } else {
    const int64_t rubric_id = QueryId(call, "rubric_id");
    if (rubric_id == 0) return;
    if (Status st = call.app.store().GetRubric(rubric_id).status(); !st.ok())
      return SendStatus(call, st);
    Result<std::vector<store::ScoreExportRow>> rows = call.app.store().ExportScores(rubric_id);
    if (!rows.ok()) return SendStatus(call, rows.status());
    out = format == "json" ? ExpertScoresJson(*rows) : ExpertScoresCsv(*rows);
    target = "rubric:" + std::to_string(rubric_id);
  }
  if (!out.ok() && out.status().code() == StatusCode::kInvalidArgument) {
    return SendError(call, 409, "conflict", out.status().message());
  }
  if (!out.ok()) return SendStatus(call, out.status());
  Audit(call, "expert.export", target, what + "." + format);
  const std::string file = "expert_" + what + "." + format;
  call.res.set_header("Content-Disposition", "attachment; filename=\"" + file + "\"");
  call.res.set_header("X-Content-Type-Options", "nosniff");
  call.res.status = 200;
  call.res.set_content(std::move(*out), format == "json" ? "application/json; charset=utf-8"
                                                         : "text/csv; charset=utf-8");
}

}  // namespace dokja::web::expert
