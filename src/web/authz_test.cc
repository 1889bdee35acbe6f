// The authorisation matrix: every registered route (whatever group added
// it) against every role and a signed-out caller, and CSRF on every route
// that changes state. Routes come from App::routes(), so a new route is
// covered the moment it is registered.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "web/web_test_util.h"

namespace dokja::web {
namespace {

using testing::Reply;
using testing::TestClient;
using testing::TestServer;

// A concrete path for a route pattern: each capture group becomes "1", and
// escaped characters lose their backslash.
std::string ConcretePath(const std::string& pattern) {
  std::string out;
  int depth = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      if (depth == 0) out += pattern[i + 1];
      ++i;
    } else if (c == '(') {
      if (depth++ == 0) out += '1';
    } else if (c == ')') {
      --depth;
    } else if (depth == 0 && c != '^' && c != '$') {
      out += c;
    }
  }
  return out;
}

struct Identity {
  std::string name;  // username, "" for signed out
  store::Role role;
};

class AuthorisationMatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    WebOptions options;
    options.address_rate = 0;
    options.account_rate = 0;
    server_ = TestServer::Start(options);
    // The admin is account 1, so "/accounts/1/..." paths name a real account.
    server_->CreateAccount("admin", store::Role::kAdmin);
    server_->CreateAccount("expert", store::Role::kExpert);
    server_->CreateAccount("user", store::Role::kUser);
    server_->CreateAccount("team", store::Role::kTeam);
  }

  // A fresh client signed in as `who` (every request gets its own session, so
  // a log-out or a password change on one route cannot disturb the next).
  std::unique_ptr<TestClient> ClientFor(const Identity& who) {
    auto client = std::make_unique<TestClient>(server_->port());
    if (!who.name.empty()) {
      Reply login = client->Login(who.name);
      EXPECT_EQ(login.status, 200) << who.name << ": " << login.body;
    }
    return client;
  }

  Reply Call(TestClient& client, const Route& route, bool with_csrf) {
    const std::string body = route.method == "GET" ? "" : "{}";
    return client.Send(route.method, ConcretePath(route.pattern), body,
                       route.method == "GET" ? "" : "application/json", {}, with_csrf);
  }

  std::unique_ptr<TestServer> server_;
};

TEST(AuthorisationPaths, GroupsBecomeOne) {
  EXPECT_EQ(ConcretePath(R"(/api/admin/accounts/(\d+)/disable)"), "/api/admin/accounts/1/disable");
  EXPECT_EQ(ConcretePath(R"(/api/invitations/([^/]+)/redeem)"), "/api/invitations/1/redeem");
  EXPECT_EQ(ConcretePath(R"(/static/(.+\.(js|css)))"), "/static/1");
  EXPECT_EQ(ConcretePath("/api/me"), "/api/me");
}

TEST_F(AuthorisationMatrix, EveryRouteAnswers401Or403ExactlyForCallersOutsideItsRoles) {
  const std::vector<Identity> identities = {{"", store::Role::kAdmin},
                                            {"admin", store::Role::kAdmin},
                                            {"expert", store::Role::kExpert},
                                            {"user", store::Role::kUser},
                                            {"team", store::Role::kTeam}};
  const std::vector<Route>& routes = server_->app().routes();
  ASSERT_GE(routes.size(), 17u);  // the accounts group alone
  for (const Route& route : routes) {
    for (const Identity& who : identities) {
      auto client = ClientFor(who);
      Reply reply = Call(*client, route, /*with_csrf=*/true);
      const std::string where = route.method + " " + route.pattern + " (" + route.name + ") as " +
                                (who.name.empty() ? "signed out" : who.name);
      ASSERT_NE(reply.status, 0) << where << ": no answer";
      // 503: a group without its configuration (the arena without --arena).
      EXPECT_TRUE(reply.status < 500 || reply.status == 503) << where << ": " << reply.body;
      const bool allowed = route.roles == kPublic || (!who.name.empty() && (route.roles & Bit(who.role)));
      if (allowed) {
        EXPECT_NE(reply.status, 401) << where << ": " << reply.body;
        EXPECT_NE(reply.status, 403) << where << ": " << reply.body;
      } else {
        EXPECT_EQ(reply.status, who.name.empty() ? 401 : 403) << where << ": " << reply.body;
        if (ConcretePath(route.pattern).rfind("/api/", 0) == 0) {
          EXPECT_TRUE(reply.json.is_object() && reply.json.contains("error")) << where;
        }
      }
    }
  }
  // The signed-in identities are still who they were: nothing above changed
  // a role or disabled an account.
  for (size_t i = 1; i < identities.size(); ++i) {
    auto client = ClientFor(identities[i]);
    EXPECT_EQ(client->Get("/api/me").status, 200) << identities[i].name;
  }
}

TEST_F(AuthorisationMatrix, EveryStateChangeWithoutCsrfIs403) {
  const std::vector<Identity> by_role = {{"admin", store::Role::kAdmin},
                                         {"expert", store::Role::kExpert},
                                         {"user", store::Role::kUser},
                                         {"team", store::Role::kTeam}};
  int checked = 0;
  for (const Route& route : server_->app().routes()) {
    if (route.method == "GET") continue;
    // Signed in with a role the route admits (public routes: as the admin).
    const Identity* who = &by_role[0];
    for (const Identity& candidate : by_role) {
      if (route.roles & Bit(candidate.role)) {
        who = &candidate;
        break;
      }
    }
    auto client = ClientFor(*who);
    Reply missing = Call(*client, route, /*with_csrf=*/false);
    EXPECT_EQ(missing.status, 403) << route.name << " without a token: " << missing.body;
    Reply wrong = client->Send(route.method, ConcretePath(route.pattern), "{}", "application/json",
                               {{"X-CSRF-Token", std::string(64, '0')}}, false);
    EXPECT_EQ(wrong.status, 403) << route.name << " with a wrong token: " << wrong.body;
    TestClient signed_out(server_->port());
    Reply anonymous = Call(signed_out, route, /*with_csrf=*/false);
    EXPECT_EQ(anonymous.status, route.roles == kPublic ? 403 : 401) << route.name;
    ++checked;
  }
  EXPECT_GE(checked, 9);
}

}  // namespace
}  // namespace dokja::web
