// The App's wrapper and the log-in routes, over a real server on loopback.
#include <gtest/gtest.h>

#include "web/web_test_util.h"

namespace dokja::web {
namespace {

using testing::Reply;
using testing::TestClient;
using testing::TestServer;

TEST(WebLogin, GoodPasswordSignsInAndMeAnswers) {
  auto server = TestServer::Start();
  const int64_t id = server->CreateAccount("alice", store::Role::kExpert);
  TestClient client(server->port());
  Reply login = client.Login("alice");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.json["account"]["id"], id);
  EXPECT_EQ(login.json["account"]["role"], "expert");
  EXPECT_FALSE(login.json["account"].contains("password_hash"));
  EXPECT_EQ(client.session_cookie.size(), 64u);
  EXPECT_EQ(client.csrf.size(), 64u);
  Reply me = client.Get("/api/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json["account"]["username"], "alice");
  EXPECT_EQ(me.json["csrf"], client.csrf);
}

TEST(WebLogin, CookieIsHttpOnlyAndSameSiteStrict) {
  auto server = TestServer::Start();
  server->CreateAccount("alice", store::Role::kUser);
  TestClient client(server->port());
  Reply login = client.Login("alice");
  ASSERT_EQ(login.status, 200);
  auto it = login.headers.find("Set-Cookie");
  ASSERT_NE(it, login.headers.end());
  EXPECT_NE(it->second.find("HttpOnly"), std::string::npos);
  EXPECT_NE(it->second.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(it->second.find("Path=/"), std::string::npos);
  EXPECT_EQ(it->second.find("Secure"), std::string::npos);
}

TEST(WebLogin, WrongPasswordAndUnknownUserAre401) {
  auto server = TestServer::Start();
  server->CreateAccount("alice", store::Role::kUser);
  TestClient client(server->port());
  Reply wrong = client.Login("alice", "not the password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json["error"]["code"], "unauthenticated");
  EXPECT_TRUE(client.session_cookie.empty());
  Reply unknown = client.Login("bob");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(client.Get("/api/me").status, 401);
}

TEST(WebLogin, SignedOutMeIs401Json) {
  auto server = TestServer::Start();
  TestClient client(server->port());
  Reply me = client.Get("/api/me");
  EXPECT_EQ(me.status, 401);
  EXPECT_EQ(me.json["error"]["code"], "unauthenticated");
}

TEST(WebApp, UnknownRouteIs404Json) {
  auto server = TestServer::Start();
  TestClient client(server->port());
  Reply reply = client.Get("/api/no/such/route");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.json["error"]["code"], "not_found");
}

}  // namespace
}  // namespace dokja::web
