// Kill -9 under load: the `dokja serve` binary, over a SQLite file, takes
// votes from 8 concurrent keep-alive clients and is
// killed with SIGKILL mid-load. After a restart on the same file, every vote
// that got a 2xx is there exactly once, a retry of it is answered as a
// duplicate with the same vote id, and votes whose answer was lost are
// stored exactly once by their retry.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "store/store.h"
#include "web/auth.h"
#include "web/web_test_util.h"

namespace dokja::web {
namespace {

using testing::Reply;
using testing::TestClient;

constexpr int kUsers = 8;
constexpr int kBattlesPerUser = 250;

// A running `dokja serve` process.
struct Server {
  pid_t pid = -1;
  int port = 0;
};

Server Spawn(const std::string& db, const std::string& dir) {
  const std::string port_file = dir + "/port";
  std::filesystem::remove(port_file);
  Server s;
  s.pid = fork();
  if (s.pid == 0) {
    // The real `dokja serve`, rate limits and the daily cap off so the load
    // is bounded only by the server; its output goes to the test's log.
    const std::string store = "sqlite:" + db;
    execl(DOKJA_BINARY, DOKJA_BINARY, "serve", "--store", store.c_str(), "--listen",
          "127.0.0.1:0", "--port-file", port_file.c_str(), "--address-rate", "0",
          "--account-rate", "0", "--daily-vote-cap", "0", "--threads", "48", "--quiet", nullptr);
    _exit(127);
  }
  for (int i = 0; i < 1000 && s.port == 0; ++i) {
    std::ifstream in(port_file);
    if (!(in >> s.port)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return s;
}

void KillAndReap(Server& s, int signal) {
  if (s.pid <= 0) return;
  kill(s.pid, signal);
  int status = 0;
  waitpid(s.pid, &status, 0);
  s.pid = -1;
}

// Users u0..u7, each with kBattlesPerUser ready battles (written in one
// transaction: a durable commit per battle would take most of the test).
std::vector<std::vector<int64_t>> Populate(const std::string& db) {
  std::vector<std::vector<int64_t>> battles(kUsers);
  auto store = store::OpenStore(db);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(InitCrypto().ok());
  auto hash = HashPassword("correct horse battery", true);
  std::vector<int64_t> users;
  for (int u = 0; u < kUsers; ++u) {
    auto id = (*store)->CreateAccount({"u" + std::to_string(u), "U", store::Role::kUser, *hash, 0, 1});
    EXPECT_TRUE(id.ok());
    users.push_back(*id);
  }
  store->reset();
  auto inserted = testing::InsertReadyBattles(db, users, kBattlesPerUser);
  EXPECT_TRUE(inserted.ok()) << inserted.status().ToString();
  if (inserted.ok()) battles = std::move(*inserted);
  return battles;
}

std::string Key(int64_t battle) { return "vote-" + std::to_string(battle); }

Reply Vote(TestClient& c, int64_t battle) {
  return c.Post("/api/arena/battles/" + std::to_string(battle) + "/vote",
                {{"choice", battle % 3 == 0 ? "left" : "right"}, {"idempotency_key", Key(battle)}});
}

TEST(ArenaKill9, AcknowledgedVotesSurviveAndRetriesAreIdempotent) {
  const std::string dir = ::testing::TempDir() + "/arena_kill_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = dir + "/arena.db";
  const std::vector<std::vector<int64_t>> battles = Populate(db);

  Server server = Spawn(db, dir);
  ASSERT_GT(server.port, 0) << "dokja serve did not start";
  std::mutex mu;
  std::map<int64_t, int64_t> acked;  // battle -> vote id
  std::set<int64_t> unknown;         // sent, answer lost
  std::atomic<int64_t> n_acked{0};
  std::vector<std::thread> clients;
  for (int u = 0; u < kUsers; ++u) {
    clients.emplace_back([&, u] {
      TestClient c(server.port);
      if (c.Login("u" + std::to_string(u)).status != 200) return;
      for (int64_t battle : battles[u]) {
        Reply r = Vote(c, battle);
        std::lock_guard<std::mutex> lock(mu);
        if (r.status / 100 != 2) {
          unknown.insert(battle);
          return;  // the server is gone
        }
        acked[battle] = r.json["vote_id"].get<int64_t>();
        ++n_acked;
      }
    });
  }
  // Kill once a fair share is in, well before the clients could finish.
  for (int i = 0; i < 3000 && n_acked < 400; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  KillAndReap(server, SIGKILL);
  for (std::thread& t : clients) t.join();
  ASSERT_GE(n_acked.load(), 100);
  ASSERT_LT(n_acked.load(), kUsers * kBattlesPerUser) << "the kill came after the load";

  // Restart on the same file.
  server = Spawn(db, dir);
  ASSERT_GT(server.port, 0);
  {
    auto store = store::OpenStore(db);
    ASSERT_TRUE(store.ok());
    for (const auto& [battle, vote_id] : acked) {
      auto vote = (*store)->GetVote(vote_id);
      ASSERT_TRUE(vote.ok()) << "acknowledged vote " << vote_id << " is lost";
      EXPECT_EQ(vote->battle_id, battle);
      EXPECT_EQ(vote->idempotency_key, Key(battle));
    }
    auto counted = (*store)->CountCountedVotes();
    ASSERT_TRUE(counted.ok());
    EXPECT_GE(*counted, static_cast<int64_t>(acked.size()));
    EXPECT_LE(*counted, static_cast<int64_t>(acked.size() + unknown.size()));
  }
  // Retries: acknowledged ones are duplicates of the same vote; lost
  // answers are stored now, or were already.
  std::map<int64_t, int> owner;
  for (int u = 0; u < kUsers; ++u) {
    for (int64_t b : battles[u]) owner[b] = u;
  }
  std::vector<std::unique_ptr<TestClient>> users;
  for (int u = 0; u < kUsers; ++u) {
    users.push_back(std::make_unique<TestClient>(server.port));
    ASSERT_EQ(users.back()->Login("u" + std::to_string(u)).status, 200);
  }
  for (const auto& [battle, vote_id] : acked) {
    Reply r = Vote(*users[owner[battle]], battle);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.json["duplicate"].get<bool>());
    EXPECT_EQ(r.json["vote_id"].get<int64_t>(), vote_id);
  }
  for (int64_t battle : unknown) {
    Reply r = Vote(*users[owner[battle]], battle);
    EXPECT_EQ(r.status, 200) << r.body;
  }
  auto store = store::OpenStore(db);
  ASSERT_TRUE(store.ok());
  auto counted = (*store)->CountCountedVotes();
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(*counted, static_cast<int64_t>(acked.size() + unknown.size()))
      << "every vote exactly once";
  KillAndReap(server, SIGTERM);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dokja::web
