// What the expert evaluation hands on: the stage decision's input files
// (scoring/stage_inputs.h) and inter-rater agreement.
//
// Export formats, byte-compatible with `dokja stage decide`:
//   - scores CSV:  header `expert,team,criterion,score`, one row per submitted
//     score (expert = username, team = the team's real name, criterion = the
//     criterion key), ordered by expert, team, criterion position; RFC 4180
//     quoting where a field needs it;
//   - scores JSON: an array of {"expert","team","criterion","score"};
//   - roster CSV:  header `expert,affiliation`, every expert account with its
//     organisation names joined by "; ".
// Only submitted assignments are exported. Names the stage reader would read
// differently (leading or trailing blanks, which its CSV reader trims; an
// organisation name containing ';', its list separator) make the export fail
// with InvalidArgument naming the value, rather than export something else.
//
// Thread-safety: free functions; the store is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace dokja::web {

Result<std::string> ExpertScoresCsv(const std::vector<store::ScoreExportRow>& rows);
Result<std::string> ExpertScoresJson(const std::vector<store::ScoreExportRow>& rows);
Result<std::string> ExpertRosterCsv(const std::vector<store::RosterEntry>& roster);

// Everything the stage decision needs from one rubric, read from the store.
struct ExpertExport {
  store::Rubric rubric;
  std::string scores;  // CSV, or JSON when asked
  std::string roster;  // CSV
  size_t n_scores = 0;
  size_t n_assignments = 0;
  size_t n_submitted = 0;  // only these assignments' scores are exported
};
// NotFound for an unknown rubric; InvalidArgument as for the encoders above.
Result<ExpertExport> ExportExpertInputs(store::Store& store, int64_t rubric_id, bool json);

// Krippendorff's alpha (interval metric) of one criterion over submitted
// scores: units are teams, coders are experts.
struct CriterionAgreement {
  std::string key;
  std::optional<double> alpha;  // nullopt when undefined (too few values, no variance)
  uint32_t n_units = 0;         // teams with at least two scores
  uint32_t n_values = 0;        // scores in those teams
};

// One entry per criterion of the rubric, in rubric order.
std::vector<CriterionAgreement> Agreement(const store::Rubric& rubric,
                                          const std::vector<store::ScoreExportRow>& rows);

}  // namespace dokja::web
