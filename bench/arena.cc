// The arena's two speed targets (issue 7), each next to a baseline measured
// in the same run:
//
// 1. Votes through the whole web stack: POST /api/arena/battles/{id}/vote
//    from 64 concurrent keep-alive clients on loopback (session, CSRF, role,
//    JSON, ownership check, anonymity check, durable group-committed vote),
//    as votes/s and p50/p99 latency. Baseline: GET /api/me from the same
//    clients (the same wrapper with no store write). Target on the 2-core
//    reference machine: >= 5,000 votes/s with p99 < 20 ms on SQLite.
// 2. The leaderboard: Bradley-Terry with 1,000 bootstrap rounds over
//    1,000,000 votes (10 models). Baseline: the naive bootstrap that
//    resamples every vote, timed on a few rounds and scaled to 1,000.
//    Target: <= 2 s.
//
//   build/bench/arena [--votes N] [--clients C] [--postgres URL] [--skip-http] [--skip-bt]
//   --postgres (or DOKJA_TEST_POSTGRES_URL) adds the PostgreSQL run.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>

#include <sys/resource.h>
#include <vector>

#include "bench_util.h"
#include "scoring/stats.h"
#include "web/leaderboard.h"
#include "web/web_test_util.h"

namespace dokja::bench {
namespace {

using web::testing::TestClient;
using web::testing::TestServer;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "arena bench: %s\n", what.c_str());
  std::exit(1);
}

// CPU seconds (user + system) of this process so far: the machine is
// shared, so wall-clock rates understate what 2 dedicated cores do.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct LoadResult {
  double cpu_us_per_request = 0;  // server + clients, both in this process
  double per_second = 0;
  double p50_ms = 0, p99_ms = 0;
  int64_t errors = 0;
};

// Ready battles for each user: raw inserts in one transaction on SQLite,
// store calls from many threads on PostgreSQL.
std::vector<std::vector<int64_t>> MakeBattles(TestServer& server, const std::vector<int64_t>& users,
                                              int per_user, bool sqlite) {
  std::vector<std::vector<int64_t>> out(users.size());
  if (sqlite) {
    auto inserted = web::testing::InsertReadyBattles(server.dir() + "/store.db", users, per_user);
    if (!inserted.ok()) Die(inserted.status().ToString());
    return std::move(*inserted);
  }
  std::vector<std::thread> threads;
  for (size_t u = 0; u < users.size(); ++u) {
    threads.emplace_back([&, u] {
      for (int b = 0; b < per_user; ++b) {
        store::Battle battle;
        battle.user_id = users[u];
        battle.prompt = "prompt " + std::to_string(b);
        battle.model_a = "model-a";
        battle.model_b = "model-b";
        auto id = server.app().store().CreateBattle(battle);
        if (!id.ok()) Die(id.status().ToString());
        if (!server.app().store().SetBattleResponses(*id, "x", "y", store::BattleState::kReady).ok()) {
          Die("ready battle");
        }
        out[u].push_back(*id);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

// Each client sends `per_client` requests made by `send(client, i)`.
template <typename Send>
LoadResult RunLoad(std::vector<std::unique_ptr<TestClient>>& clients, int per_client, Send send) {
  std::vector<std::vector<double>> lat(clients.size());
  std::atomic<int64_t> errors{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  const double cpu0 = CpuSeconds();
  for (size_t c = 0; c < clients.size(); ++c) {
    threads.emplace_back([&, c] {
      lat[c].reserve(per_client);
      for (int i = 0; i < per_client; ++i) {
        const auto s = Clock::now();
        const int status = send(*clients[c], c, i);
        lat[c].push_back(Seconds(s, Clock::now()) * 1000);
        if (status != 200) ++errors;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double seconds = Seconds(t0, Clock::now());
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  LoadResult r;
  r.per_second = static_cast<double>(all.size()) / seconds;
  r.cpu_us_per_request = (CpuSeconds() - cpu0) / static_cast<double>(all.size()) * 1e6;
  r.p50_ms = Percentile(all, 0.50);
  r.p99_ms = Percentile(all, 0.99);
  r.errors = errors;
  return r;
}

void HttpVotes(const std::string& label, const std::string& url, int votes, int n_clients) {
  web::WebOptions options;
  options.address_rate = 0;
  options.account_rate = 0;
  options.daily_vote_cap = 0;
  options.threads = n_clients + 8;
  auto server = TestServer::Start(options, url);
  const int per_client = std::max(1, votes / n_clients);
  std::vector<int64_t> users;
  for (int c = 0; c < n_clients; ++c) {
    users.push_back(server->CreateAccount("voter" + std::to_string(c), store::Role::kUser));
  }
  const auto battles = MakeBattles(*server, users, per_client, url.empty());
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int c = 0; c < n_clients; ++c) {
    clients.push_back(std::make_unique<TestClient>(server->port()));
    if (clients.back()->Login("voter" + std::to_string(c)).status != 200) Die("log in");
  }
  const LoadResult base = RunLoad(clients, per_client, [](TestClient& cl, size_t, int) {
    return cl.Get("/api/me").status;
  });
  const LoadResult vote = RunLoad(clients, per_client, [&](TestClient& cl, size_t c, int i) {
    const int64_t id = battles[c][i];
    return cl.Post("/api/arena/battles/" + std::to_string(id) + "/vote",
                   {{"choice", "left"}, {"idempotency_key", "k" + std::to_string(id)}})
        .status;
  });
  std::printf("%-10s votes: %8.0f votes/s  p50 %6.2f ms  p99 %6.2f ms  errors %lld  (%d clients)\n",
              label.c_str(), vote.per_second, vote.p50_ms, vote.p99_ms,
              static_cast<long long>(vote.errors), n_clients);
  std::printf("%-10s base : %8.0f GET /api/me/s  p99 %6.2f ms; votes/base %.2f\n", label.c_str(),
              base.per_second, base.p99_ms, vote.per_second / base.per_second);
  std::printf("%-10s cpu  : %.0f us per vote, %.0f us per GET /api/me (server + clients); "
              "2 idle cores would give <= %.0f votes/s\n",
              label.c_str(), vote.cpu_us_per_request, base.cpu_us_per_request,
              2e6 / vote.cpu_us_per_request);
  if (label == "sqlite") {
    std::printf("%-10s target: >= 5000 votes/s (x%.2f), p99 < 20 ms (x%.2f of the budget) -> %s\n",
                label.c_str(), vote.per_second / 5000, vote.p99_ms / 20,
                vote.per_second >= 5000 && vote.p99_ms < 20 ? "MET" : "NOT MET");
  }
}

void Leaderboard(int64_t n_votes, int rounds) {
  const int n_models = 10;
  std::vector<std::string> names;
  std::vector<double> strength;
  for (int m = 0; m < n_models; ++m) {
    names.push_back("model-" + std::to_string(m));
    strength.push_back(std::pow(1.3, m));
  }
  scoring::Rng rng(42);
  std::vector<web::TallyVote> raw;
  std::vector<std::string> prompts;
  prompts.reserve(n_votes);
  raw.reserve(n_votes);
  for (int64_t i = 0; i < n_votes; ++i) {
    const int a = static_cast<int>(rng.Below(n_models));
    int b = static_cast<int>(rng.Below(n_models - 1));
    if (b >= a) ++b;
    const double u = static_cast<double>(rng.Next() >> 11) * 0x1.0p-53;
    const double p = strength[a] / (strength[a] + strength[b]);
    const auto choice = u < p * 0.9 ? store::VoteChoice::kA
                        : u < 0.9   ? store::VoteChoice::kB
                                    : store::VoteChoice::kTie;
    // One prompt in ten repeats an earlier one.
    prompts.push_back(i % 10 == 9 ? prompts[rng.Below(prompts.size())] : "prompt " + std::to_string(i));
    raw.push_back({static_cast<int64_t>(rng.Below(5000)), names[a], names[b], choice, {}});
  }
  for (int64_t i = 0; i < n_votes; ++i) raw[i].prompt = prompts[i];

  const double cpu0 = CpuSeconds();
  const auto t0 = Clock::now();
  web::VoteTally tally;
  for (const web::TallyVote& v : raw) tally.Add(v);
  const auto t1 = Clock::now();
  const double cpu1 = CpuSeconds();
  web::LeaderboardOptions options;
  options.bootstrap_rounds = rounds;
  const web::Leaderboard board = web::ComputeLeaderboard(tally, options);
  const auto t2 = Clock::now();
  const double cpu2 = CpuSeconds();

  // Baseline: resample each vote, 3 rounds, scaled to `rounds`.
  const int naive_rounds = 3;
  std::mt19937_64 gen(1);
  const std::vector<web::VoteTally::Cell> cells = tally.Cells();
  std::vector<const web::TallyVote*> index;
  for (const auto& v : raw) index.push_back(&v);
  const auto n0 = Clock::now();
  double sink = 0;
  for (int r = 0; r < naive_rounds; ++r) {
    std::vector<std::vector<double>> wins(n_models, std::vector<double>(n_models, 0));
    for (int64_t i = 0; i < n_votes; ++i) {
      const web::TallyVote& v = *index[gen() % index.size()];
      const int a = v.model_a.back() - '0', b = v.model_b.back() - '0';
      if (v.choice == store::VoteChoice::kA) wins[a][b] += 1;
      else if (v.choice == store::VoteChoice::kB) wins[b][a] += 1;
      else wins[a][b] += 0.5, wins[b][a] += 0.5;
    }
    sink += web::FitStrengths(wins)[0];
  }
  const double naive = Seconds(n0, Clock::now()) / naive_rounds * rounds;
  const double fast = Seconds(t1, t2);
  std::printf("leaderboard: %lld votes, %d models, %zu cells; tally %.3f s, %.3f s CPU (incremental in "
              "the server)\n",
              static_cast<long long>(n_votes), n_models, cells.size(), Seconds(t0, t1), cpu1 - cpu0);
  std::printf("leaderboard: BT + bootstrap CPU %.3f s\n", cpu2 - cpu1);
  std::printf("leaderboard: BT + %d bootstrap rounds %.3f s; naive per-vote bootstrap %.1f s (x%.0f); "
              "target <= 2 s -> %s\n",
              rounds, fast, naive, naive / fast, fast <= 2.0 ? "MET" : "NOT MET");
  std::printf("leaderboard: top %s %.1f [%.1f, %.1f], flags %zu (check %.3f)\n",
              board.models[0].name.c_str(), board.models[0].rating, board.models[0].ci_lo,
              board.models[0].ci_hi, board.flags.size(), sink);
}

}  // namespace
}  // namespace dokja::bench

int main(int argc, char** argv) {
  int votes = 20000, clients = 64;
  bool http = true, bt = true;
  std::string postgres = std::getenv("DOKJA_TEST_POSTGRES_URL") ? std::getenv("DOKJA_TEST_POSTGRES_URL") : "";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--votes" && i + 1 < argc) votes = std::atoi(argv[++i]);
    else if (a == "--clients" && i + 1 < argc) clients = std::atoi(argv[++i]);
    else if (a == "--postgres" && i + 1 < argc) postgres = argv[++i];
    else if (a == "--skip-http") http = false;
    else if (a == "--skip-bt") bt = false;
    else {
      std::fprintf(stderr, "usage: arena [--votes N] [--clients C] [--postgres URL] [--skip-http] [--skip-bt]\n");
      return 2;
    }
  }
  if (votes < 1 || clients < 1) return 2;
  if (bt) dokja::bench::Leaderboard(1000000, 1000);
  if (http) {
    dokja::bench::HttpVotes("sqlite", "", votes, clients);
    if (!postgres.empty()) dokja::bench::HttpVotes("postgresql", postgres, votes, clients);
  }
  return 0;
}
