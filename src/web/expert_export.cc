#include "web/expert_export.h"

#include <map>
#include <nlohmann/json.hpp>

#include "scoring/stats.h"

namespace dokja::web {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The stage reader trims blanks around every CSV field; refuse names it would
// change.
Status CheckName(const std::string& value, const std::string& what) {
  if (value.empty()) return Status::InvalidArgument(what + " is empty");
  if (IsBlank(value.front()) || IsBlank(value.back())) {
    return Status::InvalidArgument(what + " '" + value +
                                   "' starts or ends with a blank, which the stage reader trims");
  }
  return Status::OK();
}

// RFC 4180: quote fields holding a comma, quote, newline or a leading '#'.
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos && (s.empty() || s[0] != '#')) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Status CheckRow(const store::ScoreExportRow& r) {
  DOKJA_RETURN_IF_ERROR(CheckName(r.expert, "expert username"));
  DOKJA_RETURN_IF_ERROR(CheckName(r.team, "team name"));
  return CheckName(r.criterion, "criterion key");
}

}  // namespace

Result<std::string> ExpertScoresCsv(const std::vector<store::ScoreExportRow>& rows) {
  std::string out = "expert,team,criterion,score\n";
  for (const store::ScoreExportRow& r : rows) {
    DOKJA_RETURN_IF_ERROR(CheckRow(r));
    out += CsvField(r.expert) + "," + CsvField(r.team) + "," + CsvField(r.criterion) + "," +
           std::to_string(r.score) + "\n";
  }
  return out;
}

Result<std::string> ExpertScoresJson(const std::vector<store::ScoreExportRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const store::ScoreExportRow& r : rows) {
    DOKJA_RETURN_IF_ERROR(CheckRow(r));
    out.push_back(
        {{"expert", r.expert}, {"team", r.team}, {"criterion", r.criterion}, {"score", r.score}});
  }
  return out.dump(1) + "\n";
}

Result<std::string> ExpertRosterCsv(const std::vector<store::RosterEntry>& roster) {
  std::string out = "expert,affiliation\n";
  for (const store::RosterEntry& e : roster) {
    DOKJA_RETURN_IF_ERROR(CheckName(e.expert, "expert username"));
    std::string joined;
    for (const std::string& org : e.affiliations) {
      DOKJA_RETURN_IF_ERROR(CheckName(org, "organisation name"));
      if (org.find(';') != std::string::npos) {
        return Status::InvalidArgument("organisation name '" + org +
                                       "' contains ';', the roster's list separator");
      }
      joined += (joined.empty() ? "" : "; ") + org;
    }
    out += CsvField(e.expert) + "," + CsvField(joined) + "\n";
  }
  return out;
}

Result<ExpertExport> ExportExpertInputs(store::Store& store, int64_t rubric_id, bool json) {
  ExpertExport out;
  DOKJA_ASSIGN_OR_RETURN(out.rubric, store.GetRubric(rubric_id));
  DOKJA_ASSIGN_OR_RETURN(std::vector<store::ScoreExportRow> rows, store.ExportScores(rubric_id));
  DOKJA_ASSIGN_OR_RETURN(out.scores, json ? ExpertScoresJson(rows) : ExpertScoresCsv(rows));
  DOKJA_ASSIGN_OR_RETURN(std::vector<store::RosterEntry> roster, store.ExpertRoster());
  DOKJA_ASSIGN_OR_RETURN(out.roster, ExpertRosterCsv(roster));
  DOKJA_ASSIGN_OR_RETURN(std::vector<store::Assignment> all,
                         store.ListRubricAssignments(rubric_id));
  out.n_scores = rows.size();
  out.n_assignments = all.size();
  for (const store::Assignment& a : all) out.n_submitted += a.submitted_ms != 0 ? 1 : 0;
  return out;
}

std::vector<CriterionAgreement> Agreement(const store::Rubric& rubric,
                                          const std::vector<store::ScoreExportRow>& rows) {
  // Experts index the coder columns; teams and criteria index the units.
  std::map<std::string, size_t> coder;
  for (const store::ScoreExportRow& r : rows) coder.emplace(r.expert, coder.size());
  std::vector<CriterionAgreement> out;
  for (const store::Criterion& c : rubric.criteria) {
    std::map<std::string, std::vector<std::optional<double>>> units;  // by team
    for (const store::ScoreExportRow& r : rows) {
      if (r.criterion != c.key) continue;
      auto& unit = units[r.team];
      unit.resize(coder.size());
      unit[coder.at(r.expert)] = static_cast<double>(r.score);
    }
    std::vector<std::vector<std::optional<double>>> ratings;
    for (auto& [team, unit] : units) ratings.push_back(std::move(unit));
    const scoring::AlphaResult a = scoring::KrippendorffAlphaInterval(ratings);
    out.push_back({c.key, a.alpha, a.n_units, a.n_values});
  }
  return out;
}

}  // namespace dokja::web
