// Pieces shared by the account and admin routes (accounts_routes.cc,
// admin_routes.cc): the Account wire shape and starting a session.
#pragma once

#include "web/admin_tools.h"
#include "web/app.h"
#include "web/http_util.h"

namespace dokja::web {

// {"id","username","display_name","role","team_id","disabled"}; never the
// password hash.
Json AccountJson(const store::Account& account);

// Signs `account` in: drops the request's old session (if any), creates a
// new session with a fresh token and CSRF token (no fixation), sets the
// cookie and answers {"account","csrf"} with `http_status`.
void StartSession(Call& call, const store::Account& account, int http_status = 200);

// Appends an audit entry for the calling admin; a failure is logged, not
// sent (the action itself already happened).
void Audit(Call& call, const std::string& action, const std::string& target,
           const std::string& detail);

// The admin routes (admin_routes.cc), added by AddAccountRoutes.
Status AddAdminRoutes(App& app);

}  // namespace dokja::web
