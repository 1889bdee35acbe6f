// Administration: accounts (list, disable), organisations, teams,
// affiliations and the audit log. Every change appends to the audit log.
#include "web/account_json.h"
#include "web/routes.h"

namespace dokja::web {
namespace {

constexpr int64_t kMaxAuditPage = 1000;

// A query parameter as a non-negative integer, `fallback` when absent.
Result<int64_t> QueryInt(const Call& call, const char* key, int64_t fallback) {
  if (!call.req.has_param(key)) return fallback;
  const std::string text = call.req.get_param_value(key);
  int64_t value = 0;
  if (text.empty() || text.size() > 18) {
    return Status::InvalidArgument(std::string("query '") + key + "': expected an integer");
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return Status::InvalidArgument(std::string("query '") + key + "': expected an integer");
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

void ListAccounts(Call& call) {
  auto accounts = call.app.store().ListAccounts(std::nullopt);
  if (!accounts.ok()) return SendStatus(call, accounts.status());
  Json list = Json::array();
  for (const store::Account& account : *accounts) list.push_back(AccountJson(account));
  SendJson(call, 200, {{"accounts", std::move(list)}});
}

void DisableAccount(Call& call) {
  const int64_t id = PathId(call);
  if (id == 0) return;
  auto body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  bool disabled = true;
  if (body->contains("disabled")) {
    if (!(*body)["disabled"].is_boolean()) {
      return SendError(call, 400, "invalid", "field 'disabled': expected true or false");
    }
    disabled = (*body)["disabled"].get<bool>();
  }
  if (disabled && id == call.caller->account.id) {
    return SendError(call, 409, "conflict", "an admin cannot disable their own account");
  }
  if (Status st = call.app.store().SetAccountDisabled(id, disabled); !st.ok()) {
    return SendStatus(call, st);
  }
  if (disabled) {
    auto ended = call.app.store().DeleteAccountSessions(id, "");
    if (!ended.ok()) return SendStatus(call, ended.status());
  }
  call.app.ForgetAccountSessions(id);
  Audit(call, disabled ? "account.disable" : "account.enable", "account:" + std::to_string(id), "");
  SendJson(call, 200, Json::object());
}

// Store InvalidArgument on create is a duplicate name: 409.
void SendCreateError(Call& call, const Status& status) {
  if (status.code() == StatusCode::kInvalidArgument) {
    return SendError(call, 409, "conflict", status.message());
  }
  SendStatus(call, status);
}

Result<std::string> NameField(const Json& body, std::string_view key) {
  DOKJA_ASSIGN_OR_RETURN(std::string name, StringField(body, key));
  if (name.empty() || name.size() > 256) {
    return Status::InvalidArgument("field '" + std::string(key) + "': 1 to 256 bytes");
  }
  return name;
}

void CreateOrganisation(Call& call) {
  auto body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  auto name = NameField(*body, "name");
  if (!name.ok()) return SendStatus(call, name.status());
  auto id = call.app.store().CreateOrganisation(*name);
  if (!id.ok()) return SendCreateError(call, id.status());
  Audit(call, "organisation.create", "organisation:" + std::to_string(*id),
        Json{{"name", *name}}.dump(-1, ' ', false, Json::error_handler_t::replace));
  SendJson(call, 200, {{"id", *id}});
}

void ListOrganisations(Call& call) {
  auto orgs = call.app.store().ListOrganisations();
  if (!orgs.ok()) return SendStatus(call, orgs.status());
  Json list = Json::array();
  for (const store::Organisation& org : *orgs) list.push_back({{"id", org.id}, {"name", org.name}});
  SendJson(call, 200, {{"organisations", std::move(list)}});
}

Json TeamJson(const store::Team& team) {
  return {{"id", team.id},
          {"name", team.name},
          {"anonymous_label", team.anonymous_label},
          {"organisation_ids", team.organisation_ids}};
}

void CreateTeam(Call& call) {
  auto body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  store::Team team;
  auto name = NameField(*body, "name");
  if (!name.ok()) return SendStatus(call, name.status());
  auto label = NameField(*body, "anonymous_label");
  if (!label.ok()) return SendStatus(call, label.status());
  team.name = *name;
  team.anonymous_label = *label;
  if (body->contains("organisation_ids")) {
    const Json& ids = (*body)["organisation_ids"];
    if (!ids.is_array()) {
      return SendError(call, 400, "invalid", "field 'organisation_ids': expected an array of ids");
    }
    for (const Json& id : ids) {
      if (!id.is_number_integer() || id.get<int64_t>() <= 0) {
        return SendError(call, 400, "invalid", "field 'organisation_ids': expected positive ids");
      }
      team.organisation_ids.push_back(id.get<int64_t>());
    }
  }
  auto id = call.app.store().CreateTeam(team);
  if (!id.ok()) return SendCreateError(call, id.status());
  team.id = *id;
  Audit(call, "team.create", "team:" + std::to_string(*id),
        TeamJson(team).dump(-1, ' ', false, Json::error_handler_t::replace));
  SendJson(call, 200, {{"id", *id}});
}

void ListTeams(Call& call) {
  auto teams = call.app.store().ListTeams();
  if (!teams.ok()) return SendStatus(call, teams.status());
  Json list = Json::array();
  for (const store::Team& team : *teams) list.push_back(TeamJson(team));
  SendJson(call, 200, {{"teams", std::move(list)}});
}

void AddAffiliation(Call& call) {
  const int64_t account_id = PathId(call);
  if (account_id == 0) return;
  auto body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  auto org = IntField(*body, "organisation_id");
  if (!org.ok()) return SendStatus(call, org.status());
  if (Status st = call.app.store().AddAffiliation(account_id, *org); !st.ok()) {
    return SendStatus(call, st);
  }
  Audit(call, "affiliation.add", "account:" + std::to_string(account_id),
        Json{{"organisation_id", *org}}.dump());
  SendJson(call, 200, Json::object());
}

void ListAudit(Call& call) {
  auto after = QueryInt(call, "after", 0);
  if (!after.ok()) return SendStatus(call, after.status());
  auto limit = QueryInt(call, "limit", 100);
  if (!limit.ok()) return SendStatus(call, limit.status());
  if (*limit < 1 || *limit > kMaxAuditPage) {
    return SendError(call, 400, "invalid", "query 'limit': 1 to 1000");
  }
  auto entries = call.app.store().ListAudit(*after, *limit);
  if (!entries.ok()) return SendStatus(call, entries.status());
  Json list = Json::array();
  for (const store::AuditEntry& e : *entries) {
    list.push_back({{"id", e.id},
                    {"actor_id", e.actor_id},
                    {"action", e.action},
                    {"target", e.target},
                    {"detail", e.detail},
                    {"at_ms", e.at_ms}});
  }
  SendJson(call, 200, {{"entries", std::move(list)}});
}

}  // namespace

Status AddAdminRoutes(App& app) {
  app.AddRoute({"admin.accounts.list", "GET", "/api/admin/accounts", kAdmin, ListAccounts});
  app.AddRoute({"admin.accounts.disable", "POST", R"(/api/admin/accounts/(\d+)/disable)", kAdmin,
                DisableAccount});
  app.AddRoute({"admin.affiliations.add", "POST", R"(/api/admin/accounts/(\d+)/affiliations)",
                kAdmin, AddAffiliation});
  app.AddRoute({"admin.organisations.list", "GET", "/api/admin/organisations", kAdmin,
                ListOrganisations});
  app.AddRoute({"admin.organisations.create", "POST", "/api/admin/organisations", kAdmin,
                CreateOrganisation});
  app.AddRoute({"admin.teams.list", "GET", "/api/admin/teams", kAdmin, ListTeams});
  app.AddRoute({"admin.teams.create", "POST", "/api/admin/teams", kAdmin, CreateTeam});
  app.AddRoute({"admin.audit", "GET", "/api/admin/audit", kAdmin, ListAudit});
  return Status::OK();
}

}  // namespace dokja::web
