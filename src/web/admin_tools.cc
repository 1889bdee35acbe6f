#include "web/admin_tools.h"

#include "web/auth.h"

namespace dokja::web {

Status CheckUsername(std::string_view username) {
  if (username.empty() || username.size() > 64) {
    return Status::InvalidArgument("username: 1 to 64 bytes");
  }
  for (unsigned char c : username) {
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument("username: no control characters");
  }
  return Status::OK();
}

Result<int64_t> CreateAdminAccount(store::Store& store, const std::string& username,
                                   const std::string& password, int64_t now_ms, bool weak_kdf) {
  DOKJA_RETURN_IF_ERROR(CheckUsername(username));
  DOKJA_RETURN_IF_ERROR(CheckPasswordRules(password));
  DOKJA_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, weak_kdf));
  store::NewAccount account;
  account.username = username;
  account.display_name = username;
  account.role = store::Role::kAdmin;
  account.password_hash = std::move(hash);
  account.created_ms = now_ms;
  DOKJA_ASSIGN_OR_RETURN(int64_t id, store.CreateAccount(account));
  store::AuditEntry entry;
  entry.action = "account.create_admin";
  entry.target = "account:" + std::to_string(id);
  entry.detail = "command line";
  entry.at_ms = now_ms;
  DOKJA_RETURN_IF_ERROR(store.AppendAudit(entry).status());
  return id;
}

Result<NewInvitation> CreateInvitation(store::Store& store, store::Role role, int64_t team_id,
                                       int64_t created_by, int64_t now_ms, int64_t ttl_ms) {
  if (role == store::Role::kTeam) {
    if (team_id <= 0) return Status::InvalidArgument("team_id: a team invitation needs one");
    DOKJA_RETURN_IF_ERROR(store.GetTeam(team_id).status());
  } else if (team_id != 0) {
    return Status::InvalidArgument("team_id: only team invitations carry one");
  }
  NewInvitation out;
  out.token = RandomToken();
  store::Invitation inv;
  inv.token_hash = TokenHash(out.token);
  inv.role = role;
  inv.team_id = team_id;
  inv.created_by = created_by;
  inv.created_ms = now_ms;
  inv.expires_ms = now_ms + ttl_ms;
  DOKJA_ASSIGN_OR_RETURN(out.id, store.CreateInvitation(inv));
  out.expires_ms = inv.expires_ms;
  return out;
}

}  // namespace dokja::web
