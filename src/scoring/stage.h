// The stage decision: per team the benchmark, expert and user points, the
// originality gate with the audit evidence it used, the ranking with
// tie-breaks, and who advances or is eliminated and why.
//
//   auto config = LoadStageConfig("examples/stage1/stage.yaml");
//   auto inputs = LoadStageInputs(*config);
//   auto outcome = DecideStage(*config, *inputs);
//   WriteStageOutputs(*config, *inputs, *outcome, "out/");   // record.h
//
// Thread-safety: DecideStage is a pure function of its arguments.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "scoring/stage_config.h"
#include "scoring/stage_inputs.h"
#include "scoring/stats.h"

namespace dokja::scoring {

struct PartPoints {
  std::string id;
  double points = 0;
  double max = 0;
};

// An expert who did not score a team because they share an organisation.
struct ConflictExclusion {
  std::string expert, team, organisation;
  uint32_t scores_dropped = 0;
};

struct CriterionAlpha {
  std::string criterion;
  AlphaResult result;
  bool warn = false;
};

struct UserStats {
  uint32_t n_scores = 0, n_users = 0;
  double mean = 0;  // mean of per-user means (each user counts once)
  Interval mean_ci;
  uint32_t n_battles = 0;
  bool bt_converged = true;  // false: e.g. a team that never lost (its MLE is infinite)
  double bt_strength = 1;  // geometric mean 1 over teams with battles
  Interval bt_strength_ci;
  double bt_win_rate = 0.5;  // expected win rate against the others
  Interval bt_win_rate_ci;
  double points_from_scores = 0, points_from_battles = 0;
  Interval points_ci;  // of the user points, by bootstrap over users and battles
};

struct GateEvidence {
  std::string rule;
  std::string component, verdict, reference, reason;
  double log10_p = 0;
};

enum class Decision { kAdvance, kEliminatedGate, kEliminatedScore };
std::string_view DecisionName(Decision d);

struct TeamOutcome {
  std::string team;
  bool illustrative = false;
  std::vector<std::string> members;  // consortium, from the config
  std::string submitted_model;
  std::vector<PartPoints> benchmark_parts;
  double benchmark = 0;
  std::vector<PartPoints> expert_parts;
  double expert = 0;
  uint32_t n_experts = 0;  // experts whose scores counted
  UserStats user_stats;
  double user = 0;
  double total = 0;
  uint32_t rank = 0;  // 1-based by score (gate not applied)
  std::string tie_note;  // how a tie with a neighbour was broken
  bool gate_pass = true;
  std::string audit_path, audit_sha256, audit_candidate;
  bool audit_not_original = false;
  std::vector<GateEvidence> gate_evidence;  // the findings that fired
  Decision decision = Decision::kAdvance;
  std::string reason;     // English
  std::string reason_ko;  // Korean
};

struct StageOutcome {
  std::string stage_id, title, title_ko;
  std::vector<TeamOutcome> teams;  // ranked, best first
  std::vector<ConflictExclusion> exclusions;
  std::vector<CriterionAlpha> alphas;
  double mean_benchmark = 0, mean_expert = 0, mean_user = 0, mean_total = 0;
  // Shares of the user points from direct scores and from battles (config).
  double user_scores_weight = 1, user_battles_weight = 0;
  std::vector<std::string> warnings;
  std::vector<InputFile> inputs;
};

// REQUIRES: inputs came from LoadStageInputs(config) (or were built to match).
// Fails when a team lacks benchmark points or expert scores, or when a tie at
// the cut-off is not broken by the config's tie-breaks.
Result<StageOutcome> DecideStage(const StageConfig& config, const StageInputs& inputs);

// The outcome as JSON (schema in docs/stage.md) and as CSV (one row a team).
std::string StageOutcomeJson(const StageOutcome& outcome);
std::string StageOutcomeCsv(const StageOutcome& outcome);

}  // namespace dokja::scoring
