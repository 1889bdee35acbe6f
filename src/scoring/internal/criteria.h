// The per-criterion aggregations behind DecideStage, one function each so the
// tests can reach them: expert points (conflict exclusion, normalisation,
// Krippendorff's alpha) and user points (means, Bradley-Terry, bootstrap).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "scoring/stage.h"

namespace dokja::scoring::internal {

struct ExpertResult {
  std::map<std::string, std::vector<PartPoints>> parts;  // by team, in config order
  std::map<std::string, uint32_t> n_experts;             // experts counted per team
  std::vector<ConflictExclusion> exclusions;
  std::vector<CriterionAlpha> alphas;
};
Result<ExpertResult> ScoreExperts(const StageConfig& config, const StageInputs& inputs);

// The user statistics and points of every team in config order.
Result<std::map<std::string, UserStats>> ScoreUsers(const StageConfig& config, const StageInputs& inputs);

// Per-team mean of per-user means; teams without scores are absent.
std::map<std::string, double> UserMeans(const std::vector<UserScore>& scores,
                                        const std::vector<std::string>& users);

// Win matrix over `teams` (ties and, per config, both-bad as half a win each).
std::vector<std::vector<double>> WinMatrix(const std::vector<Battle>& battles,
                                           const std::vector<std::string>& teams, bool both_bad_as_tie);

// Maps values (by team) to [0, 1] per the mapping.
std::map<std::string, double> MapToUnit(const std::map<std::string, double>& values, const PointsMapping& m);

}  // namespace dokja::scoring::internal
