#include "web/web_test_util.h"

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "store/sqlite_db.h"
#include "web/auth.h"

namespace dokja::web::testing {
namespace {

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::fprintf(stderr, "TestServer: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::abort();
}

std::string MakeTempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  if (!base || !*base) base = std::getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  std::string pattern = std::string(base) + "/dokja_web_XXXXXX";
  if (!mkdtemp(pattern.data())) Die("mkdtemp " + pattern, Status::IOError("failed"));
  return pattern;
}

}  // namespace

std::unique_ptr<TestServer> TestServer::Start(WebOptions options, std::string store_url) {
  auto server = std::unique_ptr<TestServer>(new TestServer());
  server->dir_ = MakeTempDir();
  options.host = "127.0.0.1";
  options.port = 0;
  options.log_requests = false;
  options.weak_kdf_for_tests = true;
  if (options.materials_dir == WebOptions().materials_dir) {
    options.materials_dir = server->dir_ + "/materials";
  }
  if (store_url.empty()) store_url = "sqlite:" + server->dir_ + "/store.db";
  auto store = store::OpenStore(store_url);
  if (!store.ok()) Die("open store " + store_url, store.status());
  auto app = App::Create(options, std::move(store).value());
  if (!app.ok()) Die("create app", app.status());
  server->app_ = std::move(app).value();
  if (Status st = server->app_->Bind(); !st.ok()) Die("bind", st);
  server->port_ = server->app_->port();
  App* raw = server->app_.get();
  server->thread_ = std::make_unique<std::thread>([raw] {
    if (Status st = raw->Listen(); !st.ok()) Die("listen", st);
  });
  return server;
}

TestServer::~TestServer() {
  if (app_) app_->Stop();
  if (thread_ && thread_->joinable()) thread_->join();
  app_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

int64_t TestServer::CreateAccount(const std::string& username, store::Role role,
                                  const std::string& password, int64_t team_id) {
  auto hash = HashPassword(password, app_->options().weak_kdf_for_tests);
  if (!hash.ok()) Die("hash password", hash.status());
  store::NewAccount account;
  account.username = username;
  account.display_name = username;
  account.role = role;
  account.password_hash = *hash;
  account.team_id = team_id;
  account.created_ms = app_->NowMs();
  auto id = app_->store().CreateAccount(account);
  if (!id.ok()) Die("create account " + username, id.status());
  return *id;
}

struct TestClient::Impl {
  explicit Impl(int port) : client("127.0.0.1", port) {
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    client.set_connection_timeout(5);
    client.set_read_timeout(60);
  }
  httplib::Client client;
};

TestClient::TestClient(int port) : impl_(std::make_unique<Impl>(port)) {}
TestClient::~TestClient() = default;

Reply TestClient::Send(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& content_type,
                       const std::multimap<std::string, std::string>& headers, bool with_csrf) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.body = body;
  for (const auto& [key, value] : headers) req.headers.emplace(key, value);
  if (!content_type.empty() && !req.has_header("Content-Type")) {
    req.headers.emplace("Content-Type", content_type);
  }
  if (!session_cookie.empty()) {
    req.headers.emplace("Cookie", std::string(kSessionCookie) + "=" + session_cookie);
  }
  if (with_csrf) {
    if (!csrf.empty()) req.headers.emplace("X-CSRF-Token", csrf);
    if ((csrf.empty() || session_cookie.empty()) && !req.has_header("X-Requested-With")) {
      req.headers.emplace("X-Requested-With", "dokja");
    }
  }
  Reply reply;
  auto result = impl_->client.send(req);
  if (!result) return reply;
  reply.status = result->status;
  reply.body = result->body;
  for (const auto& [key, value] : result->headers) reply.headers.emplace(key, value);
  reply.json = Json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (reply.json.is_discarded()) reply.json = nullptr;
  // The cookie jar: follow Set-Cookie for the session cookie.
  auto range = result->headers.equal_range("Set-Cookie");
  for (auto it = range.first; it != range.second; ++it) {
    const std::string prefix = std::string(kSessionCookie) + "=";
    if (it->second.rfind(prefix, 0) != 0) continue;
    const size_t end = it->second.find(';');
    session_cookie = it->second.substr(prefix.size(), end - prefix.size());
    if (session_cookie.empty()) csrf.clear();
  }
  if (reply.json.is_object() && reply.json.contains("csrf") && reply.json["csrf"].is_string()) {
    csrf = reply.json["csrf"].get<std::string>();
  }
  return reply;
}

Result<std::vector<std::vector<int64_t>>> InsertReadyBattles(const std::string& sqlite_path,
                                                             const std::vector<int64_t>& users,
                                                             int per_user) {
  DOKJA_ASSIGN_OR_RETURN(auto db, store::SqliteDb::Open(sqlite_path));
  DOKJA_RETURN_IF_ERROR(db->Begin());
  DOKJA_ASSIGN_OR_RETURN(
      auto insert,
      db->Prepare("INSERT INTO battles(user_id, prompt, model_a, model_b, a_on_left, response_a,"
                  " response_b, state, created_ms)"
                  " VALUES(?, ?, 'model-a', 'model-b', 1, 'x', 'y', 1, 1) RETURNING id"));
  std::vector<std::vector<int64_t>> out(users.size());
  for (size_t u = 0; u < users.size(); ++u) {
    for (int b = 0; b < per_user; ++b) {
      const std::string prompt = "prompt " + std::to_string(b);
      insert.Reset();
      insert.Bind(1, users[u]).Bind(2, std::string_view(prompt));
      DOKJA_ASSIGN_OR_RETURN(bool row, insert.Step());
      if (!row) return Status::Internal("insert battle: no id returned");
      out[u].push_back(insert.ColumnInt64(0));
    }
  }
  insert.Reset();  // no statement may be running at COMMIT
  DOKJA_RETURN_IF_ERROR(db->Commit());
  return out;
}

Reply TestClient::Login(const std::string& username, const std::string& password) {
  return Send("POST", "/api/login", Json{{"username", username}, {"password", password}}.dump(),
              "application/json", {{"X-Requested-With", "dokja"}}, /*with_csrf=*/true);
}

Reply TestClient::Get(const std::string& path) { return Send("GET", path, "", "", {}, true); }

Reply TestClient::Post(const std::string& path, const Json& body) {
  return Send("POST", path, body.dump(), "application/json", {}, true);
}

Reply TestClient::Put(const std::string& path, const Json& body) {
  return Send("PUT", path, body.dump(), "application/json", {}, true);
}

Reply TestClient::Delete(const std::string& path) { return Send("DELETE", path, "", "", {}, true); }

}  // namespace dokja::web::testing
