// The handlers behind AddExpertRoutes (routes.h), split by who calls them:
// expert_admin_handlers.cc (rubric creation, materials upload, assignment,
// progress, agreement, export) and expert_handlers.cc (what experts read and
// write: their assignments, materials of their teams, drafts, submit).
// Each handler parses, calls the store, and encodes the reply; the App has
// already checked the session, role and CSRF token.
#pragma once

#include <cstdint>

#include "store/store.h"
#include "web/app.h"

namespace dokja::web::expert {

// Shared by both halves.
void ListRubrics(Call& call);
void GetRubric(Call& call);
void DownloadMaterial(Call& call);

// Admin.
void CreateRubric(Call& call);
void UploadMaterial(Call& call);
void ListTeamMaterials(Call& call);
void CreateAssignments(Call& call);
void Progress(Call& call);
void AgreementReport(Call& call);
void Export(Call& call);

// Expert (own assignments only; another expert's id answers 404).
void ListMyAssignments(Call& call);
void GetMyAssignment(Call& call);
void SaveDraft(Call& call);
void Submit(Call& call);

// Appends an admin action to the audit log; a failure is logged, not sent
// (the action itself already happened).
void Audit(Call& call, const std::string& action, const std::string& target,
           const std::string& detail);

}  // namespace dokja::web::expert
