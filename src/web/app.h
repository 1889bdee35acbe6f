// The human-evaluation web application (`dokja serve`): a JSON API and a
// single-page UI over the Store (store/store.h).
//
// Shape: an App owns the HTTP server, the store, the clock, metrics and the
// route table. Every feature adds its routes through one function declared in
// routes.h (accounts and admin, expert evaluation, arena, static UI); each
// route names the roles that may call it. The App wraps every handler with the
// same checks, in this order, so no route can forget one:
//   1. per-address rate limit (429);
//   2. session from the `dokja_session` cookie (HttpOnly, SameSite=Strict;
//      Secure when WebOptions::secure_cookies);
//   3. role check: a route with no roles is public; otherwise no session is
//      401 and a role not in the route's set is 403;
//   4. CSRF on every method but GET/HEAD: a signed-in caller must send
//      `X-CSRF-Token` equal to its session's token; a public state change
//      (log-in, redeem an invitation) must send `X-Requested-With: dokja`,
//      which a cross-site form cannot (403 otherwise);
//   5. per-account rate limit (429);
//   6. the handler; an exception escaping it becomes a 500 JSON error.
// Then the request is counted in /metrics and logged as one JSON line.
//
// Errors are JSON everywhere under /api: {"error":{"code":"...","message":"..."}}
// (see http_util.h). docs/web-api.md lists every route.
//
// This is the only folder (with bench/openai_backend and serve/) that knows
// the HTTP library.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <httplib.h>

#include "base/status.h"
#include "store/store.h"

namespace dokja::web {

struct WebOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                 // 0: any free port (see App::port())
  int threads = 96;                // HTTP worker threads (>= concurrent keep-alive clients)
  bool secure_cookies = false;     // add Secure to cookies (set when served over TLS)
  bool trust_proxy = false;        // take the client address from X-Forwarded-For
  int64_t session_ttl_ms = 12LL * 3600 * 1000;
  int64_t invitation_ttl_ms = 7LL * 24 * 3600 * 1000;
  // Token buckets: sustained requests per second and burst, 0 = unlimited.
  double address_rate = 200, address_burst = 400;
  double account_rate = 50, account_burst = 100;
  double login_rate = 0.2, login_burst = 10;  // log-in attempts per address
  int64_t daily_vote_cap = 200;    // arena votes per user per day; 0 = none
  std::string materials_dir = "dokja-materials";  // uploaded expert materials
  std::string arena_config;        // YAML of arena models (docs/web-api.md); "" = none
  bool log_requests = true;        // one JSON line per request on stderr
  // How long a looked-up session is reused without asking the store again.
  // Log-out and disabling an account drop it at once on this server; other
  // servers sharing the store notice within this time.
  int64_t session_cache_ms = 2000;
  bool weak_kdf_for_tests = false; // tests only: argon2id at libsodium's minimum cost
};

// The signed-in caller of a request.
struct Caller {
  store::Account account;
  store::Session session;
};

class App;

// One request being handled.
struct Call {
  const httplib::Request& req;
  httplib::Response& res;
  const Caller* caller;  // null on public routes called without a session
  App& app;
};

using Handler = std::function<void(Call& call)>;

// Roles as a bit set; kPublic (no bits) needs no session.
using RoleSet = uint32_t;
constexpr RoleSet kPublic = 0;
constexpr RoleSet Bit(store::Role role) { return 1u << static_cast<uint32_t>(role); }
constexpr RoleSet kAdmin = Bit(store::Role::kAdmin);
constexpr RoleSet kExpert = Bit(store::Role::kExpert);
constexpr RoleSet kUser = Bit(store::Role::kUser);
constexpr RoleSet kTeam = Bit(store::Role::kTeam);
constexpr RoleSet kAnyRole = kAdmin | kExpert | kUser | kTeam;

struct Route {
  std::string name;     // for metrics and logs, e.g. "arena.vote"
  std::string method;   // "GET", "POST", "PUT", "DELETE"
  std::string pattern;  // an httplib regex, e.g. R"(/api/arena/battles/(\d+)/vote)"
  RoleSet roles = kPublic;
  Handler handler;
  bool streaming = false;  // the handler sets a content provider (SSE)
  // Larger bodies get 413 before the handler runs (uploads raise it, up to
  // App::kMaxUploadBytes).
  size_t max_body_bytes = 1 << 20;
};

// Request counters, latency histogram and named counters for /metrics.
// Thread-safe.
class Metrics {
 public:
  Metrics();
  void ObserveRequest(const std::string& route, int status, double seconds);
  void Add(const std::string& counter, int64_t delta = 1);
  // Prometheus text exposition format 0.0.4.
  std::string Render() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // never null
};

class App {
 public:
  // No request body may exceed this (httplib answers 413 while reading).
  static constexpr size_t kMaxUploadBytes = 256u << 20;  // 256 MiB

  // Takes the opened store; routes are added by the Add*Routes functions of
  // routes.h, which Create calls, all of them (without an arena config the
  // arena routes answer 503).
  static Result<std::unique_ptr<App>> Create(const WebOptions& options,
                                             std::unique_ptr<store::Store> store);
  ~App();

  store::Store& store() { return *store_; }
  const WebOptions& options() const { return options_; }
  Metrics& metrics() { return metrics_; }

  // Unix milliseconds; tests may replace the clock (while no request runs).
  int64_t NowMs() const;
  void SetClock(std::function<int64_t()> now_ms) { clock_ = std::move(now_ms); }

  // REQUIRES: Bind()/Listen() not called yet.
  void AddRoute(Route route);
  const std::vector<Route>& routes() const { return routes_; }
  // The client's address: the socket peer, or with trust_proxy the last
  // X-Forwarded-For entry (the one the proxy saw).
  std::string ClientAddress(const httplib::Request& req) const;
  // Log-in throttle per client address (WebOptions::login_rate/burst):
  // seconds to wait before the next attempt, 0 when one may go ahead. Only
  // failed attempts spend the budget (NoteFailedLogin).
  int64_t LoginRetryAfterS(const httplib::Request& req);
  void NoteFailedLogin(const httplib::Request& req);
  // Drops cached sessions: one (log-out) or all of an account (disabled).
  void ForgetSession(const std::string& token_hash);
  void ForgetAccountSessions(int64_t account_id);

  // Runs `fn` once when the server stops (before the store closes).
  void OnShutdown(std::function<void()> fn) { shutdown_hooks_.push_back(std::move(fn)); }

  // Binds host:port (port 0: any free one), then serves until Stop().
  Status Listen();
  // Binds without serving yet; port() is valid afterwards.
  Status Bind();
  int port() const { return port_; }
  // Stops accepting, lets in-flight requests finish, runs shutdown hooks.
  // Safe to call from any thread (a signal-handling thread included).
  void Stop();

 private:
  App(const WebOptions& options, std::unique_ptr<store::Store> store);
  void Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res);
  // Steps 2-4 of the wrapper; false when it already answered.
  bool Authorise(const Route& route, const httplib::Request& req, httplib::Response& res,
                 std::shared_ptr<const Caller>& caller);
  std::shared_ptr<const Caller> LookUpSession(const httplib::Request& req);
  void Finish(const Route* route, const httplib::Request& req, const httplib::Response& res,
              int64_t start_ns, const Caller* caller);
  void InstallHandlers();

  WebOptions options_;
  std::unique_ptr<store::Store> store_;
  std::function<int64_t()> clock_;
  Metrics metrics_;
  std::vector<Route> routes_;
  std::vector<std::function<void()>> shutdown_hooks_;
  std::unique_ptr<httplib::Server> server_;
  struct Limits;
  std::unique_ptr<Limits> limits_;
  int port_ = 0;
  int listen_fd_ = -1;  // the listening socket, seen while binding
  std::atomic<bool> stopped_{false};
  std::atomic<bool> bound_{false};
  std::atomic<bool> listening_{false};
  std::atomic<bool> hooks_ran_{false};
  std::mutex stop_mu_;
};

}  // namespace dokja::web
