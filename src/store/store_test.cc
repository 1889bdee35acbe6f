// The store suite, part 1: migrations, accounts, sessions, invitations, the
// audit log, teams, rubrics, assignments and expert scores. Every case runs
// against SQLite and PostgreSQL.
#include <thread>
#include <vector>

#include "store/internal/migrations.h"
#include "store/sqlite_db.h"
#include "store/store_test_util.h"

namespace dokja::store {
namespace {

class StoreTest : public StoreFixture {};

TEST_P(StoreTest, MigratesToLatestAndReopeningIsANoOp) {
  ASSERT_OK_AND_ASSIGN(int64_t version, store().SchemaVersion());
  EXPECT_EQ(version, internal::LatestSchemaVersion());
  int64_t alice = MakeAccount("alice", Role::kAdmin);
  Reopen();
  Reopen();
  ASSERT_OK_AND_ASSIGN(version, store().SchemaVersion());
  EXPECT_EQ(version, internal::LatestSchemaVersion());
  ASSERT_OK_AND_ASSIGN(Account a, store().GetAccount(alice));
  EXPECT_EQ(a.username, "alice");
}

TEST_P(StoreTest, ConcurrentOpensOfAFreshDatabaseMigrateOnce) {
  const std::string url = schema_.empty() ? url_ + ".fresh" : url_;
  const std::string schema = schema_.empty() ? "" : schema_ + "_fresh";
  constexpr int kOpeners = 4;
  std::vector<Result<std::unique_ptr<Store>>> opened;
  for (int i = 0; i < kOpeners; ++i) opened.emplace_back(Status::Internal("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] { opened[static_cast<size_t>(i)] = OpenAt(url, schema); });
  }
  for (std::thread& th : threads) th.join();
  for (auto& s : opened) {
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_OK_AND_ASSIGN(int64_t version, (*s)->SchemaVersion());
    EXPECT_EQ(version, internal::LatestSchemaVersion());
  }
  ASSERT_OK((*opened[0])->CreateOrganisation("only once").status());
  ASSERT_OK_AND_ASSIGN(std::vector<Organisation> orgs, (*opened[3])->ListOrganisations());
  EXPECT_EQ(orgs.size(), 1u) << "all openers must share one database";
  opened.clear();
  if (schema.empty()) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((url + suffix).c_str());
  } else {
    ASSERT_OK(DropPostgresSchema(url, schema));
  }
}

TEST_P(StoreTest, AccountsRoundTripAndDuplicateUsernameIsNamed) {
  int64_t id = MakeAccount("expert1", Role::kExpert);
  ASSERT_OK_AND_ASSIGN(Account a, store().GetAccountByUsername("expert1"));
  EXPECT_EQ(a.id, id);
  EXPECT_EQ(a.role, Role::kExpert);
  EXPECT_EQ(a.display_name, "Name expert1");
  EXPECT_FALSE(a.disabled);
  Result<int64_t> dup = store().CreateAccount({"expert1", "x", Role::kUser, "h", 0, 1});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(dup.status().message().find("'expert1' already exists"), std::string::npos)
      << dup.status().message();
  EXPECT_EQ(store().GetAccount(id + 1000).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().GetAccountByUsername("nobody").status().code(), StatusCode::kNotFound);

  ASSERT_OK(store().SetPasswordHash(id, "$argon2id$new"));
  ASSERT_OK(store().SetAccountDisabled(id, true));
  ASSERT_OK_AND_ASSIGN(a, store().GetAccount(id));
  EXPECT_EQ(a.password_hash, "$argon2id$new");
  EXPECT_TRUE(a.disabled);
  EXPECT_EQ(store().SetAccountDisabled(id + 1000, true).code(), StatusCode::kNotFound);

  MakeAccount("user1", Role::kUser);
  ASSERT_OK_AND_ASSIGN(std::vector<Account> experts, store().ListAccounts(Role::kExpert));
  ASSERT_EQ(experts.size(), 1u);
  EXPECT_EQ(experts[0].username, "expert1");
  ASSERT_OK_AND_ASSIGN(std::vector<Account> all, store().ListAccounts(std::nullopt));
  EXPECT_EQ(all.size(), 2u);
}

TEST_P(StoreTest, SessionsExpireAndCanBeDeleted) {
  int64_t user = MakeAccount("u", Role::kUser);
  ASSERT_OK(store().CreateSession({"hash-1", user, "csrf-1", 1000, 5000}));
  ASSERT_OK(store().CreateSession({"hash-2", user, "csrf-2", 1000, 9000}));
  EXPECT_EQ(store().CreateSession({"hash-1", user, "other", 1000, 5000}).code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(Session s, store().GetSession("hash-1", 4999));
  EXPECT_EQ(s.account_id, user);
  EXPECT_EQ(s.csrf_token, "csrf-1");
  EXPECT_EQ(s.expires_ms, 5000);
  EXPECT_EQ(store().GetSession("hash-1", 5000).status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(int64_t removed, store().DeleteExpiredSessions(5000));
  EXPECT_EQ(removed, 1);
  ASSERT_OK(store().DeleteSession("hash-2"));
  EXPECT_EQ(store().GetSession("hash-2", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store().DeleteSession("hash-2").code(), StatusCode::kNotFound);
}

TEST_P(StoreTest, InvitationIsSingleUseEvenUnderConcurrentRedeem) {
  int64_t admin = MakeAccount("admin", Role::kAdmin);
  Invitation inv;
  inv.token_hash = "inv-hash";
  inv.role = Role::kExpert;
  inv.created_by = admin;
  inv.created_ms = 1000;
  inv.expires_ms = 100000;
  ASSERT_OK(store().CreateInvitation(inv).status());
  EXPECT_EQ(store().CreateInvitation(inv).status().code(), StatusCode::kInvalidArgument);

  constexpr int kThreads = 8;
  std::vector<Result<int64_t>> results(kThreads, Status::Internal("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      NewAccount a{"invitee" + std::to_string(t), "I", Role::kAdmin, "h", 0, 0};
      results[t] = store().RedeemInvitation("inv-hash", a, 2000);
    });
  }
  for (std::thread& th : threads) th.join();
  int winners = 0;
  int64_t winner_id = 0;
  for (const Result<int64_t>& r : results) {
    if (r.ok()) {
      ++winners;
      winner_id = *r;
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
      EXPECT_NE(r.status().message().find("already used"), std::string::npos);
    }
  }
  ASSERT_EQ(winners, 1);
  ASSERT_OK_AND_ASSIGN(Account a, store().GetAccount(winner_id));
  EXPECT_EQ(a.role, Role::kExpert) << "the role comes from the invitation, not the request";
  ASSERT_OK_AND_ASSIGN(std::vector<Account> all, store().ListAccounts(std::nullopt));
  EXPECT_EQ(all.size(), 2u) << "losers must not leave accounts behind";
}

TEST_P(StoreTest, ExpiredAndUnknownInvitationsAreRefused) {
  Invitation inv;
  inv.token_hash = "old";
  inv.role = Role::kUser;
  inv.created_ms = 0;
  inv.expires_ms = 1000;
  ASSERT_OK(store().CreateInvitation(inv).status());
  Result<int64_t> late =
      store().RedeemInvitation("old", {"late", "L", Role::kUser, "h", 0, 0}, 1000);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(late.status().message().find("expired"), std::string::npos);
  EXPECT_EQ(store().RedeemInvitation("nope", {"x", "X", Role::kUser, "h", 0, 0}, 0).status().code(),
            StatusCode::kNotFound);
  // A redeem that fails on the account (taken name) leaves the invitation usable.
  MakeAccount("taken", Role::kUser);
  inv.token_hash = "fresh";
  inv.expires_ms = 10000;
  ASSERT_OK(store().CreateInvitation(inv).status());
  EXPECT_EQ(
      store().RedeemInvitation("fresh", {"taken", "T", Role::kUser, "h", 0, 0}, 5).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_TRUE(store().RedeemInvitation("fresh", {"other", "O", Role::kUser, "h", 0, 0}, 5).ok());
}

TEST_P(StoreTest, DeleteAccountSessionsKeepsOneOrNone) {
  int64_t user = MakeAccount("u", Role::kUser);
  int64_t other = MakeAccount("o", Role::kUser);
  for (const char* hash : {"a1", "a2", "a3"}) {
    ASSERT_OK(store().CreateSession({hash, user, "c", 0, 9000}));
  }
  ASSERT_OK(store().CreateSession({"o1", other, "c", 0, 9000}));
  ASSERT_OK_AND_ASSIGN(int64_t removed, store().DeleteAccountSessions(user, "a2"));
  EXPECT_EQ(removed, 2);
  EXPECT_TRUE(store().GetSession("a2", 0).ok());
  EXPECT_EQ(store().GetSession("a1", 0).status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(removed, store().DeleteAccountSessions(user, ""));
  EXPECT_EQ(removed, 1);
  EXPECT_EQ(store().GetSession("a2", 0).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store().GetSession("o1", 0).ok());  // other accounts untouched
}

TEST_P(StoreTest, GetInvitationShowsRoleExpiryAndRedemption) {
  int64_t admin = MakeAccount("admin", Role::kAdmin);
  Invitation inv;
  inv.token_hash = "peek";
  inv.role = Role::kExpert;
  inv.created_by = admin;
  inv.created_ms = 10;
  inv.expires_ms = 5000;
  ASSERT_OK_AND_ASSIGN(int64_t id, store().CreateInvitation(inv));
  ASSERT_OK_AND_ASSIGN(Invitation fresh, store().GetInvitation("peek"));
  EXPECT_EQ(fresh.id, id);
  EXPECT_EQ(fresh.role, Role::kExpert);
  EXPECT_EQ(fresh.created_by, admin);
  EXPECT_EQ(fresh.expires_ms, 5000);
  EXPECT_EQ(fresh.redeemed_by, 0);
  EXPECT_EQ(fresh.team_id, 0);
  ASSERT_OK_AND_ASSIGN(int64_t account,
                       store().RedeemInvitation("peek", {"e1", "E", Role::kUser, "h", 0, 0}, 20));
  ASSERT_OK_AND_ASSIGN(Invitation used, store().GetInvitation("peek"));
  EXPECT_EQ(used.redeemed_by, account);
  EXPECT_EQ(used.redeemed_ms, 20);
  EXPECT_EQ(store().GetInvitation("nope").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreTest, AuditLogAppendsInOrder) {
  int64_t admin = MakeAccount("admin", Role::kAdmin);
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(store()
                  .AppendAudit({0, admin, "invite.create", "invitation:" + std::to_string(i),
                                "{\"role\":\"expert\"}", 100 + i})
                  .status());
  }
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> first, store().ListAudit(0, 3));
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].target, "invitation:0");
  EXPECT_EQ(first[2].at_ms, 102);
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> rest, store().ListAudit(first.back().id, 10));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[1].target, "invitation:4");
  EXPECT_EQ(rest[1].actor_id, admin);
  EXPECT_EQ(rest[1].detail, "{\"role\":\"expert\"}");
}

TEST_P(StoreTest, TeamsKeepTheirConsortiumAndNamesAreUnique) {
  ASSERT_OK_AND_ASSIGN(int64_t kaist, store().CreateOrganisation("KAIST"));
  ASSERT_OK_AND_ASSIGN(int64_t lg, store().CreateOrganisation("LG AI Research"));
  Result<int64_t> dup = store().CreateOrganisation("KAIST");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("organisation 'KAIST' already exists"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(int64_t team,
                       store().CreateTeam({0, "Team Upstage", "Team C", {kaist, lg}}));
  ASSERT_OK_AND_ASSIGN(Team t, store().GetTeam(team));
  EXPECT_EQ(t.name, "Team Upstage");
  EXPECT_EQ(t.anonymous_label, "Team C");
  EXPECT_EQ(t.organisation_ids, (std::vector<int64_t>{kaist, lg}));
  Result<int64_t> same_label = store().CreateTeam({0, "Other", "Team C", {}});
  EXPECT_EQ(same_label.status().code(), StatusCode::kInvalidArgument);
  // A bad organisation id rolls the whole team back.
  EXPECT_FALSE(store().CreateTeam({0, "Ghost", "Team G", {kaist + 999}}).ok());
  ASSERT_OK_AND_ASSIGN(std::vector<Team> teams, store().ListTeams());
  ASSERT_EQ(teams.size(), 1u);
  ASSERT_OK_AND_ASSIGN(std::vector<Organisation> orgs, store().ListOrganisations());
  EXPECT_EQ(orgs.size(), 2u);

  ASSERT_OK(
      store()
          .AddMaterial({0, team, "Tech report", "application/pdf", "ab12", "blob/ab12", 4096, 7})
          .status());
  ASSERT_OK_AND_ASSIGN(std::vector<Material> mats, store().ListMaterials(team));
  ASSERT_EQ(mats.size(), 1u);
  EXPECT_EQ(mats[0].title, "Tech report");
  EXPECT_EQ(mats[0].size_bytes, 4096);
}

Rubric SampleRubric() {
  Rubric r;
  r.name = "Stage 1 experts";
  r.criteria.push_back({0, "originality", "독창성", "Originality", "모델이 독자적으로 개발되었는가",
                        "Was the model developed independently?", 1, 5});
  r.criteria.push_back(
      {0, "utility", "활용성", "Utility", "산업 활용 가능성", "Industrial use", 1, 10});
  return r;
}

TEST_P(StoreTest, RubricsRoundTripKoreanTextAndRejectDuplicateCriteria) {
  ASSERT_OK_AND_ASSIGN(Rubric created, store().CreateRubric(SampleRubric()));
  ASSERT_OK_AND_ASSIGN(Rubric got, store().GetRubric(created.id));
  ASSERT_EQ(got.criteria.size(), 2u);
  EXPECT_EQ(got.criteria[0].name_ko, "독창성");
  EXPECT_EQ(got.criteria[0].description_ko, "모델이 독자적으로 개발되었는가");
  EXPECT_EQ(got.criteria[1].key, "utility");
  EXPECT_EQ(got.criteria[1].scale_max, 10);
  EXPECT_EQ(got.criteria[1].id, created.criteria[1].id);

  Rubric bad = SampleRubric();
  bad.name = "Broken";
  bad.criteria.push_back(bad.criteria[0]);
  Result<Rubric> dup = store().CreateRubric(bad);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("'originality' appears twice"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(std::vector<Rubric> rubrics, store().ListRubrics());
  EXPECT_EQ(rubrics.size(), 1u) << "the failed rubric must be rolled back";
}

// Two teams, two experts; expert "conflicted" works for team A's consortium.
struct ExpertWorld {
  int64_t rubric = 0;
  std::vector<int64_t> criteria;
  int64_t team_a = 0;
  int64_t team_b = 0;
  int64_t free_expert = 0;
  int64_t conflicted = 0;
};

ExpertWorld MakeExpertWorld(StoreFixture& f, Store& s) {
  ExpertWorld w;
  Rubric r = s.CreateRubric(SampleRubric()).value();
  w.rubric = r.id;
  for (const Criterion& c : r.criteria) w.criteria.push_back(c.id);
  int64_t org_a = s.CreateOrganisation("Org A").value();
  int64_t org_b = s.CreateOrganisation("Org B").value();
  w.team_a = s.CreateTeam({0, "Alpha", "Team 1", {org_a}}).value();
  w.team_b = s.CreateTeam({0, "Beta", "Team 2", {org_b}}).value();
  w.free_expert = f.MakeAccountPublic("free", Role::kExpert);
  w.conflicted = f.MakeAccountPublic("conflicted", Role::kExpert);
  EXPECT_TRUE(s.AddAffiliation(w.conflicted, org_a).ok());
  return w;
}

TEST_P(StoreTest, AssignmentsRespectConflictsOfInterest) {
  ExpertWorld w = MakeExpertWorld(*this, store());
  ASSERT_OK_AND_ASSIGN(std::vector<Account> eligible_a, store().ListEligibleExperts(w.team_a));
  ASSERT_EQ(eligible_a.size(), 1u);
  EXPECT_EQ(eligible_a[0].username, "free");
  ASSERT_OK_AND_ASSIGN(std::vector<Account> eligible_b, store().ListEligibleExperts(w.team_b));
  EXPECT_EQ(eligible_b.size(), 2u);

  Result<int64_t> coi = store().AssignExpert(w.rubric, w.conflicted, w.team_a, 10);
  ASSERT_FALSE(coi.ok());
  EXPECT_EQ(coi.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(coi.status().message().find("conflict of interest"), std::string::npos);
  EXPECT_NE(coi.status().message().find("Org A"), std::string::npos);
  ASSERT_OK(store().AssignExpert(w.rubric, w.conflicted, w.team_b, 10).status());
  ASSERT_OK(store().AssignExpert(w.rubric, w.free_expert, w.team_a, 10).status());
  EXPECT_EQ(store().AssignExpert(w.rubric, w.free_expert, w.team_a, 11).status().code(),
            StatusCode::kInvalidArgument);
  int64_t user = MakeAccount("plain", Role::kUser);
  EXPECT_EQ(store().AssignExpert(w.rubric, user, w.team_a, 10).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(std::vector<Assignment> mine, store().ListAssignments(w.conflicted));
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].team_id, w.team_b);
}

TEST_P(StoreTest, DraftsAreEditableUntilSubmitAndSubmitHappensOnce) {
  ExpertWorld w = MakeExpertWorld(*this, store());
  ASSERT_OK_AND_ASSIGN(int64_t asg, store().AssignExpert(w.rubric, w.free_expert, w.team_a, 10));
  ASSERT_OK(store().SaveDraftScores(asg, {{w.criteria[0], 3, "draft"}}, 20));
  Status incomplete = store().SubmitScores(asg, 25);
  EXPECT_EQ(incomplete.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(incomplete.message().find("'utility' has no score"), std::string::npos);
  ASSERT_OK(
      store().SaveDraftScores(asg, {{w.criteria[0], 4, "revised"}, {w.criteria[1], 9, ""}}, 30));
  Status out_of_scale = store().SaveDraftScores(asg, {{w.criteria[0], 6, ""}}, 31);
  EXPECT_EQ(out_of_scale.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out_of_scale.message().find("outside [1, 5]"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(std::vector<CriterionScore> scores, store().GetScores(asg));
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_EQ(scores[0].score, 4);
  EXPECT_EQ(scores[0].comment, "revised");

  ASSERT_OK(store().SubmitScores(asg, 40));
  Status again = store().SubmitScores(asg, 41);
  EXPECT_EQ(again.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(again.message().find("already submitted"), std::string::npos);
  EXPECT_EQ(store().SaveDraftScores(asg, {{w.criteria[0], 1, ""}}, 50).code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(Assignment a, store().GetAssignment(asg));
  EXPECT_EQ(a.submitted_ms, 40);
  ASSERT_OK_AND_ASSIGN(scores, store().GetScores(asg));
  EXPECT_EQ(scores[0].score, 4) << "a refused draft must not change a submitted score";
  EXPECT_EQ(store().SubmitScores(asg + 100, 1).code(), StatusCode::kNotFound);
}

TEST_P(StoreTest, ExportHoldsOnlySubmittedScoresAndTheRosterHasAffiliations) {
  ExpertWorld w = MakeExpertWorld(*this, store());
  ASSERT_OK_AND_ASSIGN(int64_t done, store().AssignExpert(w.rubric, w.free_expert, w.team_a, 1));
  ASSERT_OK_AND_ASSIGN(int64_t draft, store().AssignExpert(w.rubric, w.conflicted, w.team_b, 1));
  ASSERT_OK(store().SaveDraftScores(done, {{w.criteria[0], 5, ""}, {w.criteria[1], 7, ""}}, 2));
  ASSERT_OK(store().SaveDraftScores(draft, {{w.criteria[0], 1, ""}, {w.criteria[1], 1, ""}}, 2));
  ASSERT_OK(store().SubmitScores(done, 3));
  ASSERT_OK_AND_ASSIGN(std::vector<ScoreExportRow> rows, store().ExportScores(w.rubric));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].expert, "free");
  EXPECT_EQ(rows[0].team, "Alpha");
  EXPECT_EQ(rows[0].criterion, "originality");
  EXPECT_EQ(rows[0].score, 5);
  EXPECT_EQ(rows[1].criterion, "utility");
  EXPECT_EQ(rows[1].score, 7);
  ASSERT_OK_AND_ASSIGN(std::vector<RosterEntry> roster, store().ExpertRoster());
  ASSERT_EQ(roster.size(), 2u);
  EXPECT_EQ(roster[0].expert, "conflicted");
  EXPECT_EQ(roster[0].affiliations, (std::vector<std::string>{"Org A"}));
  EXPECT_TRUE(roster[1].affiliations.empty());
}

TEST_P(StoreTest, ConcurrentSubmitsOfOneAssignmentHaveOneWinner) {
  ExpertWorld w = MakeExpertWorld(*this, store());
  ASSERT_OK_AND_ASSIGN(int64_t asg, store().AssignExpert(w.rubric, w.free_expert, w.team_a, 1));
  ASSERT_OK(store().SaveDraftScores(asg, {{w.criteria[0], 5, ""}, {w.criteria[1], 7, ""}}, 2));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      if (store().SubmitScores(asg, 100 + t).ok()) ++ok;
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(ok.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

// SQLite-only: the schema_version table is edited behind the store's back.
TEST(SqliteStoreMigrations, RefusesADatabaseFromANewerDokja) {
  const std::string path =
      ::testing::TempDir() + "/store_newer_" + std::to_string(getpid()) + ".db";
  std::remove(path.c_str());
  ASSERT_TRUE(OpenSqliteStore(path).ok());
  {
    auto db = SqliteDb::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_OK((*db)->Exec("INSERT INTO schema_version VALUES(999, 0)"));
  }
  Result<std::unique_ptr<Store>> again = OpenSqliteStore(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(again.status().message().find("schema version 999 is newer"), std::string::npos)
      << again.status().message();
}

TEST(OpenStore, RoutesUrlsAndRejectsOthers) {
  const std::string path = ::testing::TempDir() + "/store_url_" + std::to_string(getpid()) + ".db";
  std::remove(path.c_str());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> s, OpenStore("sqlite:" + path));
  EXPECT_EQ(s->backend(), "sqlite");
  EXPECT_EQ(OpenStore("mysql://x/y").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenStore(":memory:").status().code(), StatusCode::kInvalidArgument);
#ifdef DOKJA_HAVE_POSTGRES
  // Nothing listens on port 1: a clear Unavailable, not a hang or a crash.
  Result<std::unique_ptr<Store>> dead =
      OpenStore("postgresql://127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.status().code(), StatusCode::kUnavailable) << dead.status().ToString();
#else
  EXPECT_EQ(OpenStore("postgresql://127.0.0.1/x").status().code(), StatusCode::kUnsupported);
#endif
}

}  // namespace
}  // namespace dokja::store
