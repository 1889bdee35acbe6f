// dokja compare CANDIDATE REFERENCE: the deep pairwise originality comparison.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "audit/audit.h"
#include "cli/cli_common.h"
#include "cli/commands.h"

namespace dokja::cli {
namespace {

struct CompareCliOptions {
  std::string candidate, reference;
  bool json = false;
  bool tensors = false;
  audit::CompareOptions compare;
};

void PrintHuman(const audit::Comparison& c, bool tensors) {
  std::printf("candidate: %s\nreference: %s\n\n", c.candidate.c_str(), c.reference.c_str());
  std::printf("%-22s %-13s %12s %12s %8s %8s  %s\n", "component", "verdict", "log10 p",
              "log10 p(gain)", "median r", "paired", "reason");
  for (const auto& comp : c.components) {
    std::printf("%-22s %-13s %12.4g %12.4g %8.3f %4u/%-3u  %s\n", comp.component.c_str(),
                std::string(audit::VerdictName(comp.verdict)).c_str(), comp.log10_p,
                comp.log10_p_trained, comp.median_pearson, comp.n_paired, comp.n_tensors,
                comp.reason.c_str());
    if (!tensors) continue;
    for (const auto& e : comp.tensors) {
      std::printf("    %-40s %-18s T %10.2f  r %6.3f%s\n", e.candidate.c_str(), e.mapping.c_str(),
                  e.t, e.pearson, e.identical ? "  identical" : "");
    }
  }
  const auto& m = c.layer_map;
  if (m.n_candidate > 0 && m.n_reference > 0) {
    std::printf("\nlayer map (candidate -> reference):");
    for (int32_t l = 0; l < m.n_candidate; ++l) std::printf(" %d->%d", l, m.mapped[static_cast<size_t>(l)]);
    std::printf("\n");
  }
}

int RunCompare(const CompareCliOptions& opt) {
  auto cand = OpenModel(io::Env::Default(), opt.candidate);
  if (!cand.ok()) return ReportError("compare", cand.status());
  auto ref = OpenModel(io::Env::Default(), opt.reference);
  if (!ref.ok()) return ReportError("compare", ref.status());
  auto result = audit::CompareModels(*cand, *ref, opt.compare);
  if (!result.ok()) return ReportError("compare", result.status());
  if (opt.json) {
    std::printf("%s\n", audit::ComparisonJson(*result).c_str());
  } else {
    PrintHuman(*result, opt.tensors);
  }
  return kExitOk;
}

}  // namespace

void RegisterCompare(CLI::App& app, std::function<int()>* run) {
  auto opt = std::make_shared<CompareCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Deep pairwise originality comparison: per component, is CANDIDATE copied "
                 "from, derived from, or independent of REFERENCE (with calibrated p-values)");
  cmd->add_option("candidate", opt->candidate, "The model under audit (folder or file)")->required();
  cmd->add_option("reference", opt->reference, "The known model to compare against")->required();
  cmd->add_flag("--json", opt->json, "Machine-readable output with per-tensor evidence");
  cmd->add_flag("--tensors", opt->tensors, "Show per-tensor evidence");
  cmd->add_option("--alpha-log10", opt->compare.log10_alpha,
                  "Evidence threshold as log10 p (default -6)");
  cmd->add_option("--sample-rows", opt->compare.max_sample_rows,
                  "Rows sampled per tensor for the statistics (default 64)");
  cmd->callback([opt, run] { *run = [opt] { return RunCompare(*opt); }; });
}

}  // namespace dokja::cli
