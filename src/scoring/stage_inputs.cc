#include "scoring/stage_inputs.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "base/sha256.h"
#include "scoring/internal/csv.h"

namespace dokja::scoring {
namespace {

using internal::CsvTable;
using internal::Field;
using internal::NumberField;
using internal::ParseCsv;
using json = nlohmann::json;

Result<json> ParseJson(const std::string& text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    return Status::Corrupt(source + ": not valid JSON: " + e.what());
  }
}

Status UnknownTeam(const std::string& where, const std::string& team) {
  return Status::InvalidArgument(where + ": unknown team '" + team + "' (not in the stage config)");
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s + ";") {
    if (c != ';') {
      cur += c;
      continue;
    }
    while (!cur.empty() && cur.front() == ' ') cur.erase(cur.begin());
    while (!cur.empty() && cur.back() == ' ') cur.pop_back();
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  }
  return out;
}

bool HasCriterion(const StageConfig& config, const std::string& id) {
  for (const auto& c : config.expert.criteria) {
    if (c.id == id) return true;
  }
  return false;
}

// One expert score checked against the config and roster.
Status CheckExpertScore(const ExpertScore& s, const StageConfig& config, const std::set<std::string>& experts) {
  if (experts.count(s.expert) == 0) {
    return Status::InvalidArgument(s.where + ": unknown expert '" + s.expert + "' (not in the roster)");
  }
  if (config.FindTeam(s.team) == nullptr) return UnknownTeam(s.where, s.team);
  if (!HasCriterion(config, s.criterion)) {
    return Status::InvalidArgument(s.where + ": unknown expert criterion '" + s.criterion + "'");
  }
  for (const auto& c : config.expert.criteria) {
    if (c.id == s.criterion && (s.score < 0 || s.score > c.scale_max)) {
      return Status::InvalidArgument(s.where + ": score " + std::to_string(s.score) + " outside [0, " +
                                     std::to_string(c.scale_max) + "]");
    }
  }
  return Status::OK();
}

Result<std::vector<ExpertScore>> ExpertScoresFromJson(const std::string& text, const std::string& source) {
  DOKJA_ASSIGN_OR_RETURN(json j, ParseJson(text, source));
  if (!j.is_array()) return Status::Corrupt(source + ": expected a JSON array of score objects");
  std::vector<ExpertScore> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string where = source + ": entry " + std::to_string(i);
    const json& e = j[i];
    if (!e.is_object() || !e.contains("expert") || !e.contains("team") || !e.contains("criterion") ||
        !e.contains("score") || !e["score"].is_number() || !e["expert"].is_string() ||
        !e["team"].is_string() || !e["criterion"].is_string()) {
      return Status::Corrupt(where + ": expected {expert, team, criterion: strings, score: number}");
    }
    out.push_back({e["expert"].get<std::string>(), e["team"].get<std::string>(),
                   e["criterion"].get<std::string>(), e["score"].get<double>(), where});
  }
  return out;
}

Result<std::vector<ExpertScore>> ExpertScoresFromCsv(const std::string& text, const std::string& source) {
  DOKJA_ASSIGN_OR_RETURN(CsvTable t, ParseCsv(text, source, {"expert", "team", "criterion", "score"}));
  std::vector<ExpertScore> out;
  for (const auto& row : t.rows) {
    DOKJA_ASSIGN_OR_RETURN(double score, NumberField(t, row, "score"));
    out.push_back({Field(t, row, "expert"), Field(t, row, "team"), Field(t, row, "criterion"), score, t.Where(row)});
  }
  return out;
}

Result<BattleOutcome> OutcomeFrom(const std::string& s, const std::string& where) {
  if (s == "a") return BattleOutcome::kA;
  if (s == "b") return BattleOutcome::kB;
  if (s == "tie") return BattleOutcome::kTie;
  if (s == "both_bad") return BattleOutcome::kBothBad;
  return Status::InvalidArgument(where + ": outcome '" + s + "' is not one of a, b, tie, both_bad");
}

// A battle's side: a submitted model id or a team name.
Result<std::string> TeamOfModel(const StageConfig& config, const std::string& model, const std::string& where) {
  for (const auto& t : config.teams) {
    if (t.submitted_model == model || t.name == model) return t.name;
  }
  return Status::InvalidArgument(where + ": unknown model '" + model + "' (no team submitted it)");
}

double NumberOr(const json& j, const char* key, const std::string& where, Status& status) {
  if (!j.contains(key) || !j[key].is_number()) {
    if (status.ok()) status = Status::Corrupt(where + ": '" + key + "' must be a number");
    return 0;
  }
  return j[key].get<double>();
}

}  // namespace

Result<std::string> ReadInputFile(const std::string& path, const std::string& role) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open " + role + " input");
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return Status::IOError(path + ": read failed");
  return s.str();
}

Result<std::map<std::string, BenchTeamPoints>> ParseBenchPoints(const std::string& text, const std::string& source,
                                                                const StageConfig& config) {
  DOKJA_ASSIGN_OR_RETURN(json j, ParseJson(text, source));
  if (!j.is_object() || !j.contains("teams") || !j["teams"].is_object()) {
    return Status::Corrupt(source + ": expected {\"teams\": {TEAM: {...}}}");
  }
  std::map<std::string, BenchTeamPoints> out;
  for (const auto& [team, tj] : j["teams"].items()) {
    const std::string where = source + ": teams." + team;
    if (config.FindTeam(team) == nullptr) return UnknownTeam(where, team);
    if (!tj.is_object() || !tj.contains("groups") || !tj["groups"].is_object()) {
      return Status::Corrupt(where + ": expected an object with 'groups'");
    }
    BenchTeamPoints p;
    Status status;
    for (const auto& [group, gj] : tj["groups"].items()) {
      if (!gj.is_object()) return Status::Corrupt(where + ".groups." + group + ": expected {points, max}");
      p.groups[group] = {NumberOr(gj, "points", where + ".groups." + group, status),
                         NumberOr(gj, "max", where + ".groups." + group, status)};
    }
    p.total = NumberOr(tj, "total", where, status);
    p.max = tj.contains("max") ? NumberOr(tj, "max", where, status) : config.benchmark.points;
    DOKJA_RETURN_IF_ERROR(status);
    out[team] = std::move(p);
  }
  return out;
}

Result<AuditInput> ParseAuditReport(const std::string& text, const std::string& source) {
  DOKJA_ASSIGN_OR_RETURN(json j, ParseJson(text, source));
  if (!j.is_object() || !j.contains("candidate") || !j["candidate"].is_string() ||
      !j.contains("findings") || !j["findings"].is_array() || !j.contains("not_original") ||
      !j["not_original"].is_boolean()) {
    return Status::Corrupt(source + ": not a `dokja audit --json` report (needs candidate, not_original, findings)");
  }
  AuditInput a;
  a.path = source;
  a.candidate = j["candidate"].get<std::string>();
  a.not_original = j["not_original"].get<bool>();
  for (size_t i = 0; i < j["findings"].size(); ++i) {
    const json& f = j["findings"][i];
    const std::string where = source + ": findings[" + std::to_string(i) + "]";
    if (!f.is_object() || !f.contains("component") || !f["component"].is_string() ||
        !f.contains("verdict") || !f["verdict"].is_string()) {
      return Status::Corrupt(where + ": needs string 'component' and 'verdict'");
    }
    AuditFinding af;
    af.component = f["component"].get<std::string>();
    af.verdict = f["verdict"].get<std::string>();
    if (f.contains("reference") && f["reference"].is_string()) af.reference = f["reference"].get<std::string>();
    if (f.contains("log10_p") && f["log10_p"].is_number()) af.log10_p = f["log10_p"].get<double>();
    if (f.contains("reason") && f["reason"].is_string()) af.reason = f["reason"].get<std::string>();
    a.findings.push_back(std::move(af));
  }
  return a;
}

Result<std::vector<Expert>> ParseExpertRoster(const std::string& text, const std::string& source) {
  DOKJA_ASSIGN_OR_RETURN(CsvTable t, ParseCsv(text, source, {"expert", "affiliation"}));
  std::vector<Expert> out;
  std::set<std::string> seen;
  for (const auto& row : t.rows) {
    Expert e{Field(t, row, "expert"), SplitList(Field(t, row, "affiliation"))};
    if (e.id.empty()) return Status::Corrupt(t.Where(row) + ": empty expert id");
    if (!seen.insert(e.id).second) return Status::Corrupt(t.Where(row) + ": duplicate expert '" + e.id + "'");
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<ExpertScore>> ParseExpertScores(const std::string& text, const std::string& source,
                                                   const StageConfig& config,
                                                   const std::vector<Expert>& roster) {
  const bool is_json = source.size() >= 5 && source.compare(source.size() - 5, 5, ".json") == 0;
  DOKJA_ASSIGN_OR_RETURN(std::vector<ExpertScore> scores,
                         is_json ? ExpertScoresFromJson(text, source) : ExpertScoresFromCsv(text, source));
  std::set<std::string> experts;
  for (const auto& e : roster) experts.insert(e.id);
  std::set<std::string> keys;
  for (const auto& s : scores) {
    DOKJA_RETURN_IF_ERROR(CheckExpertScore(s, config, experts));
    if (!keys.insert(s.expert + "\x1f" + s.team + "\x1f" + s.criterion).second) {
      return Status::InvalidArgument(s.where + ": duplicate score by '" + s.expert + "' for team '" + s.team +
                                     "', criterion '" + s.criterion + "'");
    }
  }
  return scores;
}

Result<std::vector<UserScore>> ParseUserScores(const std::string& text, const std::string& source,
                                               const StageConfig& config) {
  DOKJA_ASSIGN_OR_RETURN(CsvTable t, ParseCsv(text, source, {"user", "team", "task", "score"}));
  std::vector<UserScore> out;
  std::set<std::string> keys;
  for (const auto& row : t.rows) {
    DOKJA_ASSIGN_OR_RETURN(double score, NumberField(t, row, "score"));
    UserScore s{Field(t, row, "user"), Field(t, row, "team"), Field(t, row, "task"), score};
    if (config.FindTeam(s.team) == nullptr) return UnknownTeam(t.Where(row), s.team);
    if (!keys.insert(s.user + "\x1f" + s.team + "\x1f" + s.task).second) {
      return Status::InvalidArgument(t.Where(row) + ": duplicate score by user '" + s.user + "' for team '" + s.team +
                                     "', task '" + s.task + "'");
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<Battle>> ParseBattles(const std::string& text, const std::string& source,
                                         const StageConfig& config) {
  DOKJA_ASSIGN_OR_RETURN(CsvTable t, ParseCsv(text, source, {"user", "model_a", "model_b", "outcome"}));
  std::vector<Battle> out;
  for (const auto& row : t.rows) {
    Battle b;
    b.user = Field(t, row, "user");
    DOKJA_ASSIGN_OR_RETURN(b.team_a, TeamOfModel(config, Field(t, row, "model_a"), t.Where(row)));
    DOKJA_ASSIGN_OR_RETURN(b.team_b, TeamOfModel(config, Field(t, row, "model_b"), t.Where(row)));
    DOKJA_ASSIGN_OR_RETURN(b.outcome, OutcomeFrom(Field(t, row, "outcome"), t.Where(row)));
    if (b.team_a == b.team_b) return Status::InvalidArgument(t.Where(row) + ": a model battles itself");
    out.push_back(std::move(b));
  }
  return out;
}

namespace {

// Reads one file, records its hash, returns its bytes.
Result<std::string> Take(StageInputs& in, const std::string& role, const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::string text, ReadInputFile(path, role));
  in.files.push_back({role, path, Sha256Hex(text), text.size()});
  return text;
}

}  // namespace

Result<StageInputs> LoadStageInputs(const StageConfig& config) {
  StageInputs in;
  const StageInputPaths& p = config.inputs;
  if (!config.path.empty()) {
    DOKJA_RETURN_IF_ERROR(Take(in, "config", config.path).status());
  }
  DOKJA_ASSIGN_OR_RETURN(std::string bench, Take(in, "bench_points", p.bench_points));
  DOKJA_ASSIGN_OR_RETURN(in.bench, ParseBenchPoints(bench, p.bench_points, config));
  DOKJA_ASSIGN_OR_RETURN(std::string roster, Take(in, "expert_roster", p.expert_roster));
  DOKJA_ASSIGN_OR_RETURN(in.roster, ParseExpertRoster(roster, p.expert_roster));
  DOKJA_ASSIGN_OR_RETURN(std::string experts, Take(in, "expert_scores", p.expert_scores));
  DOKJA_ASSIGN_OR_RETURN(in.expert_scores, ParseExpertScores(experts, p.expert_scores, config, in.roster));
  if (!p.user_scores.empty()) {
    DOKJA_ASSIGN_OR_RETURN(std::string users, Take(in, "user_scores", p.user_scores));
    DOKJA_ASSIGN_OR_RETURN(in.user_scores, ParseUserScores(users, p.user_scores, config));
  }
  if (!p.battles.empty()) {
    DOKJA_ASSIGN_OR_RETURN(std::string battles, Take(in, "battles", p.battles));
    DOKJA_ASSIGN_OR_RETURN(in.battles, ParseBattles(battles, p.battles, config));
  }
  for (const auto& [team, path] : p.audits) {
    DOKJA_ASSIGN_OR_RETURN(std::string audit, Take(in, "audit:" + team, path));
    DOKJA_ASSIGN_OR_RETURN(in.audits[team], ParseAuditReport(audit, path));
  }
  return in;
}

}  // namespace dokja::scoring
