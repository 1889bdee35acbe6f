#include "audit/audit.h"

#include <algorithm>
#include <map>

#include "audit/registry.h"
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

void Keep(std::map<std::string, Finding>* best, Finding f) {
  auto it = best->find(f.component);
  const bool stronger =
      it == best->end() || Strength(f.verdict) > Strength(it->second.verdict) ||
      (Strength(f.verdict) == Strength(it->second.verdict) && f.log10_p < it->second.log10_p);
  if (stronger) (*best)[f.component] = std::move(f);
}

void Finalise(const std::map<std::string, Finding>& best, AuditReport* report) {
  report->findings.clear();
  report->not_original = false;
  for (auto [key, f] : best) {
    if (f.verdict == Verdict::kOriginal) f.reference.clear();
    report->not_original |= f.verdict == Verdict::kCopied || f.verdict == Verdict::kDerived;
    report->findings.push_back(f);
  }
}

// Findings of a suspect that screening found but whose weights are not here.
void ScreenOnlyFindings(const ScreenEntryResult& e, double alpha, std::map<std::string, Finding>* best) {
  for (const ScreenComponent& c : e.components) {
    if (c.copied) {
      Keep(best, {c.component, Verdict::kCopied, "registry:" + e.name, c.log10_p,
                  "screening: every informative tensor's content hash equals registry entry '" +
                      e.name + "'"});
    } else if (c.n_exact > 0 || c.shared_rows > 0 || c.log10_p <= alpha) {
      Keep(best, {c.component, Verdict::kInconclusive, "registry:" + e.name, c.log10_p,
                  "screening: related to registry entry '" + e.name +
                      "'; its weights are not available locally for the deep comparison"});
    }
  }
}

}  // namespace

Result<AuditReport> RunScreenedAudit(const std::string& candidate,
                                     const std::vector<std::string>& against,
                                     const std::string& registry_path, CompareOptions options) {
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<Registry> registry, Registry::Open(registry_path));
  DOKJA_ASSIGN_OR_RETURN(Model cand, OpenModel(io::Env::Default(), candidate));
  DOKJA_ASSIGN_OR_RETURN(Fingerprint fp, ComputeFingerprint(cand));
  ScreenOptions screen_options;
  screen_options.log10_alpha = options.log10_alpha;
  DOKJA_ASSIGN_OR_RETURN(Screening screening, registry->Screen(fp, screen_options));
  std::vector<std::string> refs = against;
  std::vector<const ScreenEntryResult*> unreachable;
  for (const ScreenEntryResult& e : screening.entries) {
    if (!e.suspect) continue;
    const bool local = !e.weights_path.empty() && io::Env::Default().Stat(e.weights_path) != io::PathKind::kMissing;
    if (!local) {
      unreachable.push_back(&e);
    } else if (std::find(refs.begin(), refs.end(), e.weights_path) == refs.end()) {
      refs.push_back(e.weights_path);
    }
  }
  AuditReport report;
  if (!refs.empty()) {
    DOKJA_ASSIGN_OR_RETURN(report, RunAudit(candidate, refs, options));
  } else {
    report.candidate = candidate;
    report.options = options;
  }
  std::map<std::string, Finding> best;
  for (const Finding& f : report.findings) {
    Keep(&best, f);
  }
  for (const ScreenEntryResult* e : unreachable) ScreenOnlyFindings(*e, options.log10_alpha, &best);
  // Every screened component gets a verdict, ORIGINAL where nothing stronger
  // was found, so the report lists the whole model, not just the suspects.
  for (const ScreenEntryResult& e : screening.entries) {
    for (const ScreenComponent& c : e.components) {
      Keep(&best, {c.component, Verdict::kOriginal, "", c.log10_p,
                   "screening: no evidence at log10 alpha " + std::to_string(options.log10_alpha).substr(0, 5) +
                       " against any of " + std::to_string(screening.n_entries) +
                       " registry entries (strongest: '" + e.name + "')"});
    }
  }
  Finalise(best, &report);
  report.screening = std::move(screening);
  return report;
}

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
      if (comp.n_paired == 0) {
        // Nothing to compare (a vision-only reference for a text body): this
        // reference is no evidence either way, which is ORIGINAL unless
        // another reference finds more.
        Keep(&best, {comp.component, Verdict::kOriginal, "", 0,
                     "no counterpart in reference " + path});
        continue;
      }
      Keep(&best, {comp.component, comp.verdict, path, comp.log10_p, comp.reason});
    }
    report.references.push_back({path, std::move(c)});
  }
  Finalise(best, &report);
  return report;
}

}  // namespace dokja::audit
