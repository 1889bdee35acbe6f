// The raw inputs of a stage decision and their loaders: benchmark points
// (`dokja bench points` JSON), audit reports (`dokja audit --json`), expert
// scores and roster, user scores and blind battles (CSV; expert scores also
// JSON). Every file is read once into memory, hashed (SHA-256 over exactly
// the bytes parsed) and then parsed, so the recorded hash is the hash of what
// was used. Errors name the file and, for CSV, the line.
//
// Thread-safety: plain values; loaders are reentrant.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "scoring/stage_config.h"

namespace dokja::scoring {

struct BenchGroupPoints {
  double points = 0;
  double max = 0;
};
struct BenchTeamPoints {
  std::map<std::string, BenchGroupPoints> groups;
  double total = 0;
  double max = 0;
};

struct AuditFinding {
  std::string component;
  std::string verdict;  // COPIED, DERIVED, SHARED-INIT, ORIGINAL, INCONCLUSIVE
  std::string reference;
  double log10_p = 0;
  std::string reason;
};
struct AuditInput {
  std::string path;
  std::string candidate;
  bool not_original = false;
  std::vector<AuditFinding> findings;
};

struct Expert {
  std::string id;
  std::vector<std::string> affiliations;
};
struct ExpertScore {
  std::string expert, team, criterion;
  double score = 0;
  std::string where;  // "file:line" (or "file: entry N") for messages
};
struct UserScore {
  std::string user, team, task;
  double score = 0;
};

enum class BattleOutcome { kA, kB, kTie, kBothBad };
struct Battle {
  std::string user;
  std::string team_a, team_b;  // resolved from model ids or team names
  BattleOutcome outcome = BattleOutcome::kTie;
};

// One input file as used: its role ("config", "bench_points", "audit:TEAM",
// ...), the path as read, and the SHA-256 of its bytes.
struct InputFile {
  std::string role;
  std::string path;
  std::string sha256;
  uint64_t bytes = 0;
};

struct StageInputs {
  std::map<std::string, BenchTeamPoints> bench;  // by team
  std::map<std::string, AuditInput> audits;       // by team
  std::vector<Expert> roster;
  std::vector<ExpertScore> expert_scores;
  std::vector<UserScore> user_scores;
  std::vector<Battle> battles;
  std::vector<InputFile> files;  // in load order
};

// Reads a whole file; NotFound naming `role` and the path when it is missing.
Result<std::string> ReadInputFile(const std::string& path, const std::string& role);

// The parsers, each over file bytes; `source` names the file in errors. They
// check team names and criteria against the config.
//
// The benchmark points reader is the one place that knows the shape of
// `dokja bench points` output: {"teams": {TEAM: {"groups": {G: {"points", "max"}},
// "total", "max"}}}. Unknown extra keys are ignored.
Result<std::map<std::string, BenchTeamPoints>> ParseBenchPoints(const std::string& text, const std::string& source,
                                                                const StageConfig& config);
Result<AuditInput> ParseAuditReport(const std::string& text, const std::string& source);
Result<std::vector<Expert>> ParseExpertRoster(const std::string& text, const std::string& source);
// CSV (expert,team,criterion,score) or, when source ends in .json, a JSON array
// of objects with those keys.
Result<std::vector<ExpertScore>> ParseExpertScores(const std::string& text, const std::string& source,
                                                   const StageConfig& config,
                                                   const std::vector<Expert>& roster);
Result<std::vector<UserScore>> ParseUserScores(const std::string& text, const std::string& source,
                                               const StageConfig& config);
// CSV user,model_a,model_b,outcome with outcome in {a, b, tie, both_bad};
// models are submitted model ids or team names.
Result<std::vector<Battle>> ParseBattles(const std::string& text, const std::string& source,
                                         const StageConfig& config);

// Loads every input the config names (plus the config file itself when
// config.path is set), hashing each.
Result<StageInputs> LoadStageInputs(const StageConfig& config);

}  // namespace dokja::scoring
