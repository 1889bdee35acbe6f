// The route groups of the web application. Each group lives in its own
// files and is added by App::Create; docs/web-api.md lists every route.
#pragma once

#include "base/status.h"

namespace dokja::web {

class App;

// accounts_routes.cc: log-in/out, me, invitations (create, redeem), admin
// accounts, organisations, teams, affiliations, audit log; /health, /metrics.
Status AddAccountRoutes(App& app);

// expert_routes.cc: rubrics, materials (upload, download under anonymous
// labels), assignment (conflict-of-interest aware, load balanced), drafts,
// submit, progress, agreement (Krippendorff's alpha), export for the stage
// decision.
Status AddExpertRoutes(App& app);

// arena_routes.cc: blind battles (create, stream both answers, vote,
// reveal), direct scoring, leaderboard (Bradley-Terry with bootstrap CIs),
// battle export for the stage decision. Reads the arena models from
// WebOptions::arena_config; without one the arena routes answer 503.
Status AddArenaRoutes(App& app);

// static_routes.cc: the single-page UI (HTML, JS, CSS embedded in the
// binary; Korean and English) at "/" and "/static/...".
Status AddStaticRoutes(App& app);

}  // namespace dokja::web
