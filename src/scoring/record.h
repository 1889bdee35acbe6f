// The stage record: an append-only, hash-chained JSON Lines file holding, per
// decision, every input file's SHA-256 and the published outcome, closed by a
// seal. Anyone holding the record and the input files can verify the chain
// and re-derive every number.
//
// Entry (one line, keys sorted):
//   {"body": {...}, "hash": H, "prev": H_prev, "seq": N, "type": T}
//   hash = SHA-256 hex of the canonical serialisation of {body, prev, seq, type}
//          (nlohmann::json dump(): keys sorted, no whitespace, UTF-8, numbers
//          in shortest round-trip form); prev of entry 0 is 64 zeros.
//   types, per decision: "decision" {stage, title, dokja_version}, then one
//   "input" {role, path, sha256, bytes} per file (path relative to the
//   record's folder), then "outcome" {the decision JSON}, then "seal"
//   {entries: N before it, head: hash of the entry before it}.
// A record must end with a seal: a cut tail is detected, and so is any edit,
// deletion or reordering (each breaks a hash or the prev chain). A rewrite of
// the whole chain is caught only against the published head hash
// (VerifyRecord's expected_head).
//
// Thread-safety: functions are reentrant; one writer per record file.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "scoring/stage.h"

namespace dokja::scoring {

struct RecordSummary {
  uint64_t n_entries = 0;
  uint32_t n_decisions = 0;
  std::string head;  // hash of the last entry (the final seal)
};

// Checks every entry's hash, the prev chain, sequence numbers and the final
// seal; with expected_head, also that the head matches the published one.
// Corrupt names the line and what broke.
Result<RecordSummary> VerifyRecord(const std::string& path, const std::string& expected_head = "");

// Appends one decision (inputs, outcome, seal) to the record at `path`,
// creating it when absent; an existing record must verify first.
Result<RecordSummary> AppendDecision(const std::string& path, const StageInputs& inputs,
                                     const StageOutcome& outcome);

struct RecomputeDecision {
  std::string stage;
  std::vector<std::string> changed_inputs;  // "role path: why"
  std::vector<std::string> mismatches;      // JSON paths whose values differ
  bool ok() const { return changed_inputs.empty() && mismatches.empty(); }
};
struct RecomputeReport {
  RecordSummary record;
  std::vector<RecomputeDecision> decisions;
  bool ok() const;
};

// Verifies the record, then for each decision re-hashes every input file at
// its recorded path, reloads the config, re-runs DecideStage and compares the
// result with the recorded outcome (numbers within 1e-9 relative). A changed
// or missing input is reported by role and path (and not re-run).
Result<RecomputeReport> RecomputeRecord(const std::string& path);

}  // namespace dokja::scoring
