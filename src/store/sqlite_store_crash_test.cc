// kill -9 durability of the SQLite store: a child process submits votes and
// prints each vote id once SubmitVote has returned; the parent kills it with
// SIGKILL mid-stream, reopens the database and finds every printed id, and a
// resubmission after the restart is recognised as a duplicate.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_store.h"

namespace dokja::store {
namespace {

constexpr int kChildThreads = 8;

// One voter thread of the child: votes forever, writing "<id>\n" to `fd`
// after each SubmitVote returns (lines this short are written atomically).
void VoteForever(Store& store, int64_t user, int thread_idx, int fd) {
  for (int64_t i = 0;; ++i) {
    Battle b;
    b.user_id = user;
    b.prompt = "p";
    b.model_a = "a";
    b.model_b = "b";
    b.state = BattleState::kReady;
    Result<int64_t> battle = store.CreateBattle(b);
    if (!battle.ok()) _exit(4);
    NewVote v;
    v.battle_id = *battle;
    v.user_id = user;
    v.idempotency_key = "crash-" + std::to_string(thread_idx) + "-" + std::to_string(i);
    Result<VoteReceipt> r = store.SubmitVote(v);
    if (!r.ok()) _exit(5);
    std::string line = std::to_string(r->vote_id) + "\n";
    if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(6);
  }
}

// The child: several threads vote (so votes share group commits) until killed.
[[noreturn]] void VoteUntilKilled(const std::string& path, int fd) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  if (!store.ok()) _exit(2);
  Result<Account> voter = (*store)->GetAccountByUsername("voter");
  if (!voter.ok()) _exit(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&, t] { VoteForever(**store, voter->id, t, fd); });
  }
  for (std::thread& th : threads) th.join();
  _exit(7);
}

TEST(SqliteStoreCrash, EveryAcknowledgedVoteSurvivesKill9) {
  const std::string path =
      ::testing::TempDir() + "/store_crash_" + std::to_string(getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  {
    Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->CreateAccount({"voter", "V", Role::kUser, "h", 0, 0}).ok());
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    VoteUntilKilled(path, fds[1]);
  }
  close(fds[1]);
  // Read acknowledged ids until we have enough, then kill mid-flight.
  std::vector<int64_t> acked;
  std::string pending;
  char buf[4096];
  while (acked.size() < 300) {
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      acked.push_back(std::stoll(pending.substr(0, nl)));
      pending.erase(0, nl + 1);
    }
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited early with status " << status;
  // Ids already in the pipe were acknowledged too.
  while (true) {
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n <= 0) break;
    pending.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  size_t nl;
  while ((nl = pending.find('\n')) != std::string::npos) {
    acked.push_back(std::stoll(pending.substr(0, nl)));
    pending.erase(0, nl + 1);
  }
  ASSERT_GE(acked.size(), 300u);

  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (int64_t id : acked) {
    Result<Vote> v = (*store)->GetVote(id);
    ASSERT_TRUE(v.ok()) << "acknowledged vote " << id << " lost: " << v.status().ToString();
  }
  // A client that resubmits its last acknowledged vote after the restart
  // gets the same vote back, not a second one.
  Result<Vote> last = (*store)->GetVote(acked.back());
  ASSERT_TRUE(last.ok());
  NewVote retry;
  retry.battle_id = last->battle_id;
  retry.user_id = last->user_id;
  retry.idempotency_key = last->idempotency_key;
  Result<VoteReceipt> again = (*store)->SubmitVote(retry);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->outcome, VoteOutcome::kDuplicate);
  EXPECT_EQ(again->vote_id, acked.back());
  Result<int64_t> n = (*store)->CountCountedVotes();
  ASSERT_TRUE(n.ok());
  EXPECT_GE(*n, static_cast<int64_t>(acked.size()));
  EXPECT_LE(*n, static_cast<int64_t>(acked.size()) + kChildThreads)
      << "at most the in-flight votes are extra";
}

}  // namespace
}  // namespace dokja::store
