// WriteStageOutputs and ParseReportLang.
#include <filesystem>
#include <fstream>

#include "scoring/report.h"

namespace dokja::scoring {
namespace {

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError(path + ": cannot open for writing");
  out << text;
  out.flush();
  if (!out) return Status::IOError(path + ": write failed");
  return Status::OK();
}

}  // namespace

Result<ReportLang> ParseReportLang(const std::string& s) {
  if (s == "both") return ReportLang::kBoth;
  if (s == "en") return ReportLang::kEnglish;
  if (s == "ko") return ReportLang::kKorean;
  return Status::InvalidArgument("--lang: '" + s + "' is not one of both, en, ko");
}

Result<StageOutputs> WriteStageOutputs(const StageInputs& inputs, const StageOutcome& outcome,
                                       const std::string& out_dir, ReportLang lang) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Status::IOError(out_dir + ": cannot create the output folder: " + ec.message());
  StageOutputs o;
  const fs::path dir(out_dir);
  o.record = (dir / "record.jsonl").string();
  o.html = (dir / "report.html").string();
  o.json = (dir / "decision.json").string();
  o.csv = (dir / "decision.csv").string();
  DOKJA_ASSIGN_OR_RETURN(o.record_summary, AppendDecision(o.record, inputs, outcome));
  DOKJA_RETURN_IF_ERROR(WriteFile(o.json, StageOutcomeJson(outcome)));
  DOKJA_RETURN_IF_ERROR(WriteFile(o.csv, StageOutcomeCsv(outcome)));
  DOKJA_RETURN_IF_ERROR(WriteFile(o.html, StageReportHtml(outcome, lang)));
  return o;
}

}  // namespace dokja::scoring
