// bench/runner_overhead: what dokja's runner costs on top of the HTTP
// requests themselves.
//
// One minimal loopback server (cpp-httplib) answers every POST
// /v1/completions with the same canned completion after --delay-us of
// "service time" (0: as fast as it can). Against it, at the same
// concurrency, three clients send --requests requests each:
//   httplib  a plain load generator: N threads, each with its own
//            keep-alive httplib client (the library dokja's backend uses),
//            POSTing a completion body;
//   lean     a leaner plain load generator: N threads, each with a raw
//            blocking socket, one send() per request and no JSON parsing;
//   dokja    RunRequests with the OpenAI completions backend and the
//            SQLite cache on (fresh file; every answer committed), all
//            requests distinct.
// All send the same bodies (`{"max_tokens":256,"prompt":"question I round
// R","seed":0,...}`) over keep-alive connections opened before the clock
// starts. Prints the throughputs, the CPU time per request (client and
// server: the differences are what each client adds) and dokja's ratio to
// each baseline, plus the load average (the ratios mean little on a machine
// busy with other work). Target: >= 0.95.
//
// Diagnostics: --no-cache runs dokja without the cache; --only baseline,
// --only lean or --only dokja runs one client (for profiling); --only
// backend replaces the runner with N threads calling the OpenAI backend
// directly; --only cache times the request cache's commits alone; --only
// paired runs dokja beside plain clients at the same time, on one server.
//
// Usage: runner_overhead [--requests N] [--concurrency C] [--delay-us D]
//                        [--rounds R] [--dir DIR] [--no-cache] [--only SIDE]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include "bench/cache.h"
#include "bench/openai_backend.h"
#include "bench/runner.h"
#include "scoring/stats.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  int requests = 20000;
  int concurrency = 8;
  int delay_us = 0;
  int rounds = 9;
  bool cache = true;
  std::string only;  // "baseline", "lean", "dokja", "backend", "cache" or "paired": diagnostics
  std::string dir = std::filesystem::temp_directory_path().string();
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (s == "--requests") a.requests = std::max(1, std::atoi(next().c_str()));
    else if (s == "--concurrency") a.concurrency = std::max(1, std::atoi(next().c_str()));
    else if (s == "--delay-us") a.delay_us = std::max(0, std::atoi(next().c_str()));
    else if (s == "--rounds") a.rounds = std::max(1, std::atoi(next().c_str()));
    else if (s == "--dir") a.dir = next();
    else if (s == "--no-cache") a.cache = false;
    else if (s == "--only") a.only = next();
    else {
      std::fprintf(stderr, "usage: runner_overhead [--requests N] [--concurrency C] [--delay-us D] "
                           "[--rounds R] [--dir DIR] [--no-cache] [--only baseline|lean|dokja|backend|cache|paired]\n");
      std::exit(2);
    }
  }
  return a;
}

// CPU seconds (user + system) this process has used: client and server
// together, so the difference between the two sides is the client's.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

struct Measure {
  double rps = 0;
  double cpu_us_per_request = 0;
  // dokja: seconds after the last answer (RunStats::drain_s: the last
  // commits and closing the cache, which wait for the disk), and the rate
  // over the time before them.
  double drain_s = 0;
  double request_phase_rps = 0;
};

// Names the calling thread once (for perf --sort comm and top -H), as
// dokja names its runner's threads.
void NameThisThread(const char* name) {
  thread_local bool named = false;
  if (!named) {
    ::pthread_setname_np(::pthread_self(), name);
    named = true;
  }
}

const char* kCanned =
    R"({"id":"cmpl-1","object":"text_completion","created":0,"model":"m","choices":[{"index":0,)"
    R"("text":" Paris.","logprobs":null,"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":6,"completion_tokens":2,"total_tokens":8}})";

class CannedServer {
 public:
  explicit CannedServer(int delay_us, int threads) {
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    server_.set_tcp_nodelay(true);
    // httplib closes a connection after 5 requests by default; real servers
    // (uvicorn, vLLM) keep it open, and reconnecting only adds noise here.
    server_.set_keep_alive_max_count(1000000);
    server_.Post("/v1/completions", [this, delay_us](const httplib::Request& req, httplib::Response& res) {
      NameThisThread("canned-server");
      if (recording_.load(std::memory_order_relaxed)) Record(req);
      if (delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
      res.set_content(kCanned, "application/json");
    });
    // httplib listens with a backlog of 5: eight clients connecting at once
    // then lose a SYN and wait a second for its retransmit (outside the
    // timed part, but it doubled each round's time). Listen again with a
    // real backlog, as dokja serve-model does.
    int listen_fd = -1;
    server_.set_socket_options([&listen_fd](socket_t sock) {
      httplib::default_socket_options(sock);
      listen_fd = sock;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (listen_fd >= 0) ::listen(listen_fd, 1024);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~CannedServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

  // What the server saw of the requests sent between StartRecording() and
  // Recorded(): each one's headers (as parsed, name order) and body. Not
  // for timed rounds.
  void StartRecording() {
    std::lock_guard<std::mutex> lock(mu_);
    recorded_.clear();
    recording_ = true;
  }
  std::vector<std::string> Recorded() {
    std::lock_guard<std::mutex> lock(mu_);
    recording_ = false;
    return recorded_;
  }

 private:
  void Record(const httplib::Request& req) {
    std::string seen;
    for (const auto& [name, value] : req.headers) {
      // httplib adds the peer's and its own address as headers.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") continue;
      seen += name + ": " + value + "\n";
    }
    seen += "\n" + req.body;
    std::lock_guard<std::mutex> lock(mu_);
    recorded_.push_back(std::move(seen));
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> recording_{false};
  std::mutex mu_;
  std::vector<std::string> recorded_;  // guarded by mu_
};

std::string Prompt(int i, int round) { return "question " + std::to_string(i) + " round " + std::to_string(round); }

// The body dokja's completions backend sends for prompt i of a round (the
// bench checks it against what the server receives before its rounds).
std::string Body(int i, int round) {
  return R"({"max_tokens":256,"prompt":")" + Prompt(i, round) + R"(","seed":0,"temperature":0.0,"top_p":1.0})";
}

// One plain load-generating client: keep-alive, connected before the clock
// starts (as dokja's warm-up run connects its backend), sending the body
// dokja's backend sends for prompt i of the round until next() is negative.
// Counts the requests answered 200 and the others.
template <typename Next>
void PlainClient(int port, int round, std::latch& connected, Next next, std::atomic<int>& ok,
                 std::atomic<int>& failures) {
  NameThisThread("plain-client");
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // as dokja's backend does: no Nagle delay
  if (!client.Post("/v1/completions", "{}", "application/json")) ++failures;
  connected.arrive_and_wait();
  for (int i; (i = next()) >= 0;) {
    auto res = client.Post("/v1/completions", Body(i, round), "application/json");
    if (res && res->status == 200) {
      ++ok;
    } else {
      ++failures;
    }
  }
}

// One lean load-generating client: a blocking TCP socket, each request
// (headers and body) in one send(), the reply read with plain recv() calls
// until its Content-Length is in. It parses no JSON and keeps no state:
// about the least a client can do per request over HTTP/1.1, as wrk-style
// generators do. (httplib's client writes headers and body separately and
// polls before every read and write; the two baselines show what that
// costs.) Its requests carry the headers dokja's backend sends, so the
// server does the same work for both (main checks that it sees the same).
// Counts the requests answered 200 and the others.
template <typename Next>
void LeanClient(int port, int round, std::latch& connected, Next next, std::atomic<int>& ok,
                std::atomic<int>& failures) {
  NameThisThread("lean-client");
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool up = fd >= 0 && ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0 &&
            ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  std::string request;
  std::vector<char> buf(16384);
  // One request; true when it was answered 200. A failure leaves the
  // connection down (where the stream stands is unknown).
  auto post = [&](const std::string& body) {
    if (!up) return false;
    request.assign("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:");
    request += std::to_string(port);
    request += "\r\nUser-Agent: dokja\r\nContent-Type: application/json\r\nContent-Length: ";
    request += std::to_string(body.size());
    request += "\r\n\r\n";
    request += body;
    for (size_t sent = 0; sent < request.size();) {
      const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return up = false;
      sent += static_cast<size_t>(n);
    }
    size_t have = 0, need = SIZE_MAX;
    while (have < need) {
      if (have == buf.size()) buf.resize(2 * buf.size());
      const ssize_t n = ::recv(fd, buf.data() + have, buf.size() - have, 0);
      if (n <= 0) return up = false;
      have += static_cast<size_t>(n);
      if (need != SIZE_MAX) continue;
      const std::string_view got(buf.data(), have);
      const size_t end = got.find("\r\n\r\n");
      if (end == std::string_view::npos) continue;
      const size_t length = got.substr(0, end).find("Content-Length: ");
      if (length == std::string_view::npos) return up = false;
      need = end + 4 + std::strtoul(buf.data() + length + 16, nullptr, 10);
      if (need > buf.size()) buf.resize(need);
    }
    if (have != need) return up = false;  // more than the reply: not a server this client can follow
    return std::string_view(buf.data(), have).starts_with("HTTP/1.1 200 ");
  };
  if (!post("{}")) ++failures;
  connected.arrive_and_wait();
  for (int i; (i = next()) >= 0;) {
    if (post(Body(i, round))) {
      ++ok;
    } else {
      ++failures;
    }
  }
  if (fd >= 0) ::close(fd);
}

// Requests per second of N plain clients (httplib's, or with `lean` the
// lean ones) sending `total` requests in all, with the body dokja's backend
// sends for the same prompt.
Measure Baseline(int port, int concurrency, int total, int round, bool lean) {
  std::atomic<int> next{0}, ok{0}, failures{0};
  std::latch connected(concurrency + 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      auto claim = [&] {
        const int i = next++;
        return i < total ? i : -1;
      };
      if (lean) {
        LeanClient(port, round, connected, claim, ok, failures);
      } else {
        PlainClient(port, round, connected, claim, ok, failures);
      }
    });
  }
  connected.arrive_and_wait();
  const auto t0 = Clock::now();
  const double cpu0 = CpuSeconds();
  for (std::thread& t : threads) t.join();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (failures > 0) std::fprintf(stderr, "%s baseline: %d requests failed\n", lean ? "lean" : "httplib", failures.load());
  return {total / s, (CpuSeconds() - cpu0) * 1e6 / total};
}

// Diagnostic: the cache alone. Commits --requests answers like the
// benchmark's in batches of 700 (about one 20 ms commit at 35k req/s) and
// prints the CPU each answer costs.
void CacheOnly(const Args& args) {
  using namespace dokja::bench;
  const std::string path = args.dir + "/dokja_cache_only_" + std::to_string(::getpid()) + ".db";
  auto cache = RequestCache::Open(path, R"({"base_url":"http://127.0.0.1:1/v1","type":"openai-completions"})");
  if (!cache.ok()) {
    std::fprintf(stderr, "%s\n", cache.status().ToString().c_str());
    std::exit(1);
  }
  const CacheKeyHasher keys("identity");
  Response response;
  response.text = " Paris.";
  response.finish_reason = "stop";
  std::vector<std::string> jsons;
  std::vector<RequestCache::Entry> entries;
  const double cpu0 = CpuSeconds();
  const auto t0 = Clock::now();
  double commit_cpu = 0;
  for (int i = 0; i < args.requests;) {
    jsons.clear();
    entries.clear();
    for (int j = 0; j < 700 && i < args.requests; ++j, ++i) {
      Request r;
      r.context = Prompt(i, 0);
      jsons.push_back(r.CanonicalJson());
    }
    for (const std::string& j : jsons) entries.push_back({keys.Digest(j), j, &response});
    const double c = CpuSeconds();
    dokja::Status s = (*cache)->Commit(entries);
    commit_cpu += CpuSeconds() - c;
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("cache only: %d answers in %.3f s, %.2f us CPU per answer (%.2f us of it in Commit, the rest "
              "request JSON and key)\n",
              args.requests, s, (CpuSeconds() - cpu0) * 1e6 / args.requests, commit_cpu * 1e6 / args.requests);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

// The OpenAI completions backend for the loopback server on `port`.
std::unique_ptr<dokja::bench::Backend> LoopbackBackend(int port) {
  dokja::bench::OpenAIBackendOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  auto made = dokja::bench::MakeOpenAIBackend(options);
  if (!made.ok()) {
    std::fprintf(stderr, "%s\n", made.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(made).value();
}

// dokja's requests for a round: --requests distinct prompts.
std::vector<dokja::bench::Request> Requests(const Args& args, int round) {
  std::vector<dokja::bench::Request> requests(static_cast<size_t>(args.requests));
  for (size_t i = 0; i < requests.size(); ++i) requests[i].context = Prompt(static_cast<int>(i), round);
  return requests;
}

// Diagnostic: the OpenAI backend alone, N threads calling Complete.
Measure BackendOnly(int port, const Args& args, int round) {
  using namespace dokja::bench;
  const std::unique_ptr<Backend> backend = LoopbackBackend(port);
  const std::vector<Request> requests = Requests(args, round);
  std::atomic<size_t> next{0};
  std::latch connected(args.concurrency + 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < args.concurrency; ++t) {
    threads.emplace_back([&] {
      Request warm;
      (void)backend->Complete(warm);
      connected.arrive_and_wait();
      for (size_t i; (i = next++) < requests.size();) (void)backend->Complete(requests[i]);
    });
  }
  connected.arrive_and_wait();
  const auto t0 = Clock::now();
  const double cpu0 = CpuSeconds();
  for (std::thread& t : threads) t.join();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return {args.requests / s, (CpuSeconds() - cpu0) * 1e6 / args.requests};
}

// dokja's side of a round: the backend (its connections opened by a
// warm-up run without cache, as the baseline connects before its clock
// starts), the requests, and the runner's options with a fresh cache.
struct DokjaSide {
  std::unique_ptr<dokja::bench::Backend> backend;
  std::vector<dokja::bench::Request> requests;
  dokja::bench::RunnerOptions options;

  DokjaSide(int port, const Args& args, int round) {
    using namespace dokja::bench;
    backend = LoopbackBackend(port);
    requests = Requests(args, round);
    options.concurrency = args.concurrency;
    options.progress = false;
    if (args.cache) options.cache_path = args.dir + "/dokja_runner_overhead_" + std::to_string(::getpid()) + ".db";
    RemoveCache();
    std::vector<Request> warm(static_cast<size_t>(2 * args.concurrency));
    for (size_t i = 0; i < warm.size(); ++i) warm[i].context = "warm-up " + std::to_string(i);
    RunnerOptions warm_options = options;
    warm_options.cache_path.clear();
    std::vector<Response> responses;
    if (!RunRequests(*backend, warm, warm_options, &responses).ok()) std::exit(1);
  }
  ~DokjaSide() { RemoveCache(); }
  void RemoveCache() const {
    if (options.cache_path.empty()) return;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(options.cache_path + suffix);
  }
  // Runs every request; exits the program unless all were sent and answered.
  void Run(dokja::bench::RunStats* stats) const {
    std::vector<dokja::bench::Response> responses;
    dokja::Status s = RunRequests(*backend, requests, options, &responses, stats);
    if (!s.ok() || stats->sent != static_cast<int64_t>(requests.size())) {
      std::fprintf(stderr, "dokja run failed: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  }
};

// Diagnostic: plain clients and dokja's run at the same time against the
// one server; the clients send until dokja's run returns. Prints both rates
// over dokja's run (a noise-free comparison in principle, but the kernel
// then also starves the cache's fsyncs: see docs/bench_runner.md).
Measure Paired(int port, const Args& args, int round) {
  const DokjaSide side(port, args, round);
  std::atomic<bool> stop{false};
  std::atomic<int> next{0}, ok{0}, failures{0};
  std::latch connected(args.concurrency + 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < args.concurrency; ++t) {
    threads.emplace_back([&] {
      PlainClient(port, round + 1000, connected, [&] { return stop.load() ? -1 : next++; }, ok, failures);
    });
  }
  connected.arrive_and_wait();
  dokja::bench::RunStats stats;
  const auto t0 = Clock::now();
  side.Run(&stats);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const int base = ok.load();
  stop = true;
  for (std::thread& t : threads) t.join();
  std::printf("  paired: dokja %.0f req/s, plain clients %.0f req/s over %.3f s, ratio %.3f\n", args.requests / wall,
              base / wall, wall, static_cast<double>(args.requests) / std::max(1, base));
  return {args.requests / wall, 0};
}

Measure Dokja(int port, const Args& args, int round) {
  if (args.only == "backend") return BackendOnly(port, args, round);
  if (args.only == "paired") return Paired(port, args, round);
  const DokjaSide side(port, args, round);
  // Wall time of the whole call: opening the cache and closing it (its last
  // checkpoint) count.
  dokja::bench::RunStats stats;
  const double cpu0 = CpuSeconds();
  const auto t0 = Clock::now();
  side.Run(&stats);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  const double sent = static_cast<double>(stats.sent);
  return {sent / wall, cpu * 1e6 / sent, stats.drain_s, sent / std::max(1e-9, wall - stats.drain_s)};
}

// The mean of `x` and a 95% percentile-bootstrap interval for it (2,000
// resamples, fixed seed), with the scoring library's RNG and percentiles.
struct MeanInterval {
  double mean = 0;
  dokja::scoring::Interval ci;
};
MeanInterval BootstrapMean(const std::vector<double>& x) {
  if (x.empty()) return {};
  auto mean = [](const std::vector<double>& v) {
    double sum = 0;
    for (double d : v) sum += d;
    return sum / static_cast<double>(v.size());
  };
  dokja::scoring::Rng rng(12345);
  std::vector<double> means, sample(x.size());
  for (int b = 0; b < 2000; ++b) {
    for (double& d : sample) d = x[rng.Below(x.size())];
    means.push_back(mean(sample));
  }
  return {mean(x), dokja::scoring::PercentileInterval(std::move(means), 0.95)};
}

}  // namespace

// Whether the lean clients and dokja's backend send the server the same
// request (headers and body) for the same prompt: the lean baseline is
// meant to differ from dokja only in what each does on the client side.
// Prints the two when they differ.
bool SameRequests(CannedServer& server) {
  server.StartRecording();
  (void)Baseline(server.port(), 1, 1, /*round=*/-1, /*lean=*/true);
  const std::vector<std::string> lean = server.Recorded();
  dokja::bench::Request request;
  request.context = Prompt(0, -1);
  server.StartRecording();
  const bool answered = LoopbackBackend(server.port())->Complete(request).ok();
  const std::vector<std::string> ours = server.Recorded();
  if (answered && !lean.empty() && ours.size() == 1 && lean.back() == ours[0]) return true;
  std::fprintf(stderr, "the lean clients' request differs from dokja's:\n--- lean\n%s\n--- dokja\n%s\n",
               lean.empty() ? "(none)" : lean.back().c_str(), ours.empty() ? "(none)" : ours[0].c_str());
  return false;
}

// The 1-minute load average, or -1.
double LoadAverage() {
  double load[1] = {-1};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  if (args.only == "cache") {
    CacheOnly(args);
    return 0;
  }
  CannedServer server(args.delay_us, 4 * args.concurrency + 8);
  if (!SameRequests(server)) return 1;
  std::printf("runner_overhead: %d requests, concurrency %d, server delay %d us, %d rounds, %u CPUs, "
              "load average %.2f\n",
              args.requests, args.concurrency, args.delay_us, args.rounds, std::thread::hardware_concurrency(),
              LoadAverage());
  // Two baselines: httplib's client (the library dokja's backend uses) and
  // the lean one. dokja is compared with each.
  struct Side {
    const char* name = "";
    Measure best;
    double min_cpu = 1e300;
    std::vector<double> ratios, phase_ratios;
  } httplib_side, lean_side;
  httplib_side.name = "httplib clients";
  lean_side.name = "lean clients";
  Measure best_dokja;
  double min_cpu_dokja = 1e300;
  std::vector<double> drains_ms;
  const bool run_dokja = args.only != "baseline" && args.only != "lean";
  const bool run_httplib = args.only.empty() || args.only == "baseline" || args.only == "paired" ||
                           args.only == "backend";
  const bool run_lean = args.only.empty() || args.only == "lean";
  for (int round = 0; round < args.rounds; ++round) {
    // Alternate the order so no side always runs on a warmer machine.
    Measure base, lean, ours;
    auto baselines = [&] {
      if (run_httplib) base = Baseline(server.port(), args.concurrency, args.requests, round, false);
      if (run_lean) lean = Baseline(server.port(), args.concurrency, args.requests, round, true);
    };
    if (round % 2 == 0) baselines();
    if (run_dokja) ours = Dokja(server.port(), args, round);
    if (round % 2 == 1) baselines();
    std::printf("  round %d: httplib %.0f req/s (%.1f us CPU/req), lean %.0f req/s (%.1f us CPU/req), "
                "dokja %.0f req/s (%.1f us CPU/req); dokja / httplib %.3f, dokja / lean %.3f; dokja's drain %.1f ms\n",
                round, base.rps, base.cpu_us_per_request, lean.rps, lean.cpu_us_per_request, ours.rps,
                ours.cpu_us_per_request, base.rps > 0 ? ours.rps / base.rps : 0.0,
                lean.rps > 0 ? ours.rps / lean.rps : 0.0, ours.drain_s * 1e3);
    if (ours.rps > 0) drains_ms.push_back(ours.drain_s * 1e3);
    if (ours.rps > best_dokja.rps) best_dokja = ours;
    if (ours.rps > 0) min_cpu_dokja = std::min(min_cpu_dokja, ours.cpu_us_per_request);
    for (auto [side, m] : {std::pair{&httplib_side, base}, std::pair{&lean_side, lean}}) {
      if (m.rps <= 0) continue;
      if (m.rps > side->best.rps) side->best = m;
      side->min_cpu = std::min(side->min_cpu, m.cpu_us_per_request);
      if (ours.rps <= 0) continue;
      side->ratios.push_back(ours.rps / m.rps);
      side->phase_ratios.push_back(ours.request_phase_rps / m.rps);
    }
  }
  for (const Side* side : {&httplib_side, &lean_side}) {
    if (side->best.rps > 0) {
      std::printf("baseline, %s: best %.0f req/s; least CPU %.1f us per request (client + server)\n", side->name,
                  side->best.rps, side->min_cpu);
    }
  }
  if (best_dokja.rps > 0) {
    std::printf("dokja RunRequests (cache %s): best %.0f req/s; least CPU %.1f us per request (client + server)\n",
                args.cache ? "on" : "off", best_dokja.rps, min_cpu_dokja);
  }
  if (args.cache && !drains_ms.empty() && args.only.empty()) {
    std::sort(drains_ms.begin(), drains_ms.end());
    std::printf("dokja's drain (last commits and closing the cache, after the last answer): median %.1f ms, "
                "max %.1f ms\n",
                drains_ms[drains_ms.size() / 2], drains_ms.back());
  }
  for (Side* side : {&httplib_side, &lean_side}) {
    std::vector<double>& r = side->ratios;
    if (r.empty()) continue;
    const MeanInterval mean_ratio = BootstrapMean(r);
    const MeanInterval phase = BootstrapMean(side->phase_ratios);
    std::sort(r.begin(), r.end());
    std::printf("dokja / %s: CPU added %.1f us per request; round ratios min %.3f, lower quartile %.3f, "
                "median %.3f, upper quartile %.3f, max %.3f\n",
                side->name, min_cpu_dokja - side->min_cpu, r.front(), r[r.size() / 4], r[r.size() / 2],
                r[3 * r.size() / 4], r.back());
    std::printf("dokja / %s: mean round ratio %.3f (95%% bootstrap interval %.3f-%.3f over %zu rounds); "
                "before the drain %.3f (%.3f-%.3f) (target >= 0.95)\n",
                side->name, mean_ratio.mean, mean_ratio.ci.lo, mean_ratio.ci.hi, r.size(), phase.mean, phase.ci.lo,
                phase.ci.hi);
  }
  std::printf("load average now %.2f\n", LoadAverage());
  return 0;
}
