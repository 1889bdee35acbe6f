// RecomputeRecord: re-hash every recorded input, re-run the decision, compare.
#include <cmath>
#include <filesystem>
#include <map>

#include "base/sha256.h"
#include "scoring/internal/outcome_json.h"
#include "scoring/internal/record_io.h"
#include "scoring/record.h"

namespace dokja::scoring {
namespace internal {

void CompareJson(const nlohmann::json& want, const nlohmann::json& got, const std::string& at,
                 std::vector<std::string>& diffs) {
  if (diffs.size() >= 20) return;
  if (want.is_number() && got.is_number()) {
    const double a = want.get<double>(), b = got.get<double>();
    if (std::fabs(a - b) > 1e-9 * std::max(1.0, std::fabs(a))) {
      diffs.push_back(at + ": recorded " + want.dump() + ", recomputed " + got.dump());
    }
    return;
  }
  if (want.type() != got.type() || (!want.is_structured() && want != got)) {
    diffs.push_back(at + ": recorded " + want.dump() + ", recomputed " + got.dump());
    return;
  }
  if (want.is_array()) {
    if (want.size() != got.size()) {
      diffs.push_back(at + ": recorded " + std::to_string(want.size()) + " items, recomputed " +
                      std::to_string(got.size()));
      return;
    }
    for (size_t i = 0; i < want.size(); ++i) CompareJson(want[i], got[i], at + "[" + std::to_string(i) + "]", diffs);
    return;
  }
  if (!want.is_object()) return;
  for (const auto& [k, v] : want.items()) {
    if (k == "path") continue;  // where the command ran; the recorded hashes cover the content
    if (got.contains(k)) {
      CompareJson(v, got[k], at + "." + k, diffs);
    } else {
      diffs.push_back(at + "." + k + ": missing in the recomputation");
    }
  }
  for (const auto& [k, v] : got.items()) {
    if (k != "path" && !want.contains(k)) diffs.push_back(at + "." + k + ": not in the record");
  }
}

}  // namespace internal

namespace {

using json = nlohmann::json;

struct RecordedDecision {
  std::string stage;
  std::vector<json> inputs;  // bodies of "input" entries
  json outcome;
};

std::vector<RecordedDecision> SplitDecisions(const std::vector<json>& entries) {
  std::vector<RecordedDecision> out;
  for (const auto& e : entries) {
    const std::string type = e["type"].get<std::string>();
    if (type == "decision") {
      out.push_back({e["body"].value("stage", std::string()), {}, json()});
    } else if (type == "input" && !out.empty()) {
      out.back().inputs.push_back(e["body"]);
    } else if (type == "outcome" && !out.empty()) {
      out.back().outcome = e["body"];
    }
  }
  return out;
}

// Re-hashes every input; fills changed_inputs; returns the config's path.
std::string CheckInputs(const RecordedDecision& d, const std::string& record_path, RecomputeDecision& r) {
  std::string config_path;
  for (const auto& in : d.inputs) {
    const std::string role = in.value("role", std::string());
    const std::string path = internal::ResolveRecordedPath(in.value("path", std::string()), record_path);
    if (role == "config") config_path = path;
    auto text = ReadInputFile(path, role);
    if (!text.ok()) {
      r.changed_inputs.push_back(role + " " + path + ": missing (" + text.status().message() + ")");
    } else if (Sha256Hex(*text) != in.value("sha256", std::string())) {
      r.changed_inputs.push_back(role + " " + path + ": changed since it was recorded (sha256 " + Sha256Hex(*text) +
                                 ", recorded " + in.value("sha256", std::string()) + ")");
    }
  }
  if (config_path.empty()) r.changed_inputs.push_back("config: not in the record; cannot recompute");
  return config_path;
}

Status Rerun(const RecordedDecision& d, const std::string& config_path, RecomputeDecision& r) {
  DOKJA_ASSIGN_OR_RETURN(StageConfig config, LoadStageConfig(config_path));
  DOKJA_ASSIGN_OR_RETURN(StageInputs inputs, LoadStageInputs(config));
  // The config may name inputs the record did not (or by another role): compare roles and hashes.
  std::map<std::string, std::string> recorded;
  for (const auto& in : d.inputs) recorded[in.value("role", std::string())] = in.value("sha256", std::string());
  for (const auto& f : inputs.files) {
    auto it = recorded.find(f.role);
    if (it == recorded.end()) {
      r.changed_inputs.push_back(f.role + " " + f.path + ": read by the config but not in the record");
    } else if (it->second != f.sha256) {
      r.changed_inputs.push_back(f.role + " " + f.path + ": differs from the recorded file");
    }
  }
  if (!r.changed_inputs.empty()) return Status::OK();
  DOKJA_ASSIGN_OR_RETURN(StageOutcome outcome, DecideStage(config, inputs));
  json got = internal::OutcomeToJson(outcome);
  got.erase("inputs");
  internal::CompareJson(d.outcome, got, "outcome", r.mismatches);
  return Status::OK();
}

}  // namespace

Result<RecomputeReport> RecomputeRecord(const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(RecordSummary summary, VerifyRecord(path));
  DOKJA_ASSIGN_OR_RETURN(std::vector<json> entries, internal::ReadRecordEntries(path));
  RecomputeReport report;
  report.record = summary;
  // Entries passed their hashes, but a forged chain can still hold wrong types.
  try {
    for (const auto& d : SplitDecisions(entries)) {
      RecomputeDecision r;
      r.stage = d.stage;
      const std::string config_path = CheckInputs(d, path, r);
      if (r.changed_inputs.empty()) DOKJA_RETURN_IF_ERROR(Rerun(d, config_path, r));
      report.decisions.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt(path + ": a decision's entries have the wrong shape: " + e.what());
  }
  return report;
}

}  // namespace dokja::scoring
