// Accounts: log-in/out, me, password change, invitations; /health, /metrics.
// The admin routes are in admin_routes.cc.
#include <cstdio>

#include "web/account_json.h"
#include "web/auth.h"
#include "web/http_util.h"
#include "web/routes.h"

namespace dokja::web {
namespace {

// Expired sessions are purged at most this often, from a log-in.
constexpr int64_t kPurgeEveryMs = 3600 * 1000;
std::atomic<int64_t> g_last_purge_ms{0};

void PurgeExpiredSessions(App& app, int64_t now) {
  int64_t last = g_last_purge_ms.load();
  if (now - last < kPurgeEveryMs || !g_last_purge_ms.compare_exchange_strong(last, now)) return;
  auto purged = app.store().DeleteExpiredSessions(now);
  if (purged.ok()) app.metrics().Add("sessions_purged", *purged);
}

void EndRequestSession(Call& call) {
  const std::string token = CookieValue(call.req, kSessionCookie);
  if (token.empty()) return;
  const std::string hash = TokenHash(token);
  (void)call.app.store().DeleteSession(hash);
  call.app.ForgetSession(hash);
}

void Login(Call& call) {
  if (int64_t wait = call.app.LoginRetryAfterS(call.req)) {
    call.res.set_header("Retry-After", std::to_string(wait));
    return SendError(call, 429, "rate_limited",
                     "too many failed log-ins from this address; retry in " +
                         std::to_string(wait) + " s");
  }
  auto body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  auto username = StringField(*body, "username");
  if (!username.ok()) return SendStatus(call, username.status());
  auto password = StringField(*body, "password");
  if (!password.ok()) return SendStatus(call, password.status());
  const bool weak = call.app.options().weak_kdf_for_tests;
  auto account = call.app.store().GetAccountByUsername(*username);
  if (!account.ok() && account.status().code() != StatusCode::kNotFound) {
    return SendStatus(call, account.status());
  }
  if (!account.ok()) BurnVerification(weak);
  if (!account.ok() || !VerifyPassword(account->password_hash, *password)) {
    call.app.NoteFailedLogin(call.req);
    return SendError(call, 401, "unauthenticated", "wrong username or password");
  }
  if (account->disabled) return SendError(call, 403, "forbidden", "this account is disabled");
  StartSession(call, *account);
}

void Logout(Call& call) {
  EndRequestSession(call);
  call.res.set_header("Set-Cookie", ClearSessionCookieHeader(call.app.options().secure_cookies));
  SendJson(call, 200, Json::object());
}

void Me(Call& call) {
  SendJson(call, 200,
           {{"account", AccountJson(call.caller->account)},
            {"csrf", call.caller->session.csrf_token}});
}

void ChangePassword(Call& call) {
  auto body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  auto old_password = StringField(*body, "old_password");
  if (!old_password.ok()) return SendStatus(call, old_password.status());
  auto new_password = StringField(*body, "new_password");
  if (!new_password.ok()) return SendStatus(call, new_password.status());
  if (Status st = CheckPasswordRules(*new_password); !st.ok()) return SendStatus(call, st);
  // The cached account may be older than a password change on another server.
  auto account = call.app.store().GetAccount(call.caller->account.id);
  if (!account.ok()) return SendStatus(call, account.status());
  if (!VerifyPassword(account->password_hash, *old_password)) {
    call.app.NoteFailedLogin(call.req);
    return SendError(call, 403, "forbidden", "old_password: wrong password");
  }
  auto hash = HashPassword(*new_password, call.app.options().weak_kdf_for_tests);
  if (!hash.ok()) return SendStatus(call, hash.status());
  if (Status st = call.app.store().SetPasswordHash(account->id, *hash); !st.ok()) {
    return SendStatus(call, st);
  }
  // Other sessions (a stolen cookie, another device) end; this one stays.
  auto ended = call.app.store().DeleteAccountSessions(account->id, call.caller->session.token_hash);
  if (!ended.ok()) return SendStatus(call, ended.status());
  call.app.ForgetAccountSessions(account->id);
  SendJson(call, 200, {{"sessions_ended", *ended}});
}

// The token of an invitation route: 64 hex digits, else 404 (nothing to find).
bool InvitationToken(Call& call, std::string* token) {
  *token = call.req.matches.size() > 1 ? call.req.matches[1].str() : "";
  if (token->size() == 64) return true;
  SendError(call, 404, "not_found", "invitation: unknown token");
  return false;
}

void InviteRoute(Call& call) {
  auto body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  auto role_name = StringField(*body, "role");
  if (!role_name.ok()) return SendStatus(call, role_name.status());
  auto role = store::ParseRole(*role_name);
  if (!role.ok()) return SendStatus(call, role.status());
  int64_t team_id = 0;
  if (body->contains("team_id") && !(*body)["team_id"].is_null()) {
    auto team = IntField(*body, "team_id");
    if (!team.ok()) return SendStatus(call, team.status());
    team_id = *team;
  }
  auto created = web::CreateInvitation(call.app.store(), *role, team_id, call.caller->account.id,
                                       call.app.NowMs(), call.app.options().invitation_ttl_ms);
  if (!created.ok()) return SendStatus(call, created.status());
  Audit(call, "invitation.create", "invitation:" + std::to_string(created->id),
        Json{{"role", *role_name}, {"team_id", team_id}}.dump());
  SendJson(call, 200,
           {{"id", created->id},
            {"token", created->token},
            {"url", "/#/invite/" + created->token},
            {"expires_ms", created->expires_ms}});
}

void PeekInvitation(Call& call) {
  std::string token;
  if (!InvitationToken(call, &token)) return;
  auto inv = call.app.store().GetInvitation(TokenHash(token));
  if (!inv.ok()) return SendStatus(call, inv.status());
  if (inv->redeemed_by != 0 || inv->redeemed_ms != 0) {
    return SendError(call, 409, "conflict", "invitation: already used");
  }
  if (call.app.NowMs() >= inv->expires_ms) {
    return SendError(call, 409, "conflict", "invitation: expired");
  }
  SendJson(call, 200,
           {{"role", std::string(store::RoleName(inv->role))}, {"expires_ms", inv->expires_ms}});
}

void RedeemInvitation(Call& call) {
  if (int64_t wait = call.app.LoginRetryAfterS(call.req)) {
    call.res.set_header("Retry-After", std::to_string(wait));
    return SendError(call, 429, "rate_limited", "too many failed attempts from this address");
  }
  std::string token;
  if (!InvitationToken(call, &token)) return call.app.NoteFailedLogin(call.req);
  auto body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  store::NewAccount account;
  auto username = StringField(*body, "username");
  if (!username.ok()) return SendStatus(call, username.status());
  auto password = StringField(*body, "password");
  if (!password.ok()) return SendStatus(call, password.status());
  if (Status st = CheckUsername(*username); !st.ok()) return SendStatus(call, st);
  if (Status st = CheckPasswordRules(*password); !st.ok()) return SendStatus(call, st);
  account.username = *username;
  account.display_name = OptionalString(*body, "display_name", *username);
  auto hash = HashPassword(*password, call.app.options().weak_kdf_for_tests);
  if (!hash.ok()) return SendStatus(call, hash.status());
  account.password_hash = *hash;
  const int64_t now = call.app.NowMs();
  account.created_ms = now;
  auto id = call.app.store().RedeemInvitation(TokenHash(token), account, now);
  if (!id.ok()) {
    if (id.status().code() == StatusCode::kNotFound) call.app.NoteFailedLogin(call.req);
    if (id.status().code() == StatusCode::kInvalidArgument) {
      return SendError(call, 409, "conflict", id.status().message());
    }
    return SendStatus(call, id.status());
  }
  auto created = call.app.store().GetAccount(*id);
  if (!created.ok()) return SendStatus(call, created.status());
  call.app.metrics().Add("invitations_redeemed");
  StartSession(call, *created, 201);
}

void Health(Call& call) {
  auto version = call.app.store().SchemaVersion();
  if (!version.ok()) {
    return SendJson(call, 503, {{"status", "unavailable"},
                                {"store", std::string(call.app.store().backend())},
                                {"error", version.status().ToString()}});
  }
  SendJson(call, 200, {{"status", "ok"},
                       {"store", std::string(call.app.store().backend())},
                       {"schema", *version}});
}

void MetricsPage(Call& call) {
  call.res.status = 200;
  call.res.set_content(call.app.metrics().Render(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace

Json AccountJson(const store::Account& account) {
  return {{"id", account.id},
          {"username", account.username},
          {"display_name", account.display_name},
          {"role", std::string(store::RoleName(account.role))},
          {"team_id", account.team_id},
          {"disabled", account.disabled}};
}

void StartSession(Call& call, const store::Account& account, int http_status) {
  EndRequestSession(call);
  App& app = call.app;
  const int64_t now = app.NowMs();
  PurgeExpiredSessions(app, now);
  const std::string token = RandomToken();
  store::Session session;
  session.token_hash = TokenHash(token);
  session.account_id = account.id;
  session.csrf_token = RandomToken();
  session.created_ms = now;
  session.expires_ms = now + app.options().session_ttl_ms;
  if (Status st = app.store().CreateSession(session); !st.ok()) return SendStatus(call, st);
  call.res.set_header("Set-Cookie",
                      SessionCookieHeader(token, app.options().session_ttl_ms / 1000,
                                          app.options().secure_cookies));
  app.metrics().Add("logins");
  SendJson(call, http_status, {{"account", AccountJson(account)}, {"csrf", session.csrf_token}});
}

void Audit(Call& call, const std::string& action, const std::string& target,
           const std::string& detail) {
  store::AuditEntry entry;
  entry.actor_id = call.caller ? call.caller->account.id : 0;
  entry.action = action;
  entry.target = target;
  entry.detail = detail;
  entry.at_ms = call.app.NowMs();
  auto id = call.app.store().AppendAudit(entry);
  if (!id.ok()) {
    std::fprintf(stderr, "{\"level\":\"error\",\"msg\":\"audit append failed\",\"detail\":%s}\n",
                 Json(id.status().ToString()).dump().c_str());
  }
}

Status AddAccountRoutes(App& app) {
  app.AddRoute({"accounts.login", "POST", "/api/login", kPublic, Login});
  app.AddRoute({"accounts.logout", "POST", "/api/logout", kAnyRole, Logout});
  app.AddRoute({"accounts.me", "GET", "/api/me", kAnyRole, Me});
  app.AddRoute({"accounts.password", "POST", "/api/me/password", kAnyRole, ChangePassword});
  app.AddRoute({"invitations.create", "POST", "/api/invitations", kAdmin, InviteRoute});
  app.AddRoute({"invitations.peek", "GET", "/api/invitations/([^/]+)", kPublic, PeekInvitation});
  app.AddRoute({"invitations.redeem", "POST", "/api/invitations/([^/]+)/redeem", kPublic,
                RedeemInvitation});
  app.AddRoute({"ops.health", "GET", "/health", kPublic, Health});
  app.AddRoute({"ops.metrics", "GET", "/metrics", kPublic, MetricsPage});
  return AddAdminRoutes(app);
}

}  // namespace dokja::web
