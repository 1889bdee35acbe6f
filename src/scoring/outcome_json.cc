// StageOutcomeJson / StageOutcomeCsv.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "scoring/internal/outcome_json.h"
#include "scoring/stage.h"

namespace dokja::scoring {
namespace {

using json = nlohmann::json;

json Parts(const std::vector<PartPoints>& parts) {
  json a = json::array();
  for (const auto& p : parts) a.push_back({{"id", p.id}, {"points", p.points}, {"max", p.max}});
  return a;
}

json Ci(const Interval& i) { return json::array({i.lo, i.hi}); }

json UserJson(const UserStats& u) {
  return {{"n_scores", u.n_scores},     {"n_users", u.n_users},
          {"mean", u.mean},             {"mean_ci", Ci(u.mean_ci)},
          {"n_battles", u.n_battles},   {"bt_converged", u.bt_converged}, {"bt_strength", u.bt_strength},
          {"bt_strength_ci", Ci(u.bt_strength_ci)}, {"bt_win_rate", u.bt_win_rate},
          {"bt_win_rate_ci", Ci(u.bt_win_rate_ci)}, {"points_from_scores", u.points_from_scores},
          {"points_from_battles", u.points_from_battles}, {"points_ci", Ci(u.points_ci)}};
}

json TeamJson(const TeamOutcome& t) {
  json evidence = json::array();
  for (const auto& e : t.gate_evidence) {
    evidence.push_back({{"rule", e.rule}, {"component", e.component}, {"verdict", e.verdict},
                        {"reference", e.reference}, {"log10_p", e.log10_p}, {"reason", e.reason}});
  }
  return {{"team", t.team},
          {"illustrative", t.illustrative},
          {"members", t.members},
          {"submitted_model", t.submitted_model},
          {"rank", t.rank},
          {"benchmark", {{"points", t.benchmark}, {"parts", Parts(t.benchmark_parts)}}},
          {"expert", {{"points", t.expert}, {"parts", Parts(t.expert_parts)}, {"n_experts", t.n_experts}}},
          {"user", {{"points", t.user}, {"stats", UserJson(t.user_stats)}}},
          {"total", t.total},
          {"tie_note", t.tie_note},
          {"gate", {{"pass", t.gate_pass},
                    {"audit", {{"path", t.audit_path}, {"sha256", t.audit_sha256},
                               {"candidate", t.audit_candidate}, {"not_original", t.audit_not_original}}},
                    {"evidence", evidence}}},
          {"decision", std::string(DecisionName(t.decision))},
          {"reason", t.reason},
          {"reason_ko", t.reason_ko}};
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", v);
  return buf;
}

}  // namespace

namespace internal {

nlohmann::json OutcomeToJson(const StageOutcome& o) {
  json teams = json::array(), exclusions = json::array(), alphas = json::array(), inputs = json::array();
  for (const auto& t : o.teams) teams.push_back(TeamJson(t));
  for (const auto& x : o.exclusions) {
    exclusions.push_back({{"expert", x.expert}, {"team", x.team}, {"organisation", x.organisation},
                          {"scores_dropped", x.scores_dropped}});
  }
  for (const auto& a : o.alphas) {
    alphas.push_back({{"criterion", a.criterion}, {"alpha", a.result.alpha ? json(*a.result.alpha) : json(nullptr)},
                      {"n_units", a.result.n_units}, {"n_values", a.result.n_values}, {"warn", a.warn}});
  }
  for (const auto& f : o.inputs) inputs.push_back({{"role", f.role}, {"path", f.path}, {"sha256", f.sha256}});
  return {{"stage", o.stage_id},
          {"title", o.title},
          {"title_ko", o.title_ko},
          {"teams", teams},
          {"means", {{"benchmark", o.mean_benchmark}, {"expert", o.mean_expert},
                     {"user", o.mean_user}, {"total", o.mean_total}}},
          {"user_weights", {{"scores", o.user_scores_weight}, {"battles", o.user_battles_weight}}},
          {"conflict_exclusions", exclusions},
          {"krippendorff_alpha", alphas},
          {"warnings", o.warnings},
          {"inputs", inputs}};
}

}  // namespace internal

std::string StageOutcomeJson(const StageOutcome& outcome) { return internal::OutcomeToJson(outcome).dump(2) + "\n"; }

std::string StageOutcomeCsv(const StageOutcome& o) {
  std::string out = "rank,team,benchmark,expert,user,total,gate,decision,reason,illustrative\n";
  for (const auto& t : o.teams) {
    out += std::to_string(t.rank) + "," + CsvField(t.team) + "," + Num(t.benchmark) + "," + Num(t.expert) + "," +
           Num(t.user) + "," + Num(t.total) + "," + (t.gate_pass ? "pass" : "fail") + "," +
           std::string(DecisionName(t.decision)) + "," + CsvField(t.reason) + "," +
           (t.illustrative ? "true" : "false") + "\n";
  }
  return out;
}

}  // namespace dokja::scoring
