// The stage configuration: teams, criteria and their points, how each
// criterion is aggregated and normalised, the originality gate's rules, how
// many advance, tie-breaks, and where the inputs are. Read from YAML (format
// and an example in docs/stage.md); yaml-cpp stays inside stage_config.cc.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace dokja::scoring {

struct TeamConfig {
  std::string name;                         // the key used in every input file
  std::vector<std::string> members;         // consortium organisations (COI)
  std::vector<std::string> target_models;   // declared target models
  std::string submitted_model;              // must equal the audit's "candidate"
  std::vector<std::string> own_models;      // the team's own earlier models: exempt from the gate
  bool illustrative = false;                // figures not published; filled in for the example
};

// One scored part of a criterion: a benchmark group or an expert criterion.
struct SubCriterion {
  std::string id;
  double points = 0;     // its share of the criterion's points
  double scale_max = 0;  // expert criteria: the top of the score scale (0 = points)
};

struct BenchmarkCriterion {
  double points = 40;
  std::vector<SubCriterion> groups;  // e.g. agency 10, global 20, team_chosen 10
};

enum class ExpertNorm { kRaw, kZScore, kTrimmed };
std::string_view ExpertNormName(ExpertNorm norm);

struct ExpertCriterion {
  double points = 35;
  std::vector<SubCriterion> criteria;
  ExpertNorm normalisation = ExpertNorm::kRaw;
  double trim_fraction = 0.1;  // kTrimmed: dropped from each end, floor(n * f) scores
  double alpha_warn = 0.667;   // Krippendorff's alpha below this warns
  bool exclude_conflicts = true;
};

// Maps a measured value (a mean score, a Bradley-Terry win rate) to [0, 1].
struct PointsMapping {
  enum class Kind { kRelativeToBest, kLinear };
  Kind kind = Kind::kRelativeToBest;  // value / best team's value
  double lo = 0, hi = 1;              // kLinear: clamp((v - lo) / (hi - lo), 0, 1)
};

struct UserCriterion {
  double points = 25;
  double scores_weight = 1;   // share of the points from direct scores
  double battles_weight = 0;  // share from Bradley-Terry over battles
  PointsMapping scores_mapping;
  PointsMapping battles_mapping;
  bool both_bad_as_tie = true;  // false: "both_bad" battles are excluded
  uint32_t bootstrap_rounds = 1000;
  uint64_t seed = 20260115;
  double ci_level = 0.95;
};

// A named gate rule over the audit findings. A finding fires when its verdict
// is listed, its component matches (exact, or a prefix ending in '*'; empty =
// any), its reference is outside the team (unless exempt_own_models is off)
// and its log10 p is at most max_log10_p.
struct GateRule {
  std::string id;
  std::string description;
  std::vector<std::string> verdicts = {"COPIED", "DERIVED"};
  std::vector<std::string> components;
  bool exempt_own_models = true;
  double max_log10_p = 0;
  bool require_audit = true;  // a team without an audit report fails
};

// Applied to the teams that passed the gate, in rank order. Use one.
struct AdvanceRule {
  int32_t count = -1;             // the top `count` advance
  int32_t eliminate_bottom = -1;  // all but the bottom `eliminate_bottom` advance
  double min_total = -std::numeric_limits<double>::infinity();  // cut-off on total points
};

// Input files, resolved against the config file's folder.
struct StageInputPaths {
  std::string bench_points;
  std::string expert_scores;
  std::string expert_roster;
  std::string user_scores;  // optional
  std::string battles;      // optional
  std::map<std::string, std::string> audits;  // team -> audit JSON
};

struct StageConfig {
  std::string path;      // the YAML file it came from ("" when parsed from text)
  std::string stage_id;  // e.g. "stage1"
  std::string title;
  std::string title_ko;
  std::vector<TeamConfig> teams;
  BenchmarkCriterion benchmark;
  ExpertCriterion expert;
  UserCriterion user;
  std::vector<GateRule> gate;
  AdvanceRule advance;
  // Criterion ids ("benchmark", "expert", "user", or a sub-criterion
  // "expert.report") compared in order, higher first, when totals tie.
  std::vector<std::string> tie_breaks;
  StageInputPaths inputs;

  const TeamConfig* FindTeam(const std::string& name) const;
};

// Parses YAML text; relative input paths resolve against base_dir. Errors
// name `source` (the file name) and the YAML line.
Result<StageConfig> ParseStageConfig(const std::string& yaml_text, const std::string& source,
                                     const std::string& base_dir);
// Reads and parses a config file.
Result<StageConfig> LoadStageConfig(const std::string& path);

}  // namespace dokja::scoring
