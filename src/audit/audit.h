// dokja audit: one candidate against many references, the strongest finding
// per component, and the report (JSON and a self-contained HTML page).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "audit/compare.h"
#include "audit/screen.h"
#include "base/status.h"

namespace dokja::audit {

struct ReferenceResult {
  std::string path;
  Comparison comparison;
};

// Per candidate component: the strongest finding over all references
// (COPIED > DERIVED > SHARED-INIT > INCONCLUSIVE > ORIGINAL; ties by p).
struct Finding {
  std::string component;
  Verdict verdict = Verdict::kOriginal;
  std::string reference;  // empty when ORIGINAL against every reference; "registry:NAME"
                          // when the finding comes from screening alone
  double log10_p = 0;
  std::string reason;
};

struct AuditReport {
  std::string candidate;
  std::string version;     // dokja version that produced it
  CompareOptions options;
  // Screening against the registry, when one was given.
  std::optional<Screening> screening;
  std::vector<ReferenceResult> references;
  std::vector<Finding> findings;
  // True when some component is COPIED or DERIVED from a reference.
  bool not_original = false;
};

// Opens the candidate and each reference and compares them; the Bonferroni
// correction counts every reference.
Result<AuditReport> RunAudit(const std::string& candidate,
                             const std::vector<std::string>& references, CompareOptions options);

// Screens the candidate's fingerprint against every entry of the registry at
// `registry_path` (Bonferroni over their number), then deep-compares it with
// `against` plus every suspect whose weights are available locally. A suspect
// without local weights adds a finding from screening alone: COPIED when its
// content hashes match, otherwise INCONCLUSIVE naming the entry.
Result<AuditReport> RunScreenedAudit(const std::string& candidate,
                                     const std::vector<std::string>& against,
                                     const std::string& registry_path, CompareOptions options);

// One comparison as JSON (the schema of a reference entry in docs/audit.md).
std::string ComparisonJson(const Comparison& comparison);
// Machine-readable report (schema in docs/audit.md).
std::string AuditReportJson(const AuditReport& report);
// A self-contained HTML page: no external resources, no scripts needed.
std::string AuditReportHtml(const AuditReport& report);

}  // namespace dokja::audit
