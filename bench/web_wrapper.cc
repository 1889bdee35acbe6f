// The web App's per-request wrapper (address limit, session, role, CSRF,
// account limit, metrics) at 64 keep-alive clients: signed-in GET /api/me
// and POST /api/logout-free POSTs through the App, against a bare httplib
// server answering the same JSON on the same machine in the same run.
//
//   web_wrapper [--clients 64] [--seconds 3]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "web/web_test_util.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int failures = 0;
};

// `clients` threads, each with its own keep-alive connection, send `request`
// for `seconds`; latencies of every request are kept for the percentiles.
template <typename MakeClient, typename Request>
Figures Drive(int clients, double seconds, MakeClient make_client, Request request) {
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::vector<double>> latencies(clients);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      auto client = make_client();
      while (!stop) {
        const auto t0 = Clock::now();
        if (!request(*client)) ++failures;
        latencies[i].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  Figures f;
  f.failures = failures;
  if (all.empty()) return f;
  f.per_second = static_cast<double>(all.size()) / elapsed;
  f.p50_ms = dokja::bench::Percentile(all, 0.50);
  f.p99_ms = dokja::bench::Percentile(all, 0.99);
  return f;
}

void Print(const char* label, const Figures& f, double baseline) {
  std::printf("  %-50s %7.0f req/s  p50 %5.2f ms  p99 %5.2f ms  (%.2fx baseline)", label,
              f.per_second, f.p50_ms, f.p99_ms, baseline > 0 ? f.per_second / baseline : 0.0);
  if (f.failures) std::printf("  %d FAILED", f.failures);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 64;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--clients")) clients = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
  }
  // Baseline: bare httplib, same thread count, same JSON body.
  httplib::Server bare;
  bare.new_task_queue = [clients] { return new httplib::ThreadPool(clients + 32); };
  bare.set_keep_alive_max_count(1u << 20);
  bare.set_tcp_nodelay(true);
  bare.Get("/api/me", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"account":{"id":1,"username":"u"},"csrf":"x"})", "application/json");
  });
  int bare_fd = -1;
  bare.set_socket_options([&bare_fd](socket_t sock) {
    httplib::default_socket_options(sock);
    bare_fd = static_cast<int>(sock);
  });
  const int bare_port = bare.bind_to_any_port("127.0.0.1");
  ::listen(bare_fd, 1024);  // as the App does: httplib's backlog of 5 drops bursts
  std::thread bare_thread([&] { bare.listen_after_bind(); });
  auto plain_client = [bare_port] {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", bare_port);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    return c;
  };
  const Figures base = Drive(clients, seconds, plain_client, [](httplib::Client& c) {
    auto r = c.Get("/api/me");
    if (!r) std::fprintf(stderr, "baseline: %s\n", httplib::to_string(r.error()).c_str());
    return r && r->status == 200;
  });
  bare.stop();
  bare_thread.join();

  dokja::web::WebOptions options;
  options.address_rate = 0;  // every client shares 127.0.0.1
  options.account_rate = 0;
  options.threads = clients + 32;
  auto server = dokja::web::testing::TestServer::Start(options);
  for (int i = 0; i < clients; ++i) {
    server->CreateAccount("u" + std::to_string(i), dokja::store::Role::kUser);
  }
  // Signed in through the App, then the same plain client as the baseline
  // with the session cookie, so both loops spend the same client-side work.
  std::atomic<int> next{0};
  const int app_port = server->port();
  auto app_client = [&next, app_port] {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", app_port);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    c->set_read_timeout(30);  // 64 log-ins at once queue on durable session writes
    const std::string body =
        R"({"username":"u)" + std::to_string(next++) + R"(","password":"correct horse battery"})";
    auto r = c->Post("/api/login", {{"X-Requested-With", "dokja"}}, body, "application/json");
    if (!r || r->status != 200) {
      std::fprintf(stderr, "login: %s\n", r ? r->body.c_str() : httplib::to_string(r.error()).c_str());
      return c;
    }
    const std::string cookie = r->get_header_value("Set-Cookie");
    c->set_default_headers({{"Cookie", cookie.substr(0, cookie.find(';'))}});
    return c;
  };
  const Figures me = Drive(clients, seconds, app_client, [](httplib::Client& c) {
    auto r = c.Get("/api/me");
    if (!r) std::fprintf(stderr, "app: %s\n", httplib::to_string(r.error()).c_str());
    else if (r->status != 200) std::fprintf(stderr, "app: HTTP %d %s\n", r->status, r->body.c_str());
    return r && r->status == 200;
  });
  std::printf("web_wrapper (%d keep-alive clients, %.0f s each, %u cores)\n", clients, seconds,
              std::thread::hardware_concurrency());
  Print("baseline: bare httplib GET, fixed JSON", base, base.per_second);
  Print("App GET /api/me (limits, session, role, metrics)", me, base.per_second);
  return base.failures || me.failures ? 1 : 0;
}
