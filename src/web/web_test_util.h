// Test support for the web application: a real App on a loopback port over a
// fresh SQLite store, and an HTTP client with a cookie jar that signs in and
// sends the CSRF header. Used by every web test and by bench/arena.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "store/store.h"
#include "web/app.h"

namespace dokja::web::testing {

using Json = nlohmann::json;

class TestServer {
 public:
  // Starts an App on 127.0.0.1 at a free port, serving on a background
  // thread. `options.port` is forced to 0, log_requests to false,
  // weak_kdf_for_tests to true. The store is `store_url`, or a new SQLite file
  // in a fresh temporary directory when empty. Aborts the test on failure.
  static std::unique_ptr<TestServer> Start(WebOptions options = {}, std::string store_url = "");
  ~TestServer();  // Stop() and join

  App& app() { return *app_; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }  // the temporary directory

  // Creates an account directly in the store, with the password hashed as
  // the App would; returns its id.
  int64_t CreateAccount(const std::string& username, store::Role role,
                        const std::string& password = "correct horse battery",
                        int64_t team_id = 0);

 private:
  std::unique_ptr<App> app_;
  std::unique_ptr<std::thread> thread_;
  std::string dir_;
  int port_ = 0;
};

// Inserts `per_user` ready battles (prompts "prompt 0", "prompt 1", ...;
// models "model-a" and "model-b"; answers "x" and "y") for each user straight
// into the SQLite store file at `sqlite_path`, in one transaction: load tests
// need thousands of votable battles without generating answers. Returns the
// battle ids per user, in the order of `users`.
Result<std::vector<std::vector<int64_t>>> InsertReadyBattles(const std::string& sqlite_path,
                                                             const std::vector<int64_t>& users,
                                                             int per_user);

struct Reply {
  int status = 0;  // 0 when the connection failed
  std::string body;
  Json json;  // parsed body when it is JSON, else null
  std::multimap<std::string, std::string> headers;
};

class TestClient {
 public:
  explicit TestClient(int port);
  ~TestClient();

  // POST /api/login with X-Requested-With; keeps the cookie and CSRF token.
  Reply Login(const std::string& username, const std::string& password = "correct horse battery");

  Reply Get(const std::string& path);
  Reply Post(const std::string& path, const Json& body = Json::object());
  Reply Put(const std::string& path, const Json& body = Json::object());
  Reply Delete(const std::string& path);
  // Full control: raw body, content type, extra headers. The session cookie
  // goes with every request, as a browser's would; `with_csrf` adds
  // X-CSRF-Token (or X-Requested-With: dokja when signed out).
  Reply Send(const std::string& method, const std::string& path, const std::string& body,
             const std::string& content_type, const std::multimap<std::string, std::string>& headers,
             bool with_csrf = true);

  std::string session_cookie;  // the dokja_session value, "" when signed out
  std::string csrf;            // the session's CSRF token

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dokja::web::testing
