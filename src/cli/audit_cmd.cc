// dokja audit MODEL [--against REF...] [--registry DB]: the originality audit
// with its report; with a registry, screening first, then the deep comparison
// with the suspects whose weights are at hand.
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <CLI/CLI.hpp>

#include "audit/audit.h"
#include "cli/cli_common.h"
#include "cli/commands.h"

#ifndef DOKJA_VERSION
#define DOKJA_VERSION "dev"
#endif

namespace dokja::cli {
namespace {

struct AuditCliOptions {
  std::string model;
  std::vector<std::string> against;
  std::string registry;
  bool json = false;
  std::string html;
  audit::CompareOptions compare;
};

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IOError(path + ": cannot write the report");
  return Status::OK();
}

void PrintScreening(const audit::Screening& s) {
  std::printf("screened against %llu registry entr%s (%s) in %.1f ms\n", (unsigned long long)s.n_entries,
              s.n_entries == 1 ? "y" : "ies", s.registry.c_str(), s.seconds * 1000);
  for (const audit::ScreenEntryResult& e : s.entries) {
    if (!e.suspect) continue;
    std::printf("  SUSPECT %-22s log10 p %10.4g  %s\n", e.name.c_str(), e.log10_p, e.why.c_str());
  }
  std::printf("\n");
}

int RunAuditCmd(AuditCliOptions opt) {
  if (opt.registry.empty()) {
    if (const char* env = std::getenv("DOKJA_REGISTRY"); env && *env) opt.registry = env;
  }
  if (opt.registry.empty() && opt.against.empty()) {
    std::fprintf(stderr, "dokja audit: error: give reference models (--against) or a registry "
                         "(--registry, or $DOKJA_REGISTRY)\n");
    return kExitUsage;
  }
  auto report = opt.registry.empty()
                    ? audit::RunAudit(opt.model, opt.against, opt.compare)
                    : audit::RunScreenedAudit(opt.model, opt.against, opt.registry, opt.compare);
  if (!report.ok()) return ReportError("audit", report.status());
  report->version = DOKJA_VERSION;
  if (!opt.html.empty()) {
    Status s = WriteText(opt.html, audit::AuditReportHtml(*report));
    if (!s.ok()) return ReportError("audit", s);
  }
  if (opt.json) {
    std::printf("%s\n", audit::AuditReportJson(*report).c_str());
    return kExitOk;
  }
  if (report->screening) PrintScreening(*report->screening);
  std::printf("candidate: %s  (%zu reference%s compared in depth)\n\n", opt.model.c_str(),
              report->references.size(), report->references.size() == 1 ? "" : "s");
  std::printf("%-22s %-13s %12s  %s\n", "component", "verdict", "log10 p", "reference");
  for (const audit::Finding& f : report->findings) {
    std::printf("%-22s %-13s %12.4g  %s\n", f.component.c_str(),
                std::string(audit::VerdictName(f.verdict)).c_str(), f.log10_p, f.reference.c_str());
  }
  std::printf("\n%s\n", report->not_original
                            ? "NOT ORIGINAL: a component is copied from or derived from a reference."
                            : "No component is copied from or derived from any reference.");
  if (!opt.html.empty()) std::printf("report: %s\n", opt.html.c_str());
  return kExitOk;
}

}  // namespace

void RegisterAudit(CLI::App& app, std::function<int()>* run) {
  auto opt = std::make_shared<AuditCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "audit", "Originality audit (독자성): compare MODEL with each reference and report, per "
               "component, whether it is COPIED, DERIVED, SHARED-INIT or ORIGINAL");
  cmd->add_option("model", opt->model, "The model under audit (folder or file)")->required();
  cmd->add_option("--against", opt->against, "Reference model(s) to compare with in depth")
      ->expected(1, -1);
  cmd->add_option("--registry", opt->registry,
                  "Screen against every entry of this registry first (default: $DOKJA_REGISTRY "
                  "when set), then compare in depth with the suspects whose weights are local");
  cmd->add_flag("--json", opt->json, "Machine-readable report on stdout (docs/audit.md)");
  cmd->add_option("--html", opt->html, "Also write a self-contained HTML report to this file");
  cmd->add_option("--alpha-log10", opt->compare.log10_alpha, "Evidence threshold as log10 p (default -6)");
  cmd->add_option("--sample-rows", opt->compare.max_sample_rows,
                  "Rows sampled per tensor for the statistics (default 64)");
  cmd->callback([opt, run] { *run = [opt] { return RunAuditCmd(*opt); }; });
}

}  // namespace dokja::cli
