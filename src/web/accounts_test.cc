// Accounts and administration over a real server: invitations (single use,
// also under concurrent redeem), password change, organisations, teams,
// affiliations, the audit log, and hostile strings stored verbatim.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "web/web_test_util.h"

namespace dokja::web {
namespace {

using testing::Json;
using testing::Reply;
using testing::TestClient;
using testing::TestServer;

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WebOptions options;
    options.address_rate = 0;  // many requests from one address
    server_ = TestServer::Start(options);
    admin_id_ = server_->CreateAccount("root", store::Role::kAdmin);
    admin_ = std::make_unique<TestClient>(server_->port());
    ASSERT_EQ(admin_->Login("root").status, 200);
  }

  std::string Invite(const std::string& role) {
    Reply reply = admin_->Post("/api/invitations", {{"role", role}});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json.value("token", "");
  }

  std::vector<Json> AuditEntries() {
    Reply reply = admin_->Get("/api/admin/audit?after=0&limit=1000");
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json["entries"].get<std::vector<Json>>();
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<TestClient> admin_;
  int64_t admin_id_ = 0;
};

TEST_F(AccountsTest, InvitationRedeemsOnceAndSignsIn) {
  Reply created = admin_->Post("/api/invitations", {{"role", "expert"}});
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string token = created.json["token"];
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(created.json["url"], "/#/invite/" + token);
  TestClient guest(server_->port());
  Reply peek = guest.Get("/api/invitations/" + token);
  ASSERT_EQ(peek.status, 200) << peek.body;
  EXPECT_EQ(peek.json["role"], "expert");
  Reply redeem = guest.Post("/api/invitations/" + token + "/redeem",
                            {{"username", "kim"}, {"display_name", "Dr. Kim"},
                             {"password", "a long passphrase"}});
  ASSERT_EQ(redeem.status, 201) << redeem.body;
  EXPECT_EQ(redeem.json["account"]["role"], "expert");
  EXPECT_EQ(guest.Get("/api/me").json["account"]["display_name"], "Dr. Kim");
  TestClient second(server_->port());
  Reply again = second.Post("/api/invitations/" + token + "/redeem",
                            {{"username", "lee"}, {"password", "a long passphrase"}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(second.Get("/api/invitations/" + token).status, 409);
  EXPECT_EQ(second.Get("/api/invitations/" + std::string(64, 'f')).status, 404);
  // Only the hash is stored: the token is in neither the database nor its WAL.
  for (const char* file : {"/store.db", "/store.db-wal"}) {
    std::ifstream in(server_->dir() + file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(token), std::string::npos) << file;
  }
  TestClient login(server_->port());
  EXPECT_EQ(login.Login("kim", "a long passphrase").status, 200);
}

TEST_F(AccountsTest, ConcurrentRedeemsHaveExactlyOneWinner) {
  const std::string token = Invite("user");
  constexpr int kRacers = 8;
  std::vector<int> statuses(kRacers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      TestClient client(server_->port());
      statuses[i] = client.Post("/api/invitations/" + token + "/redeem",
                                {{"username", "racer" + std::to_string(i)},
                                 {"password", "a long passphrase"}})
                        .status;
    });
  }
  for (auto& t : threads) t.join();
  int wins = 0;
  for (int status : statuses) {
    if (status == 201) ++wins;
    else EXPECT_EQ(status, 409);
  }
  EXPECT_EQ(wins, 1);
  Reply accounts = admin_->Get("/api/admin/accounts");
  EXPECT_EQ(accounts.json["accounts"].size(), 2u);  // root and the winner
}

TEST_F(AccountsTest, ExpiredInvitationIsRefused) {
  std::atomic<int64_t> now{1'000'000};
  server_->app().SetClock([&now] { return now.load(); });
  const std::string token = Invite("user");
  now += server_->app().options().invitation_ttl_ms;
  TestClient guest(server_->port());
  EXPECT_EQ(guest.Get("/api/invitations/" + token).status, 409);
  EXPECT_EQ(guest.Post("/api/invitations/" + token + "/redeem",
                       {{"username", "late"}, {"password", "a long passphrase"}})
                .status,
            409);
}

TEST_F(AccountsTest, RedeemChecksPasswordRulesAndTeamInvitationsNeedATeam) {
  const std::string token = Invite("user");
  TestClient guest(server_->port());
  Reply short_password = guest.Post("/api/invitations/" + token + "/redeem",
                                    {{"username", "x"}, {"password", "short"}});
  EXPECT_EQ(short_password.status, 400);
  EXPECT_EQ(guest.Get("/api/invitations/" + token).status, 200);  // still unused
  EXPECT_EQ(admin_->Post("/api/invitations", {{"role", "team"}}).status, 400);
  EXPECT_EQ(admin_->Post("/api/invitations", {{"role", "team"}, {"team_id", 99}}).status, 404);
  EXPECT_EQ(admin_->Post("/api/invitations", {{"role", "emperor"}}).status, 400);
}

TEST_F(AccountsTest, PasswordChangeNeedsTheOldPassword) {
  server_->CreateAccount("alice", store::Role::kUser);
  TestClient alice(server_->port()), elsewhere(server_->port());
  ASSERT_EQ(alice.Login("alice").status, 200);
  ASSERT_EQ(elsewhere.Login("alice").status, 200);
  EXPECT_EQ(alice.Post("/api/me/password",
                       {{"old_password", "wrong one!"}, {"new_password", "another passphrase"}})
                .status,
            403);
  EXPECT_EQ(alice.Post("/api/me/password",
                       {{"old_password", "correct horse battery"}, {"new_password", "short"}})
                .status,
            400);
  ASSERT_EQ(alice.Post("/api/me/password", {{"old_password", "correct horse battery"},
                                            {"new_password", "another passphrase"}})
                .status,
            200);
  EXPECT_EQ(alice.Get("/api/me").status, 200);      // this session stays
  EXPECT_EQ(elsewhere.Get("/api/me").status, 401);  // the other one ended
  TestClient again(server_->port());
  EXPECT_EQ(again.Login("alice").status, 401);
  EXPECT_EQ(again.Login("alice", "another passphrase").status, 200);
}

TEST_F(AccountsTest, AdminActionsAppendToTheAuditLog) {
  const int64_t expert = server_->CreateAccount("kim", store::Role::kExpert);
  Reply org = admin_->Post("/api/admin/organisations", {{"name", "KAIST"}});
  ASSERT_EQ(org.status, 200) << org.body;
  const int64_t org_id = org.json["id"];
  Reply team = admin_->Post("/api/admin/teams", {{"name", "Team Upstage"},
                                                  {"anonymous_label", "Team C"},
                                                  {"organisation_ids", {org_id}}});
  ASSERT_EQ(team.status, 200) << team.body;
  const std::string path = "/api/admin/accounts/" + std::to_string(expert);
  ASSERT_EQ(admin_->Post(path + "/affiliations", {{"organisation_id", org_id}}).status, 200);
  ASSERT_EQ(admin_->Post(path + "/disable", {{"disabled", true}}).status, 200);
  ASSERT_EQ(admin_->Post(path + "/disable", {{"disabled", false}}).status, 200);
  Invite("expert");
  std::vector<std::string> actions;
  for (const Json& entry : AuditEntries()) {
    EXPECT_EQ(entry["actor_id"], admin_id_);
    actions.push_back(entry["action"]);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"organisation.create", "team.create",
                                               "affiliation.add", "account.disable",
                                               "account.enable", "invitation.create"}));
  Reply teams = admin_->Get("/api/admin/teams");
  ASSERT_EQ(teams.json["teams"].size(), 1u);
  EXPECT_EQ(teams.json["teams"][0]["anonymous_label"], "Team C");
  EXPECT_EQ(teams.json["teams"][0]["organisation_ids"], Json::array({org_id}));
  // Paging: after the third entry, two at most.
  Reply page = admin_->Get("/api/admin/audit?after=" +
                           std::to_string(AuditEntries()[2]["id"].get<int64_t>()) + "&limit=2");
  ASSERT_EQ(page.json["entries"].size(), 2u);
  EXPECT_EQ(page.json["entries"][0]["action"], "account.disable");
  EXPECT_EQ(admin_->Get("/api/admin/audit?limit=abc").status, 400);
}

TEST_F(AccountsTest, DuplicateNamesAre409AndAdminCannotDisableItself) {
  ASSERT_EQ(admin_->Post("/api/admin/organisations", {{"name", "LG"}}).status, 200);
  Reply dup = admin_->Post("/api/admin/organisations", {{"name", "LG"}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.json["error"]["code"], "conflict");
  EXPECT_EQ(admin_->Post("/api/admin/accounts/" + std::to_string(admin_id_) + "/disable",
                         {{"disabled", true}})
                .status,
            409);
  EXPECT_EQ(admin_->Post("/api/admin/accounts/999/disable", {{"disabled", true}}).status, 404);
}

TEST_F(AccountsTest, HostileStringsAreStoredAndReturnedVerbatim) {
  const std::vector<std::string> hostile = {
      "robert'); DROP TABLE accounts;--", "x' OR '1'='1", "\"; DELETE FROM sessions; --",
      "<script>alert(1)</script>", "이름 with 한글 and \\ backslash"};
  for (size_t i = 0; i < hostile.size(); ++i) {
    const std::string token = Invite("user");
    TestClient guest(server_->port());
    Reply redeem = guest.Post("/api/invitations/" + token + "/redeem",
                              {{"username", hostile[i]}, {"display_name", hostile[i]},
                               {"password", "a long passphrase"}});
    ASSERT_EQ(redeem.status, 201) << hostile[i] << ": " << redeem.body;
    TestClient login(server_->port());
    Reply me = login.Login(hostile[i], "a long passphrase");
    ASSERT_EQ(me.status, 200) << hostile[i];
    EXPECT_EQ(me.json["account"]["username"], hostile[i]);
    EXPECT_EQ(me.json["account"]["display_name"], hostile[i]);
    Reply org = admin_->Post("/api/admin/organisations", {{"name", hostile[i]}});
    ASSERT_EQ(org.status, 200) << hostile[i];
  }
  std::set<std::string> names;
  Reply orgs = admin_->Get("/api/admin/organisations");
  for (const Json& org : orgs.json["organisations"]) {
    names.insert(org["name"].get<std::string>());
  }
  EXPECT_EQ(names, std::set<std::string>(hostile.begin(), hostile.end()));
  EXPECT_EQ(admin_->Get("/api/admin/accounts").json["accounts"].size(), hostile.size() + 1);
}

}  // namespace
}  // namespace dokja::web
