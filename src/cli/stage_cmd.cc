// dokja stage decide | stage recompute, and dokja record verify: the stage
// decision, its re-derivation from the recorded inputs, and the record check.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "scoring/record.h"
#include "scoring/report.h"

namespace dokja::cli {
namespace {

struct StageCliOptions {
  std::string config, out = "stage_out", record, lang = "both", head;
  bool json = false;
};

void PrintTable(const scoring::StageOutcome& o) {
  std::printf("%-4s %-16s %9s %9s %9s %9s  %-5s %s\n", "rank", "team", "benchmark", "expert", "user", "total",
              "gate", "decision");
  for (const auto& t : o.teams) {
    std::printf("%-4u %-16s %9.2f %9.2f %9.2f %9.2f  %-5s %s: %s\n", t.rank, t.team.c_str(), t.benchmark, t.expert,
                t.user, t.total, t.gate_pass ? "pass" : "FAIL", std::string(scoring::DecisionName(t.decision)).c_str(),
                t.reason.c_str());
  }
  std::printf("%-4s %-16s %9.2f %9.2f %9.2f %9.2f\n", "", "mean", o.mean_benchmark, o.mean_expert, o.mean_user,
              o.mean_total);
  for (const auto& w : o.warnings) std::printf("warning: %s\n", w.c_str());
}

int RunDecide(const StageCliOptions& opt) {
  auto lang = scoring::ParseReportLang(opt.lang);
  if (!lang.ok()) return ReportError("stage decide", lang.status());
  auto config = scoring::LoadStageConfig(opt.config);
  if (!config.ok()) return ReportError("stage decide", config.status());
  auto inputs = scoring::LoadStageInputs(*config);
  if (!inputs.ok()) return ReportError("stage decide", inputs.status());
  auto outcome = scoring::DecideStage(*config, *inputs);
  if (!outcome.ok()) return ReportError("stage decide", outcome.status());
  auto written = scoring::WriteStageOutputs(*inputs, *outcome, opt.out, *lang);
  if (!written.ok()) return ReportError("stage decide", written.status());
  if (opt.json) {
    std::printf("%s", scoring::StageOutcomeJson(*outcome).c_str());
    return kExitOk;
  }
  PrintTable(*outcome);
  std::printf("\nwrote %s, %s, %s\nrecord %s: %llu entries, head %s\n", written->html.c_str(), written->json.c_str(),
              written->csv.c_str(), written->record.c_str(),
              static_cast<unsigned long long>(written->record_summary.n_entries), written->record_summary.head.c_str());
  return kExitOk;
}

int RunRecompute(const StageCliOptions& opt) {
  auto report = scoring::RecomputeRecord(opt.record);
  if (!report.ok()) return ReportError("stage recompute", report.status());
  nlohmann::json j = {{"record", opt.record}, {"head", report->record.head}, {"ok", report->ok()}};
  for (const auto& d : report->decisions) {
    j["decisions"].push_back({{"stage", d.stage}, {"ok", d.ok()}, {"changed_inputs", d.changed_inputs},
                              {"mismatches", d.mismatches}});
    if (opt.json) continue;
    std::printf("decision %s: %s\n", d.stage.c_str(), d.ok() ? "every number re-derived and matching" : "FAILED");
    for (const auto& c : d.changed_inputs) std::printf("  changed input: %s\n", c.c_str());
    for (const auto& m : d.mismatches) std::printf("  mismatch: %s\n", m.c_str());
  }
  if (opt.json) std::printf("%s\n", j.dump(2).c_str());
  if (report->ok()) return kExitOk;
  std::fprintf(stderr, "dokja stage recompute: error: the recorded decision could not be re-derived\n");
  return kExitBadInput;
}

int RunVerify(const StageCliOptions& opt) {
  auto summary = scoring::VerifyRecord(opt.record, opt.head);
  if (!summary.ok()) return ReportError("record verify", summary.status());
  if (opt.json) {
    std::printf("%s\n", nlohmann::json({{"record", opt.record}, {"ok", true}, {"entries", summary->n_entries},
                                        {"decisions", summary->n_decisions}, {"head", summary->head}})
                            .dump(2)
                            .c_str());
  } else {
    std::printf("%s: OK, %llu entries, %u decisions, head %s\n", opt.record.c_str(),
                static_cast<unsigned long long>(summary->n_entries), summary->n_decisions, summary->head.c_str());
  }
  return kExitOk;
}

}  // namespace

void RegisterStage(CLI::App& app, std::function<int()>* run) {
  auto opt = std::make_shared<StageCliOptions>();
  CLI::App* stage = app.add_subcommand("stage", "Stage decisions: points, originality gate, who advances");
  stage->require_subcommand(1);
  CLI::App* decide = stage->add_subcommand(
      "decide", "Score every team from the raw inputs, apply the gate, decide; write report.html, "
                "decision.json, decision.csv and append to record.jsonl in --out");
  decide->add_option("--config", opt->config, "Stage config (YAML; docs/stage.md)")->required();
  decide->add_option("--out", opt->out, "Output folder (default stage_out)");
  decide->add_option("--lang", opt->lang, "Report language: both, en or ko (default both)")
      ->check(CLI::IsMember({"both", "en", "ko"}));
  decide->add_flag("--json", opt->json, "Print the decision JSON instead of the table");
  decide->callback([opt, run] { *run = [opt] { return RunDecide(*opt); }; });
  CLI::App* recompute = stage->add_subcommand(
      "recompute", "Re-derive every recorded number from the recorded input files (re-hashed) and compare");
  recompute->add_option("--record", opt->record, "The stage record (record.jsonl)")->required();
  recompute->add_flag("--json", opt->json, "Machine-readable result");
  recompute->callback([opt, run] { *run = [opt] { return RunRecompute(*opt); }; });

  CLI::App* record = app.add_subcommand("record", "Stage record tools");
  record->require_subcommand(1);
  CLI::App* verify = record->add_subcommand(
      "verify", "Check the hash chain of a stage record: edits, deletions, reordering, a cut tail");
  verify->add_option("record", opt->record, "The stage record (record.jsonl)")->required();
  verify->add_option("--head", opt->head, "The published head hash the record must end in");
  verify->add_flag("--json", opt->json, "Machine-readable result");
  verify->callback([opt, run] { *run = [opt] { return RunVerify(*opt); }; });
}

}  // namespace dokja::cli
