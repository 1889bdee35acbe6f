// App: the route table, the per-request wrapper (rate limit, session, role,
// CSRF, account limit, handler, metrics and log) and the server's life cycle.
#include "web/app.h"

#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <thread>

#include "web/auth.h"
#include "web/http_util.h"
#include "web/limits.h"
#include "web/routes.h"

namespace dokja::web {
namespace {

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr int kListenBacklog = 1024;

// Per worker thread: when the current request started and whether a route
// took it (the error handler counts the ones no route took).
thread_local int64_t tl_request_start_ns = 0;
thread_local bool tl_routed = false;

std::string_view ErrorCodeFor(int status) {
  switch (status) {
    case 400: return "invalid";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 414: return "invalid";
    case 429: return "rate_limited";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "invalid";
  }
}

void SendRateLimited(httplib::Response& res, int64_t retry_after_s, std::string_view what) {
  res.set_header("Retry-After", std::to_string(retry_after_s));
  SendErrorTo(res, 429, "rate_limited",
          std::string(what) + ": too many requests; retry in " + std::to_string(retry_after_s) + " s");
}

}  // namespace

struct App::Limits {
  explicit Limits(const WebOptions& o)
      : address(o.address_rate, o.address_burst),
        account(o.account_rate, o.account_burst),
        login(o.login_rate, o.login_burst),
        sessions(o.session_cache_ms) {}
  TokenBuckets address;
  TokenBuckets account;
  TokenBuckets login;
  SessionCache sessions;
};

App::App(const WebOptions& options, std::unique_ptr<store::Store> store)
    : options_(options), store_(std::move(store)), limits_(std::make_unique<Limits>(options)) {
}

App::~App() {
  Stop();
  if (!hooks_ran_.exchange(true)) {
    for (auto& hook : shutdown_hooks_) hook();
  }
}

Result<std::unique_ptr<App>> App::Create(const WebOptions& options,
                                         std::unique_ptr<store::Store> store) {
  if (!store) return Status::InvalidArgument("web: no store");
  if (options.threads < 1) return Status::InvalidArgument("web: threads must be >= 1");
  DOKJA_RETURN_IF_ERROR(InitCrypto());
  std::unique_ptr<App> app(new App(options, std::move(store)));
  DOKJA_RETURN_IF_ERROR(AddAccountRoutes(*app));
  DOKJA_RETURN_IF_ERROR(AddExpertRoutes(*app));
  DOKJA_RETURN_IF_ERROR(AddArenaRoutes(*app));
  DOKJA_RETURN_IF_ERROR(AddStaticRoutes(*app));
  return app;
}

int64_t App::NowMs() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void App::AddRoute(Route route) {
  assert(!bound_ && "AddRoute after Bind");
  assert(route.method == "GET" || route.method == "POST" || route.method == "PUT" ||
         route.method == "DELETE" || route.method == "PATCH");
  routes_.push_back(std::move(route));
}

std::string App::ClientAddress(const httplib::Request& req) const {
  if (options_.trust_proxy) {
    const std::string forwarded = req.get_header_value("X-Forwarded-For");
    if (!forwarded.empty()) {
      const size_t comma = forwarded.rfind(',');
      std::string last = comma == std::string::npos ? forwarded : forwarded.substr(comma + 1);
      const size_t first = last.find_first_not_of(' ');
      const size_t end = last.find_last_not_of(' ');
      if (first != std::string::npos) return last.substr(first, end - first + 1);
    }
  }
  return req.remote_addr;
}

int64_t App::LoginRetryAfterS(const httplib::Request& req) {
  return limits_->login.Peek(ClientAddress(req), NowMs());
}

void App::NoteFailedLogin(const httplib::Request& req) {
  limits_->login.Spend(ClientAddress(req), NowMs());
  metrics_.Add("login_failures");
}

void App::ForgetSession(const std::string& token_hash) { limits_->sessions.Erase(token_hash); }

void App::ForgetAccountSessions(int64_t account_id) {
  limits_->sessions.EraseAccount(account_id);
}

std::shared_ptr<const Caller> App::LookUpSession(const httplib::Request& req) {
  const std::string token = CookieValue(req, kSessionCookie);
  if (token.empty() || token.size() > 256) return nullptr;
  const std::string hash = TokenHash(token);
  const int64_t now = NowMs();
  if (auto cached = limits_->sessions.Get(hash)) {
    return now < cached->session.expires_ms ? cached : nullptr;
  }
  const uint64_t generation = limits_->sessions.generation();
  auto session = store_->GetSession(hash, now);
  if (!session.ok()) return nullptr;
  auto account = store_->GetAccount(session->account_id);
  if (!account.ok() || account->disabled) return nullptr;
  auto caller = std::make_shared<const Caller>(
      Caller{std::move(account).value(), std::move(session).value()});
  limits_->sessions.Put(hash, caller, generation);
  return caller;
}

bool App::Authorise(const Route& route, const httplib::Request& req, httplib::Response& res,
                    std::shared_ptr<const Caller>& caller) {
  caller = LookUpSession(req);
  if (route.roles != kPublic) {
    if (!caller) {
      SendErrorTo(res, 401, "unauthenticated", "sign in first (no valid session)");
      return false;
    }
    if ((route.roles & Bit(caller->account.role)) == 0) {
      SendErrorTo(res, 403, "forbidden",
              "role '" + std::string(store::RoleName(caller->account.role)) +
                  "' may not call " + route.name);
      return false;
    }
  }
  if (req.method == "GET" || req.method == "HEAD") return true;
  bool csrf_ok = caller && SecureEquals(req.get_header_value("X-CSRF-Token"),
                                        caller->session.csrf_token);
  if (!csrf_ok && route.roles == kPublic) {
    csrf_ok = req.get_header_value("X-Requested-With") == "dokja";
  }
  if (!csrf_ok) {
    SendErrorTo(res, 403, "forbidden",
            route.roles == kPublic ? "missing X-Requested-With: dokja"
                                   : "missing or wrong X-CSRF-Token");
    return false;
  }
  return true;
}

void App::Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res) {
  const int64_t start_ns = tl_request_start_ns ? tl_request_start_ns : SteadyNs();
  tl_routed = true;
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  std::shared_ptr<const Caller> caller;
  if (int64_t address_wait = limits_->address.Take(ClientAddress(req), NowMs())) {
    SendRateLimited(res, address_wait, "address");
  } else if (req.body.size() > route.max_body_bytes) {
    SendErrorTo(res, 413, "payload_too_large",
            "request body: " + std::to_string(req.body.size()) + " bytes exceeds the limit of " +
                std::to_string(route.max_body_bytes) + " for " + route.name);
  } else if (Authorise(route, req, res, caller)) {
    const int64_t wait =
        caller ? limits_->account.Take(std::to_string(caller->account.id), NowMs()) : 0;
    if (wait) {
      SendRateLimited(res, wait, "account");
    } else {
      Call call{req, res, caller.get(), *this};
      try {
        route.handler(call);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "{\"level\":\"error\",\"route\":\"%s\",\"exception\":%s}\n",
                     route.name.c_str(),
                     Json(e.what()).dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
        res.content_provider_ = nullptr;
        SendErrorTo(res, 500, "internal", "internal error");
      } catch (...) {
        res.content_provider_ = nullptr;
        SendErrorTo(res, 500, "internal", "internal error");
      }
    }
  }
  if (res.status == -1) res.status = 200;
  Finish(&route, req, res, start_ns, caller.get());
}

void App::Finish(const Route* route, const httplib::Request& req, const httplib::Response& res,
                 int64_t start_ns, const Caller* caller) {
  const double seconds = static_cast<double>(SteadyNs() - start_ns) / 1e9;
  metrics_.ObserveRequest(route ? route->name : "unmatched", res.status, seconds);
  if (!options_.log_requests) return;
  Json line = {{"ts_ms", NowMs()},
               {"level", res.status >= 500 ? "error" : "info"},
               {"route", route ? route->name : "unmatched"},
               {"method", req.method},
               {"path", req.path},
               {"status", res.status},
               {"ms", seconds * 1000.0},
               {"addr", ClientAddress(req)},
               {"account_id", caller ? caller->account.id : 0}};
  const std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
}

void App::InstallHandlers() {
  httplib::Server& server = *server_;
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    tl_request_start_ns = SteadyNs();
    tl_routed = false;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
    if (!tl_routed) {
      // httplib answered itself (no route, body too large, bad request).
      tl_routed = true;
      Finish(nullptr, req, res, tl_request_start_ns ? tl_request_start_ns : SteadyNs(), nullptr);
    }
    if (!res.body.empty() || res.content_provider_) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const std::string message = res.status == 404 ? "no route for " + req.method + " " + req.path
                                                  : "HTTP " + std::to_string(res.status);
    SendErrorTo(res, res.status, ErrorCodeFor(res.status), message);
    return httplib::Server::HandlerResponse::Handled;
  }));
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& route = routes_[i];
    auto handler = [this, i](const httplib::Request& req, httplib::Response& res) {
      Dispatch(routes_[i], req, res);
    };
    if (route.method == "GET") server.Get(route.pattern, handler);
    if (route.method == "POST") server.Post(route.pattern, handler);
    if (route.method == "PUT") server.Put(route.pattern, handler);
    if (route.method == "DELETE") server.Delete(route.pattern, handler);
    if (route.method == "PATCH") server.Patch(route.pattern, handler);
  }
}

Status App::Bind() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (bound_) return Status::OK();
  if (stopped_) return Status::Unavailable("web: stopped before binding");
  server_ = std::make_unique<httplib::Server>();
  const int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // The packaged cpp-httplib listens with a backlog of 5: a burst of new
  // connections (64 clients starting at once) overflows it, and the dropped
  // handshakes stall for seconds. Remember the socket and widen it below.
  server_->set_socket_options([this](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_fd_ = static_cast<int>(sock);
  });
  server_->set_payload_max_length(kMaxUploadBytes);
  // Without TCP_NODELAY a response written in two segments waits for the
  // client's delayed ACK (~40 ms) on a keep-alive connection.
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(1u << 20);
  server_->set_keep_alive_timeout(3);
  server_->set_read_timeout(30);
  server_->set_write_timeout(30);
  InstallHandlers();
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
    if (port_ <= 0) return Status::Unavailable("web: cannot bind " + options_.host + " (any port)");
  } else {
    if (!server_->bind_to_port(options_.host, options_.port)) {
      return Status::Unavailable("web: cannot bind " + options_.host + ":" +
                                 std::to_string(options_.port) + " (in use, or not an address here)");
    }
    port_ = options_.port;
  }
  // Listening again on a listening socket only changes its backlog (Linux,
  // BSD); the kernel caps it at net.core.somaxconn.
  if (listen_fd_ >= 0) (void)::listen(listen_fd_, kListenBacklog);
  bound_ = true;
  return Status::OK();
}

Status App::Listen() {
  DOKJA_RETURN_IF_ERROR(Bind());
  listening_ = true;
  bool served = true;
  if (!stopped_) served = server_->listen_after_bind();
  listening_ = false;
  if (!hooks_ran_.exchange(true)) {
    for (auto& hook : shutdown_hooks_) hook();
  }
  if (!served && !stopped_) return Status::Unavailable("web: the listening socket failed");
  return Status::OK();
}

void App::Stop() {
  stopped_ = true;
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (!server_) return;
  // A Listen() that has begun but not yet started its accept loop would miss
  // stop(); wait for the loop to run (or for Listen to give up).
  while (listening_ && !server_->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
}

}  // namespace dokja::web
