// The expert-evaluation routes (docs/web-api.md, "Expert evaluation"). Each
// route names the roles that may call it; ownership (an expert's own
// assignments, materials of assigned teams only) is checked in the handlers
// (expert_handlers.h).
#include "web/expert_handlers.h"
#include "web/expert_materials.h"
#include "web/routes.h"

namespace dokja::web {

Status AddExpertRoutes(App& app) {
  using namespace expert;  // NOLINT(build/namespaces): the handler names read as the table
  struct Entry {
    const char* name;
    const char* method;
    const char* pattern;
    RoleSet roles;
    void (*handler)(Call&);
  };
  static constexpr Entry kRoutes[] = {
      {"expert.rubrics.list", "GET", R"(/api/rubrics)", kAdmin | kExpert, ListRubrics},
      {"expert.rubrics.create", "POST", R"(/api/rubrics)", kAdmin, CreateRubric},
      {"expert.rubrics.get", "GET", R"(/api/rubrics/(\d+))", kAdmin | kExpert, GetRubric},
      {"expert.materials.upload", "POST", R"(/api/admin/teams/(\d+)/materials)", kAdmin,
       UploadMaterial},
      {"expert.materials.list", "GET", R"(/api/admin/teams/(\d+)/materials)", kAdmin,
       ListTeamMaterials},
      {"expert.assignments.create", "POST", R"(/api/admin/assignments)", kAdmin, CreateAssignments},
      {"expert.progress", "GET", R"(/api/admin/expert/progress)", kAdmin, Progress},
      {"expert.agreement", "GET", R"(/api/admin/expert/agreement)", kAdmin, AgreementReport},
      {"expert.export", "GET", R"(/api/admin/expert/export)", kAdmin, Export},
      {"expert.assignments.mine", "GET", R"(/api/expert/assignments)", kExpert, ListMyAssignments},
      {"expert.assignments.get", "GET", R"(/api/expert/assignments/(\d+))", kExpert,
       GetMyAssignment},
      {"expert.scores.save", "PUT", R"(/api/expert/assignments/(\d+)/scores)", kExpert, SaveDraft},
      {"expert.scores.submit", "POST", R"(/api/expert/assignments/(\d+)/submit)", kExpert, Submit},
      {"expert.materials.get", "GET", R"(/api/expert/materials/(\d+))", kAdmin | kExpert,
       DownloadMaterial},
  };
  for (const Entry& e : kRoutes) {
    Route route;
    route.name = e.name;
    route.method = e.method;
    route.pattern = e.pattern;
    route.roles = e.roles;
    route.handler = e.handler;
    // Uploads: the App refuses larger bodies with 413 before reading on.
    if (route.name == "expert.materials.upload")
      route.max_body_bytes = static_cast<size_t>(kMaxMaterialBytes);
    app.AddRoute(std::move(route));
  }
  return Status::OK();
}

}  // namespace dokja::web
