#include "store/store.h"

#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace dokja::store {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kExpert:
      return "expert";
    case Role::kUser:
      return "user";
    case Role::kTeam:
      return "team";
  }
  return "unknown";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kAdmin, Role::kExpert, Role::kUser, Role::kTeam}) {
    if (RoleName(role) == name) return role;
  }
  return Status::InvalidArgument("role '" + std::string(name) +
                                 "': expected admin, expert, user or team");
}

std::string_view BattleStateName(BattleState state) {
  switch (state) {
    case BattleState::kPending:
      return "pending";
    case BattleState::kReady:
      return "ready";
    case BattleState::kVoted:
      return "voted";
    case BattleState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string_view VoteChoiceName(VoteChoice choice) {
  switch (choice) {
    case VoteChoice::kA:
      return "a";
    case VoteChoice::kB:
      return "b";
    case VoteChoice::kTie:
      return "tie";
    case VoteChoice::kBothBad:
      return "both_bad";
  }
  return "unknown";
}

Result<VoteChoice> ParseVoteChoice(std::string_view name) {
  for (VoteChoice c : {VoteChoice::kA, VoteChoice::kB, VoteChoice::kTie, VoteChoice::kBothBad}) {
    if (VoteChoiceName(c) == name) return c;
  }
  return Status::InvalidArgument("vote choice '" + std::string(name) +
                                 "': expected a, b, tie or both_bad");
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return OpenPostgresStore(url, PostgresOptions{options, ""});
  }
  constexpr std::string_view kSqlitePrefix = "sqlite:";
  if (url.rfind(kSqlitePrefix, 0) == 0) {
    return OpenSqliteStore(url.substr(kSqlitePrefix.size()), options);
  }
  if (url.find("://") != std::string::npos) {
    return Status::InvalidArgument("store '" + url +
                                   "': expected sqlite:PATH, a file path, or postgresql://...");
  }
  return OpenSqliteStore(url, options);
}

#ifndef DOKJA_HAVE_POSTGRES
// Built with DOKJA_WITH_POSTGRES=OFF: postgres_store.cc is left out.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const PostgresOptions&) {
  return Status::Unsupported(
      "store '" + url + "': this dokja was built without PostgreSQL (DOKJA_WITH_POSTGRES=OFF)");
}
Status DropPostgresSchema(const std::string&, const std::string&) {
  return Status::Unsupported("built without PostgreSQL (DOKJA_WITH_POSTGRES=OFF)");
}
#endif

}  // namespace dokja::store
