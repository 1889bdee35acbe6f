// The App's wrapper and the log-in routes, over a real server on loopback.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

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

TEST(WebSession, LogInIssuesANewTokenAndNeverAdoptsOne) {
  auto server = TestServer::Start();
  server->CreateAccount("alice", store::Role::kUser);
  TestClient client(server->port());
  const std::string planted(64, 'a');  // an attacker-chosen cookie
  client.session_cookie = planted;
  ASSERT_EQ(client.Login("alice").status, 200);
  EXPECT_NE(client.session_cookie, planted);
  TestClient attacker(server->port());
  attacker.session_cookie = planted;
  EXPECT_EQ(attacker.Get("/api/me").status, 401);
  // A second log-in replaces the session; the first token stops working.
  const std::string first = client.session_cookie;
  const std::string first_csrf = client.csrf;
  ASSERT_EQ(client.Login("alice").status, 200);
  EXPECT_NE(client.session_cookie, first);
  EXPECT_NE(client.csrf, first_csrf);
  TestClient stale(server->port());
  stale.session_cookie = first;
  EXPECT_EQ(stale.Get("/api/me").status, 401);
  EXPECT_EQ(client.Get("/api/me").status, 200);
}

TEST(WebSession, LogOutKillsTheSessionOnTheServer) {
  auto server = TestServer::Start();
  server->CreateAccount("alice", store::Role::kUser);
  TestClient client(server->port());
  ASSERT_EQ(client.Login("alice").status, 200);
  TestClient copy(server->port());
  copy.session_cookie = client.session_cookie;
  ASSERT_EQ(copy.Get("/api/me").status, 200);  // now cached too
  Reply out = client.Post("/api/logout");
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_TRUE(client.session_cookie.empty());
  EXPECT_EQ(copy.Get("/api/me").status, 401);
}

TEST(WebSession, ExpiresAfterItsTtl) {
  WebOptions options;
  options.session_ttl_ms = 60 * 1000;
  auto server = TestServer::Start(options);
  std::atomic<int64_t> now{1'000'000};
  server->app().SetClock([&now] { return now.load(); });
  server->CreateAccount("alice", store::Role::kUser);
  TestClient client(server->port());
  ASSERT_EQ(client.Login("alice").status, 200);
  now += 59 * 1000;
  EXPECT_EQ(client.Get("/api/me").status, 200);
  now += 1000;
  Reply expired = client.Get("/api/me");
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.json["error"]["code"], "unauthenticated");
}

TEST(WebSession, DisablingAnAccountEndsItsSessions) {
  auto server = TestServer::Start();
  server->CreateAccount("root", store::Role::kAdmin);
  const int64_t alice = server->CreateAccount("alice", store::Role::kUser);
  TestClient admin(server->port()), user(server->port());
  ASSERT_EQ(admin.Login("root").status, 200);
  ASSERT_EQ(user.Login("alice").status, 200);
  ASSERT_EQ(user.Get("/api/me").status, 200);
  Reply off = admin.Post("/api/admin/accounts/" + std::to_string(alice) + "/disable",
                         {{"disabled", true}});
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(user.Get("/api/me").status, 401);
  EXPECT_EQ(user.Login("alice").status, 403);
}

TEST(WebCsrf, SignedInPostWithoutOrWithWrongTokenIs403) {
  auto server = TestServer::Start();
  server->CreateAccount("alice", store::Role::kUser);
  TestClient client(server->port());
  ASSERT_EQ(client.Login("alice").status, 200);
  Reply missing = client.Send("POST", "/api/logout", "{}", "application/json", {}, false);
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.json["error"]["code"], "forbidden");
  Reply wrong = client.Send("POST", "/api/logout", "{}", "application/json",
                            {{"X-CSRF-Token", std::string(64, '0')}}, false);
  EXPECT_EQ(wrong.status, 403);
  // X-Requested-With does not stand in for the token on a signed-in route.
  Reply xrw = client.Send("POST", "/api/logout", "{}", "application/json",
                          {{"X-Requested-With", "dokja"}}, false);
  EXPECT_EQ(xrw.status, 403);
  EXPECT_EQ(client.Get("/api/me").status, 200);  // still signed in
}

TEST(WebCsrf, LogInWithoutRequestedWithHeaderIs403) {
  auto server = TestServer::Start();
  server->CreateAccount("alice", store::Role::kUser);
  TestClient client(server->port());
  Reply reply = client.Send("POST", "/api/login",
                            R"({"username":"alice","password":"correct horse battery"})",
                            "application/x-www-form-urlencoded", {}, false);
  EXPECT_EQ(reply.status, 403);
  EXPECT_TRUE(client.session_cookie.empty());
}

TEST(WebLimits, AddressLimitAnswers429WithRetryAfter) {
  WebOptions options;
  options.address_rate = 0.5;
  options.address_burst = 3;
  auto server = TestServer::Start(options);
  TestClient client(server->port());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.Get("/health").status, 200);
  Reply limited = client.Get("/health");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.json["error"]["code"], "rate_limited");
  auto retry = limited.headers.find("Retry-After");
  ASSERT_NE(retry, limited.headers.end());
  EXPECT_EQ(retry->second, "2");
}

TEST(WebLimits, ForwardedForKeysTheLimitOnlyBehindATrustedProxy) {
  for (bool trust : {false, true}) {
    WebOptions options;
    options.address_rate = 0.01;
    options.address_burst = 2;
    options.trust_proxy = trust;
    auto server = TestServer::Start(options);
    TestClient client(server->port());
    auto from = [&client](const std::string& address) {
      return client.Send("GET", "/health", "", "", {{"X-Forwarded-For", "10.9.9.9, " + address}},
                         false).status;
    };
    EXPECT_EQ(from("10.0.0.1"), 200);
    EXPECT_EQ(from("10.0.0.1"), 200);
    EXPECT_EQ(from("10.0.0.1"), 429);
    // Another client behind the proxy has its own budget; without trust the
    // header is ignored and everyone is 127.0.0.1.
    EXPECT_EQ(from("10.0.0.2"), trust ? 200 : 429) << "trust_proxy=" << trust;
  }
}

TEST(WebLimits, AccountLimitAnswers429) {
  WebOptions options;
  options.account_rate = 0.1;
  options.account_burst = 2;
  auto server = TestServer::Start(options);
  server->CreateAccount("alice", store::Role::kUser);
  TestClient client(server->port());
  ASSERT_EQ(client.Login("alice").status, 200);  // public: not on the account's budget
  EXPECT_EQ(client.Get("/api/me").status, 200);
  EXPECT_EQ(client.Get("/api/me").status, 200);
  Reply limited = client.Get("/api/me");
  EXPECT_EQ(limited.status, 429);
  EXPECT_NE(limited.headers.find("Retry-After"), limited.headers.end());
  // Another account has its own budget.
  server->CreateAccount("bob", store::Role::kUser);
  TestClient other(server->port());
  ASSERT_EQ(other.Login("bob").status, 200);
  EXPECT_EQ(other.Get("/api/me").status, 200);
}

TEST(WebLimits, FailedLogInsThrottleTheAddress) {
  WebOptions options;
  options.login_rate = 0.01;
  options.login_burst = 3;
  auto server = TestServer::Start(options);
  server->CreateAccount("alice", store::Role::kUser);
  TestClient client(server->port());
  ASSERT_EQ(client.Login("alice").status, 200);  // successes do not count
  ASSERT_EQ(client.Login("alice").status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.Login("alice", "wrong password").status, 401);
  Reply limited = client.Login("alice");  // even the right password waits now
  EXPECT_EQ(limited.status, 429);
  EXPECT_NE(limited.headers.find("Retry-After"), limited.headers.end());
}

TEST(WebBodies, MalformedJsonIs400Json) {
  auto server = TestServer::Start();
  TestClient client(server->port());
  const std::multimap<std::string, std::string> none;
  for (const std::string body : {"{not json", "[1,2]", "\"just a string\"", "", "{\"username\":5}",
                                 "{\"username\":\"a\"}", "\xff\xfe{"}) {
    Reply reply = client.Send("POST", "/api/login", body, "application/json", none, true);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_EQ(reply.json["error"]["code"], "invalid") << body;
  }
}

TEST(WebBodies, OversizedBodyIs413Json) {
  auto server = TestServer::Start();
  TestClient client(server->port());
  const std::string huge(2 << 20, 'x');
  Reply reply = client.Send("POST", "/api/login", huge, "application/json", {}, true);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.json["error"]["code"], "payload_too_large");
}

TEST(WebOps, HealthNamesStoreAndSchema) {
  auto server = TestServer::Start();
  TestClient client(server->port());
  Reply health = client.Get("/health");
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(health.json["status"], "ok");
  EXPECT_EQ(health.json["store"], "sqlite");
  EXPECT_GE(health.json["schema"].get<int64_t>(), 1);
}

TEST(WebOps, MetricsCountRequestsByRouteAndStatus) {
  auto server = TestServer::Start();
  server->CreateAccount("alice", store::Role::kUser);
  TestClient client(server->port());
  ASSERT_EQ(client.Login("alice").status, 200);
  ASSERT_EQ(client.Login("alice", "wrong password").status, 401);
  ASSERT_EQ(client.Get("/api/nope").status, 404);
  server->app().metrics().Add("custom events", 3);
  Reply metrics = client.Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::string& text = metrics.body;
  EXPECT_NE(text.find("dokja_http_requests_total{route=\"accounts.login\",status=\"200\"} 1"),
            std::string::npos) << text;
  EXPECT_NE(text.find("dokja_http_requests_total{route=\"accounts.login\",status=\"401\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("dokja_http_requests_total{route=\"unmatched\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("dokja_http_request_duration_seconds_bucket{route=\"accounts.login\",le=\"+Inf\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("dokja_http_request_duration_seconds_count{route=\"accounts.login\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("dokja_custom_events_total 3"), std::string::npos);
  EXPECT_NE(text.find("dokja_login_failures_total 1"), std::string::npos);
}

TEST(WebApp, StopFinishesAndListenReturns) {
  auto server = TestServer::Start();
  TestClient client(server->port());
  ASSERT_EQ(client.Get("/health").status, 200);
  const int port = server->port();
  server->app().Stop();
  server.reset();  // joins the serving thread: would hang if Stop did not work
  TestClient late(port);
  EXPECT_EQ(late.Get("/health").status, 0);  // nobody listens any more
}

}  // namespace
}  // namespace dokja::web
