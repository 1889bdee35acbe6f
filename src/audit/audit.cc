#include "audit/audit.h"

#include <map>

#include "io/env.h"

namespace dokja::audit {
namespace {

int Strength(Verdict v) {
  switch (v) {
    case Verdict::kCopied: return 4;
    case Verdict::kDerived: return 3;
    case Verdict::kSharedInit: return 2;
    case Verdict::kInconclusive: return 1;
    case Verdict::kOriginal: return 0;
  }
  return 0;
}

}  // namespace

Result<AuditReport> RunAudit(const std::string& candidate,
                             const std::vector<std::string>& references, CompareOptions options) {
  if (references.empty()) {
    return Status::InvalidArgument("audit: no reference models given (use --against)");
  }
  options.n_references = references.size();
  AuditReport report;
  report.candidate = candidate;
  report.options = options;
  DOKJA_ASSIGN_OR_RETURN(Model cand, OpenModel(io::Env::Default(), candidate));
  std::map<std::string, Finding> best;
  for (const std::string& path : references) {
    DOKJA_ASSIGN_OR_RETURN(Model ref, OpenModel(io::Env::Default(), path));
    DOKJA_ASSIGN_OR_RETURN(Comparison c, CompareModels(cand, ref, options));
    for (const ComponentVerdict& comp : c.components) {
      auto it = best.find(comp.component);
      const bool stronger =
          it == best.end() || Strength(comp.verdict) > Strength(it->second.verdict) ||
          (Strength(comp.verdict) == Strength(it->second.verdict) && comp.log10_p < it->second.log10_p);
      if (stronger) best[comp.component] = {comp.component, comp.verdict, path, comp.log10_p, comp.reason};
    }
    report.references.push_back({path, std::move(c)});
  }
  for (auto& [key, f] : best) {
    if (f.verdict == Verdict::kOriginal) f.reference.clear();
    report.not_original |= f.verdict == Verdict::kCopied || f.verdict == Verdict::kDerived;
    report.findings.push_back(f);
  }
  return report;
}

}  // namespace dokja::audit
