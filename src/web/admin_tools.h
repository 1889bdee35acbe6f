// Account bootstrapping outside a running server, for the CLI (`dokja serve
// --create-admin`, `dokja invite`) and for the invitation route: the same
// hashing and token rules the web application uses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/store.h"

namespace dokja::web {

// InvalidArgument unless 1-64 bytes without control characters (any other
// text, quotes and SQL included, is a valid name and stored verbatim).
Status CheckUsername(std::string_view username);

// Creates an admin account with an argon2id hash of `password` (checked
// against the password rules) and records "account.create_admin" in the
// audit log. InvalidArgument for a taken username or a bad password.
Result<int64_t> CreateAdminAccount(store::Store& store, const std::string& username,
                                   const std::string& password, int64_t now_ms, bool weak_kdf);

// A new invitation: its raw token (shown once; only its SHA-256 is stored).
struct NewInvitation {
  int64_t id = 0;
  std::string token;
  int64_t expires_ms = 0;
};

// Creates a single-use invitation for `role` expiring at now_ms + ttl_ms.
// A team invitation needs an existing team (NotFound otherwise); other roles
// take none. created_by 0: made from the command line.
Result<NewInvitation> CreateInvitation(store::Store& store, store::Role role, int64_t team_id,
                                       int64_t created_by, int64_t now_ms, int64_t ttl_ms);

}  // namespace dokja::web
