// SqlStore: accounts, sessions, invitations, the audit log, organisations and
// teams.
#include <chrono>

#include "store/internal/migrations.h"
#include "store/internal/sql_store.h"

namespace dokja::store::internal {
namespace {

constexpr std::string_view kAccountColumns =
    "id, username, display_name, role, password_hash, team_id, disabled, created_ms";

Account AccountFromRow(const SqlRow& r) {
  Account a;
  a.id = AsInt(r[0]);
  a.username = AsText(r[1]);
  a.display_name = AsText(r[2]);
  a.role = static_cast<Role>(AsInt(r[3]));
  a.password_hash = AsText(r[4]);
  a.team_id = AsInt(r[5]);
  a.disabled = AsInt(r[6]) != 0;
  a.created_ms = AsInt(r[7]);
  return a;
}

// The one returned id of an INSERT ... ON CONFLICT DO NOTHING RETURNING id, or
// InvalidArgument "<what> already exists" when nothing was inserted.
Result<int64_t> InsertedId(Result<SqlRows> rows, const std::string& what) {
  if (!rows.ok()) return rows.status().WithPrefix(what);
  if (rows->empty()) return Status::InvalidArgument(what + " already exists");
  return AsInt((*rows)[0][0]);
}

Status ChangedOne(Result<SqlRows> rows, const std::string& what) {
  if (!rows.ok()) return rows.status().WithPrefix(what);
  if (rows->empty()) return Status::NotFound(what + " does not exist");
  return Status::OK();
}

Result<int64_t> InsertAccount(SqlConn& conn, const NewAccount& a) {
  if (a.username.empty()) return Status::InvalidArgument("account: empty username");
  return InsertedId(
      conn.Query("INSERT INTO accounts(username, display_name, role, password_hash, team_id,"
                 " disabled, created_ms) VALUES(?, ?, ?, ?, ?, 0, ?)"
                 " ON CONFLICT DO NOTHING RETURNING id",
                 {Text(a.username), Text(a.display_name), Int(static_cast<int64_t>(a.role)),
                  Text(a.password_hash), IdOrNull(a.team_id), Int(a.created_ms)}),
      "account '" + a.username + "'");
}

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqlStore(std::string backend, ConnFactory factory,
                                            int32_t max_connections, bool group_commit,
                                            int64_t now_ms) {
  auto pool = std::make_unique<ConnPool>(std::move(factory), max_connections);
  {
    DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<SqlConn> conn, pool->Acquire());
    PooledConn lease(*pool, std::move(conn));
    DOKJA_RETURN_IF_ERROR(Migrate(*lease, now_ms ? now_ms : WallClockMs()));
  }
  return std::unique_ptr<Store>(new SqlStore(std::move(backend), std::move(pool), group_commit));
}

Result<int64_t> SqlStore::SchemaVersion() {
  return WithConn([](SqlConn& c) { return ReadSchemaVersion(c); });
}

Result<int64_t> SqlStore::CreateAccount(const NewAccount& account) {
  return WithConn([&](SqlConn& c) { return InsertAccount(c, account); });
}

Result<Account> SqlStore::GetAccount(int64_t id) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows,
      Query("SELECT " + std::string(kAccountColumns) + " FROM accounts WHERE id = ?", {Int(id)}));
  if (rows.empty()) return Status::NotFound("account " + std::to_string(id) + " does not exist");
  return AccountFromRow(rows[0]);
}

Result<Account> SqlStore::GetAccountByUsername(std::string_view username) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("SELECT " + std::string(kAccountColumns) +
                                                 " FROM accounts WHERE username = ?",
                                             {Text(username)}));
  if (rows.empty()) {
    return Status::NotFound("account '" + std::string(username) + "' does not exist");
  }
  return AccountFromRow(rows[0]);
}

Result<std::vector<Account>> SqlStore::ListAccounts(std::optional<Role> role) {
  std::string sql = "SELECT " + std::string(kAccountColumns) + " FROM accounts";
  std::vector<SqlValue> params;
  if (role) {
    sql += " WHERE role = ?";
    params.push_back(Int(static_cast<int64_t>(*role)));
  }
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query(sql + " ORDER BY id", params));
  std::vector<Account> out;
  for (const SqlRow& r : rows) out.push_back(AccountFromRow(r));
  return out;
}

Status SqlStore::SetPasswordHash(int64_t account_id, std::string_view password_hash) {
  return ChangedOne(Query("UPDATE accounts SET password_hash = ? WHERE id = ? RETURNING id",
                          {Text(password_hash), Int(account_id)}),
                    "account " + std::to_string(account_id));
}

Status SqlStore::SetAccountDisabled(int64_t account_id, bool disabled) {
  return ChangedOne(Query("UPDATE accounts SET disabled = ? WHERE id = ? RETURNING id",
                          {Int(disabled ? 1 : 0), Int(account_id)}),
                    "account " + std::to_string(account_id));
}

Status SqlStore::CreateSession(const Session& s) {
  if (s.token_hash.empty()) return Status::InvalidArgument("session: empty token hash");
  return InsertedId(Query("INSERT INTO sessions(token_hash, account_id, csrf_token, created_ms,"
                          " expires_ms) VALUES(?, ?, ?, ?, ?)"
                          " ON CONFLICT DO NOTHING RETURNING account_id",
                          {Text(s.token_hash), Int(s.account_id), Text(s.csrf_token),
                           Int(s.created_ms), Int(s.expires_ms)}),
                    "session")
      .status();
}

Result<Session> SqlStore::GetSession(std::string_view token_hash, int64_t now_ms) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                         Query("SELECT token_hash, account_id, csrf_token, created_ms, expires_ms"
                               " FROM sessions WHERE token_hash = ? AND expires_ms > ?",
                               {Text(token_hash), Int(now_ms)}));
  if (rows.empty()) return Status::NotFound("session: unknown or expired");
  const SqlRow& r = rows[0];
  return Session{AsText(r[0]), AsInt(r[1]), AsText(r[2]), AsInt(r[3]), AsInt(r[4])};
}

Status SqlStore::DeleteSession(std::string_view token_hash) {
  return ChangedOne(
      Query("DELETE FROM sessions WHERE token_hash = ? RETURNING account_id", {Text(token_hash)}),
      "session");
}

Result<int64_t> SqlStore::DeleteAccountSessions(int64_t account_id,
                                                std::string_view keep_token_hash) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                         Query("DELETE FROM sessions WHERE account_id = ? AND token_hash <> ?"
                               " RETURNING account_id",
                               {Int(account_id), Text(keep_token_hash)}));
  return static_cast<int64_t>(rows.size());
}

Result<int64_t> SqlStore::DeleteExpiredSessions(int64_t now_ms) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows,
      Query("DELETE FROM sessions WHERE expires_ms <= ? RETURNING account_id", {Int(now_ms)}));
  return static_cast<int64_t>(rows.size());
}

Result<int64_t> SqlStore::CreateInvitation(const Invitation& inv) {
  if (inv.token_hash.empty()) return Status::InvalidArgument("invitation: empty token hash");
  return InsertedId(
      Query("INSERT INTO invitations(token_hash, role, team_id, created_by, created_ms,"
            " expires_ms) VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            {Text(inv.token_hash), Int(static_cast<int64_t>(inv.role)), IdOrNull(inv.team_id),
             IdOrNull(inv.created_by), Int(inv.created_ms), Int(inv.expires_ms)}),
      "invitation");
}

Result<Invitation> SqlStore::GetInvitation(std::string_view token_hash) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows,
      Query("SELECT id, token_hash, role, team_id, created_by, created_ms, expires_ms,"
            " redeemed_by, redeemed_ms FROM invitations WHERE token_hash = ?",
            {Text(token_hash)}));
  if (rows.empty()) return Status::NotFound("invitation: unknown token");
  const SqlRow& r = rows[0];
  Invitation inv;
  inv.id = AsInt(r[0]);
  inv.token_hash = AsText(r[1]);
  inv.role = static_cast<Role>(AsInt(r[2]));
  inv.team_id = AsInt(r[3]);
  inv.created_by = AsInt(r[4]);
  inv.created_ms = AsInt(r[5]);
  inv.expires_ms = AsInt(r[6]);
  inv.redeemed_by = AsInt(r[7]);
  inv.redeemed_ms = AsInt(r[8]);
  return inv;
}

Result<int64_t> SqlStore::RedeemInvitation(std::string_view token_hash, NewAccount account,
                                           int64_t now_ms) {
  return WithConn([&](SqlConn& c) -> Result<int64_t> {
    int64_t account_id = 0;
    Status st = InTransaction(c, [&]() -> Status {
      // Claim first: of concurrent redeemers only one sees a returned row.
      DOKJA_ASSIGN_OR_RETURN(
          SqlRows claimed,
          c.Query("UPDATE invitations SET redeemed_ms = ? WHERE token_hash = ?"
                  " AND redeemed_ms IS NULL AND expires_ms > ? RETURNING id, role, team_id",
                  {Int(now_ms), Text(token_hash), Int(now_ms)}));
      if (claimed.empty()) {
        DOKJA_ASSIGN_OR_RETURN(SqlRows why,
                               c.Query("SELECT redeemed_ms FROM invitations WHERE token_hash = ?",
                                       {Text(token_hash)}));
        if (why.empty()) return Status::NotFound("invitation: unknown token");
        if (!std::holds_alternative<std::monostate>(why[0][0])) {
          return Status::InvalidArgument("invitation: already used");
        }
        return Status::InvalidArgument("invitation: expired");
      }
      account.role = static_cast<Role>(AsInt(claimed[0][1]));
      account.team_id = AsInt(claimed[0][2]);
      if (account.created_ms == 0) account.created_ms = now_ms;
      DOKJA_ASSIGN_OR_RETURN(account_id, InsertAccount(c, account));
      return c
          .Query("UPDATE invitations SET redeemed_by = ? WHERE id = ?",
                 {Int(account_id), Int(AsInt(claimed[0][0]))})
          .status();
    });
    if (!st.ok()) return st;
    return account_id;
  });
}

Result<int64_t> SqlStore::AppendAudit(const AuditEntry& e) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows,
      Query("INSERT INTO audit_log(actor_id, action, target, detail, at_ms)"
            " VALUES(?, ?, ?, ?, ?) RETURNING id",
            {IdOrNull(e.actor_id), Text(e.action), Text(e.target), Text(e.detail), Int(e.at_ms)}));
  if (rows.empty()) return Status::Internal("audit_log: insert returned no id");
  return AsInt(rows[0][0]);
}

Result<std::vector<AuditEntry>> SqlStore::ListAudit(int64_t after_id, int64_t limit) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                         Query("SELECT id, actor_id, action, target, detail, at_ms FROM audit_log"
                               " WHERE id > ? ORDER BY id LIMIT ?",
                               {Int(after_id), Int(limit)}));
  std::vector<AuditEntry> out;
  for (const SqlRow& r : rows) {
    out.push_back(
        {AsInt(r[0]), AsInt(r[1]), AsText(r[2]), AsText(r[3]), AsText(r[4]), AsInt(r[5])});
  }
  return out;
}

Result<int64_t> SqlStore::CreateOrganisation(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("organisation: empty name");
  return InsertedId(Query("INSERT INTO organisations(name) VALUES(?)"
                          " ON CONFLICT DO NOTHING RETURNING id",
                          {Text(name)}),
                    "organisation '" + std::string(name) + "'");
}

Result<std::vector<Organisation>> SqlStore::ListOrganisations() {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("SELECT id, name FROM organisations ORDER BY id", {}));
  std::vector<Organisation> out;
  for (const SqlRow& r : rows) out.push_back({AsInt(r[0]), AsText(r[1])});
  return out;
}

Result<int64_t> SqlStore::CreateTeam(const Team& team) {
  if (team.name.empty() || team.anonymous_label.empty()) {
    return Status::InvalidArgument("team: empty name or anonymous label");
  }
  return WithConn([&](SqlConn& c) -> Result<int64_t> {
    int64_t id = 0;
    Status st = InTransaction(c, [&]() -> Status {
      DOKJA_ASSIGN_OR_RETURN(
          id, InsertedId(c.Query("INSERT INTO teams(name, anonymous_label) VALUES(?, ?)"
                                 " ON CONFLICT DO NOTHING RETURNING id",
                                 {Text(team.name), Text(team.anonymous_label)}),
                         "team '" + team.name + "' or label '" + team.anonymous_label + "'"));
      for (int64_t org : team.organisation_ids) {
        DOKJA_RETURN_IF_ERROR(
            InsertedId(c.Query("INSERT INTO team_organisations(team_id, organisation_id)"
                               " VALUES(?, ?) ON CONFLICT DO NOTHING RETURNING team_id",
                               {Int(id), Int(org)}),
                       "organisation " + std::to_string(org) + " in team '" + team.name + "'")
                .status());
      }
      return Status::OK();
    });
    if (!st.ok()) return st;
    return id;
  });
}

Result<Team> SqlStore::GetTeam(int64_t id) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows, Query("SELECT id, name, anonymous_label FROM teams WHERE id = ?", {Int(id)}));
  if (rows.empty()) return Status::NotFound("team " + std::to_string(id) + " does not exist");
  Team team{AsInt(rows[0][0]), AsText(rows[0][1]), AsText(rows[0][2]), {}};
  DOKJA_ASSIGN_OR_RETURN(SqlRows orgs, Query("SELECT organisation_id FROM team_organisations"
                                             " WHERE team_id = ? ORDER BY organisation_id",
                                             {Int(id)}));
  for (const SqlRow& r : orgs) team.organisation_ids.push_back(AsInt(r[0]));
  return team;
}

Result<std::vector<Team>> SqlStore::ListTeams() {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("SELECT id FROM teams ORDER BY id", {}));
  std::vector<Team> out;
  for (const SqlRow& r : rows) {
    DOKJA_ASSIGN_OR_RETURN(Team team, GetTeam(AsInt(r[0])));
    out.push_back(std::move(team));
  }
  return out;
}

Status SqlStore::AddAffiliation(int64_t account_id, int64_t organisation_id) {
  return InsertedId(Query("INSERT INTO affiliations(account_id, organisation_id) VALUES(?, ?)"
                          " ON CONFLICT DO NOTHING RETURNING account_id",
                          {Int(account_id), Int(organisation_id)}),
                    "affiliation of account " + std::to_string(account_id) + " with organisation " +
                        std::to_string(organisation_id))
      .status();
}

Result<std::vector<int64_t>> SqlStore::ListAffiliations(int64_t account_id) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("SELECT organisation_id FROM affiliations"
                                             " WHERE account_id = ? ORDER BY organisation_id",
                                             {Int(account_id)}));
  std::vector<int64_t> out;
  for (const SqlRow& r : rows) out.push_back(AsInt(r[0]));
  return out;
}

}  // namespace dokja::store::internal
