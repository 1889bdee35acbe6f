// The published artefacts of a stage decision: a self-contained HTML report
// (Korean and English; inline SVG charts; no scripts or external resources),
// decision.json, decision.csv, and the entry in the stage record.
//
// Thread-safety: reentrant; one writer per output folder.
#pragma once

#include <string>

#include "base/status.h"
#include "scoring/record.h"
#include "scoring/stage.h"

namespace dokja::scoring {

enum class ReportLang { kBoth, kEnglish, kKorean };

// Parses "both", "en" or "ko".
Result<ReportLang> ParseReportLang(const std::string& s);

std::string StageReportHtml(const StageOutcome& outcome, ReportLang lang = ReportLang::kBoth);

struct StageOutputs {
  std::string record, html, json, csv;  // paths written
  RecordSummary record_summary;          // of the record after appending
};

// Creates out_dir if needed, writes report.html, decision.json and
// decision.csv (replacing earlier ones) and appends the decision to
// out_dir/record.jsonl (the chain continues when it exists).
Result<StageOutputs> WriteStageOutputs(const StageInputs& inputs, const StageOutcome& outcome,
                                       const std::string& out_dir, ReportLang lang = ReportLang::kBoth);

}  // namespace dokja::scoring
