// Arena vote throughput of the store: SubmitVote from many threads (each vote
// its own durable transaction), against a baseline measured in the same run
// on the same disk: single-row durable commits through SqliteDb, one thread.
// The target is >= 5,000 votes/s at 64 concurrent clients on SQLite.
//
//   build/bench/store_votes [VOTES] [THREADS] [STORE_URL]
//   defaults: 20000 votes, 64 threads, a fresh SQLite file under $TMPDIR
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace dokja::bench {
namespace {

[[noreturn]] void Die(const Status& st, const char* what) {
  std::fprintf(stderr, "store_votes: %s: %s\n", what, st.ToString().c_str());
  std::exit(1);
}

// Durable single-row commits per second through the raw SQLite layer.
double BaselineCommitsPerSecond(const std::string& path, int n) {
  auto db = store::SqliteDb::Open(path);
  if (!db.ok()) Die(db.status(), "baseline open");
  if (Status st = (*db)->Exec("CREATE TABLE IF NOT EXISTS baseline(k INTEGER)"); !st.ok())
    Die(st, "baseline");
  auto ins = (*db)->Prepare("INSERT INTO baseline VALUES(?)");
  if (!ins.ok()) Die(ins.status(), "baseline prepare");
  auto commit = [&](int i) {
    Status st = (*db)->Begin();
    ins->Reset();
    ins->Bind(1, int64_t{i});
    if (st.ok()) st = ins->Run();
    if (st.ok()) st = (*db)->Commit();
    if (!st.ok()) Die(st, "baseline commit");
  };
  // Warm up first: commits that grow a fresh WAL cost more than the steady
  // state, where the WAL is rewritten in place after each checkpoint.
  for (int i = 0; i < n; ++i) commit(i);
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) commit(i);
  return n / Seconds(t0, Clock::now());
}

// Votes per second with `threads` clients, one vote per ready battle.
double VotesPerSecond(store::Store& s, int votes, int threads, int round) {
  std::vector<int64_t> users(static_cast<size_t>(threads));
  std::vector<std::vector<int64_t>> battles(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    std::string name = "bench-" + std::to_string(round) + "-" + std::to_string(t);
    auto id = s.CreateAccount({name, name, store::Role::kUser, "h", 0, 0});
    if (!id.ok()) Die(id.status(), "account");
    users[static_cast<size_t>(t)] = *id;
    for (int i = t; i < votes; i += threads) {
      auto b = s.CreateBattle(
          {0, *id, "p", "model-a", "model-b", true, "ra", "rb", store::BattleState::kReady, 0});
      if (!b.ok()) Die(b.status(), "battle");
      battles[static_cast<size_t>(t)].push_back(*b);
    }
  }
  std::atomic<int> failures{0};
  auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const size_t ti = static_cast<size_t>(t);
      for (size_t i = 0; i < battles[ti].size(); ++i) {
        store::NewVote v;
        v.battle_id = battles[ti][i];
        v.user_id = users[ti];
        v.choice = store::VoteChoice::kA;
        v.idempotency_key = std::to_string(round) + ":" + std::to_string(v.battle_id);
        v.daily_cap = 1000000;
        auto r = s.SubmitVote(v);
        if (!r.ok() && failures++ == 0) {
          std::fprintf(stderr, "store_votes: %s\n", r.status().ToString().c_str());
        }
      }
    });
  }
  for (std::thread& th : pool) th.join();
  double secs = Seconds(t0, Clock::now());
  if (failures > 0) std::fprintf(stderr, "store_votes: %d votes failed\n", failures.load());
  return votes / secs;
}

}  // namespace
}  // namespace dokja::bench

int main(int argc, char** argv) {
  using namespace dokja;
  const int votes = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 64;
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = tmp ? tmp : "/tmp";
  const std::string path = dir + "/dokja_store_votes_bench.db";
  const std::string url = argc > 3 ? argv[3] : "sqlite:" + path;
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + ".base" + suffix).c_str());

  const double base = bench::BaselineCommitsPerSecond(path + ".base", 2000);
  auto s = store::OpenStore(url, {threads});
  if (!s.ok()) bench::Die(s.status(), "open");
  const double one = bench::VotesPerSecond(**s, votes / 4, 1, 0);
  const double many = bench::VotesPerSecond(**s, votes, threads, 1);
  std::printf("store_votes (%s, %d votes)\n", std::string((*s)->backend()).c_str(), votes);
  std::printf("  baseline: raw SQLite durable 1-row commits, 1 thread: %9.0f /s\n", base);
  std::printf("  SubmitVote, 1 thread:                              %9.0f /s  (%.2fx baseline)\n",
              one, one / base);
  std::printf("  SubmitVote, %d threads:                            %9.0f /s  (%.2fx baseline)\n",
              threads, many, many / base);
  std::printf("  target >= 5000 votes/s at 64 clients: %s\n", many >= 5000 ? "met" : "NOT met");
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + ".base" + suffix).c_str());
  return 0;
}
