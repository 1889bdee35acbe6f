// RunRequests with the OpenAI backend against a loopback server: the cache,
// repeats, concurrency bound, resume, and kill -9 at a random point.
#include "bench/runner.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "bench/cache.h"
#include "bench/internal/loopback_server.h"
#include "bench/openai_backend.h"
#include "bench/progress.h"
#include "store/sqlite_db.h"

extern char** environ;

namespace dokja::bench {
namespace {

using testing::LoopbackServer;

std::string TempPath(const std::string& name) {
  const std::string path = ::testing::TempDir() + "/runner_test_" + std::to_string(::getpid()) + "_" + name;
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return path;
}

std::unique_ptr<Backend> Make(const LoopbackServer& server) {
  OpenAIBackendOptions o;
  o.base_url = server.base_url();
  return std::move(MakeOpenAIBackend(o)).value();
}

std::vector<Request> Requests(int n, int distinct) {
  std::vector<Request> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out[static_cast<size_t>(i)].context = "q" + std::to_string(i % distinct);
  return out;
}

RunnerOptions Options(const std::string& cache, int concurrency = 4) {
  RunnerOptions o;
  o.concurrency = concurrency;
  o.cache_path = cache;
  o.progress = false;
  o.initial_backoff_s = 0.01;
  return o;
}

TEST(Runner, SecondRunIsAnsweredFromTheCache) {
  LoopbackServer server;
  auto backend = Make(server);
  const auto requests = Requests(50, 50);
  const std::string cache = TempPath("cache.db");
  std::vector<Response> first, second;
  RunStats s1, s2;
  ASSERT_TRUE(RunRequests(*backend, requests, Options(cache), &first, &s1).ok());
  ASSERT_TRUE(RunRequests(*backend, requests, Options(cache), &second, &s2).ok());
  EXPECT_EQ(s1.sent, 50);
  EXPECT_EQ(s2.sent, 0);
  EXPECT_EQ(s2.cached, 50);
  EXPECT_EQ(server.requests(), 50);
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(second[i].text, LoopbackServer::Canned(requests[i].context));
    EXPECT_EQ(second[i].ToJson(), first[i].ToJson());
  }
}

// wall_s covers the whole call, the cache closed before the return; drain_s
// is its part after the last answer (the last commit and the close).
TEST(Runner, StatsSplitTheWallTimeAtTheLastAnswer) {
  LoopbackServer server;
  server.SetDelayMs(5);
  auto backend = Make(server);
  const auto requests = Requests(20, 20);
  const std::string cache = TempPath("drain.db");
  std::vector<Response> responses;
  RunStats stats;
  ASSERT_TRUE(RunRequests(*backend, requests, Options(cache, 4), &responses, &stats).ok());
  EXPECT_EQ(stats.sent, 20);
  // Five rounds of 5 ms requests come before the drain.
  EXPECT_GE(stats.wall_s, 0.025);
  EXPECT_GT(stats.drain_s, 0);
  EXPECT_LE(stats.drain_s, stats.wall_s - 0.025);
  // Closed: the last connection's close checkpointed and removed the WAL.
  EXPECT_FALSE(std::filesystem::exists(cache + "-wal"));
  auto db = store::SqliteDb::Open(cache);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto count = (*db)->Prepare("SELECT count(*) FROM answers");
  ASSERT_TRUE(count.ok());
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->ColumnInt64(0), 20);
}

TEST(Runner, RepeatedRequestsAreSentOnce) {
  LoopbackServer server;
  server.SetDelayMs(5);
  auto backend = Make(server);
  const auto requests = Requests(60, 7);
  std::vector<Response> responses;
  RunStats stats;
  ASSERT_TRUE(RunRequests(*backend, requests, Options(""), &responses, &stats).ok());
  EXPECT_EQ(server.requests(), 7);
  EXPECT_EQ(stats.sent, 7);
  EXPECT_EQ(stats.deduplicated, 53);
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(responses[i].text, LoopbackServer::Canned(requests[i].context));
  }
}

// A cache that cannot be created fails the run with a message naming it:
// before anything is sent when its directory is missing; when creating the
// file itself fails (here a dangling symlink; the runner creates a new
// cache while the first requests are out), once that failure is known: the
// requests sent meanwhile (a few milliseconds' worth) are not all 2,000.
TEST(Runner, CacheThatCannotBeCreatedFailsTheRun) {
  LoopbackServer server;
  auto backend = Make(server);
  std::vector<Response> responses;
  const std::string missing_dir = TempPath("no_such_dir") + "/cache.db";
  Status s = RunRequests(*backend, Requests(20, 20), Options(missing_dir, 2), &responses);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(missing_dir), std::string::npos) << s.ToString();
  EXPECT_EQ(server.requests(), 0);

  const std::string link = TempPath("dangling.db");
  std::filesystem::create_symlink(TempPath("no_such_target_dir") + "/x/cache.db", link);
  s = RunRequests(*backend, Requests(2000, 2000), Options(link, 2), &responses);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find(link), std::string::npos) << s.ToString();
  EXPECT_LT(server.requests(), 2000);
  std::filesystem::remove(link);
}

TEST(Runner, NeverMoreInFlightThanConcurrency) {
  LoopbackServer server;
  server.SetDelayMs(10);
  auto backend = Make(server);
  std::vector<Response> responses;
  ASSERT_TRUE(RunRequests(*backend, Requests(40, 40), Options("", 3), &responses).ok());
  EXPECT_LE(server.max_in_flight(), 3);
  EXPECT_GE(server.max_in_flight(), 2);
}

TEST(Runner, CacheIsKeyedByBackendIdentity) {
  LoopbackServer server;
  OpenAIBackendOptions a, b;
  a.base_url = b.base_url = server.base_url();
  a.model = "model-a";
  b.model = "model-b";
  auto ba = std::move(MakeOpenAIBackend(a)).value();
  auto bb = std::move(MakeOpenAIBackend(b)).value();
  const std::string cache = TempPath("identity.db");
  std::vector<Response> out;
  RunStats stats;
  ASSERT_TRUE(RunRequests(*ba, Requests(5, 5), Options(cache), &out).ok());
  ASSERT_TRUE(RunRequests(*bb, Requests(5, 5), Options(cache), &out, &stats).ok());
  EXPECT_EQ(stats.sent, 5);
  EXPECT_NE(CacheKey(ba->Identity(), Requests(1, 1)[0]), CacheKey(bb->Identity(), Requests(1, 1)[0]));
}

// The key format is on disk (docs/formats/request_cache.md): hex
// SHA-256 of identity, NUL, canonical request JSON, however it is computed.
TEST(Runner, CacheKeyIsShaOfIdentityNulAndRequest) {
  for (size_t identity_len : {0, 1, 54, 55, 63, 64, 65, 119, 200}) {
    const std::string identity(identity_len, 'i');
    const CacheKeyHasher hasher(identity);
    for (size_t json_len : {0, 8, 63, 64, 130}) {
      const std::string json(json_len, 'j');
      const std::string expected = Sha256Hex(identity + std::string(1, '\0') + json);
      EXPECT_EQ(CacheKey(identity, std::string_view(json)), expected);
      EXPECT_EQ(hasher.Key(json), expected) << identity_len << " " << json_len;
    }
  }
  Request r;
  r.context = "q";
  EXPECT_EQ(CacheKey("{}", r), Sha256Hex(std::string("{}") + '\0' +
                                         R"({"context":"q","gen":{"max_tokens":256,"seed":0,)"
                                         R"("temperature":0.0,"top_p":1.0,"until":[]},"kind":"generate_until"})"));
}

TEST(Runner, CorruptCachedAnswerIsReportedNotReturned) {
  LoopbackServer server;
  auto backend = Make(server);
  const std::string cache = TempPath("corrupt.db");
  std::vector<Response> out;
  ASSERT_TRUE(RunRequests(*backend, Requests(3, 3), Options(cache), &out).ok());
  {
    auto db = std::move(store::SqliteDb::Open(cache)).value();
    ASSERT_TRUE(db->Exec("UPDATE answers SET response = '{broken'").ok());
  }
  Status s = RunRequests(*backend, Requests(3, 3), Options(cache), &out);
  EXPECT_EQ(s.code(), StatusCode::kCorrupt);
  EXPECT_NE(s.message().find(cache), std::string::npos) << s.ToString();
}

TEST(Runner, RejectsBadOptions) {
  LoopbackServer server;
  auto backend = Make(server);
  std::vector<Response> out;
  RunnerOptions o = Options("", 0);
  EXPECT_EQ(RunRequests(*backend, Requests(1, 1), o, &out).code(), StatusCode::kInvalidArgument);
}

// Answers committed to the cache: prompt -> response text.
std::map<std::string, std::string> CachedAnswers(const std::string& path) {
  std::map<std::string, std::string> out;
  auto db = store::SqliteDb::Open(path);
  if (!db.ok()) return out;
  auto select = (*db)->Prepare("SELECT request, response FROM answers");
  if (!select.ok()) return out;
  while (true) {
    auto row = select->Step();
    if (!row.ok() || !*row) break;
    const auto request = nlohmann::json::parse(select->ColumnText(0));
    const auto response = nlohmann::json::parse(select->ColumnText(1));
    out[request["context"].get<std::string>()] = response["text"].get<std::string>();
  }
  return out;
}

pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

TEST(Runner, KilledRunResumesWithoutRecomputingOrLosingAnswers) {
  constexpr int kRequests = 400, kConcurrency = 4;
  LoopbackServer server;
  server.SetDelayMs(3);
  const std::string cache = TempPath("kill.db");
  const std::string out = TempPath("kill.out");
  const std::vector<std::string> args = {DOKJA_RESUME_HELPER, server.base_url(), cache,
                                         std::to_string(kRequests), std::to_string(kConcurrency), out};
  pid_t pid = Spawn(args);
  ASSERT_GT(pid, 0);
  // Kill at a random point between 10% and 90% of the requests sent.
  std::mt19937 rng{std::random_device{}()};
  const int kill_at = std::uniform_int_distribution<int>(kRequests / 10, kRequests * 9 / 10)(rng);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (server.requests() < kill_at && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "the helper finished before it was killed";
  // Let handlers of requests in flight at the kill finish before we count.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::map<std::string, std::string> committed = CachedAnswers(cache);
  const std::map<std::string, int> seen_at_kill = server.Seen();
  ASSERT_GT(committed.size(), 0u);
  ASSERT_LT(committed.size(), static_cast<size_t>(kRequests));

  pid = Spawn(args);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << wstatus;

  // Every request answered exactly once in the cache, with the right answer.
  const std::map<std::string, std::string> final_answers = CachedAnswers(cache);
  ASSERT_EQ(final_answers.size(), static_cast<size_t>(kRequests));
  for (const auto& [prompt, text] : final_answers) EXPECT_EQ(text, LoopbackServer::Canned(prompt));
  // The output file holds every answer, in order.
  std::ifstream in(out);
  std::string line;
  int n_lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(line, LoopbackServer::Canned("q" + std::to_string(n_lines)));
    ++n_lines;
  }
  EXPECT_EQ(n_lines, kRequests);
  // Answered = committed to the cache at the kill: never sent again. Sent
  // twice: only requests that were in flight or awaiting commit at the kill.
  const std::map<std::string, int> seen = server.Seen();
  int resent = 0;
  for (const auto& [prompt, count] : seen) {
    if (committed.count(prompt)) {
      EXPECT_EQ(count, 1) << prompt << " was answered before the kill but sent again";
    } else {
      EXPECT_LE(count, 2) << prompt;
      resent += count - 1;
      if (count == 2) {
        EXPECT_EQ(seen_at_kill.count(prompt), 1u);
      }
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRequests));
  // Lost work is bounded by what was in flight or received but uncommitted.
  EXPECT_LE(resent, static_cast<int>(seen_at_kill.size() - committed.size()));
  std::printf("kill -9 after %d requests sent, %zu answers committed; %d requests were sent again\n",
              kill_at, committed.size(), resent);
}

}  // namespace
}  // namespace dokja::bench

namespace dokja::bench {
namespace {

TEST(Progress, LineShowsCountsThroughputAndEta) {
  ProgressCounts c;
  c.done = 50;
  c.cached = 10;
  c.sent = 40;
  c.retries = 3;
  const std::string line = Progress::Line("mmlu", 100, c, 4.0, /*bar=*/true);
  EXPECT_NE(line.find("mmlu ["), std::string::npos) << line;
  EXPECT_NE(line.find("50/100 (50%)"), std::string::npos) << line;
  EXPECT_NE(line.find("10.0 req/s"), std::string::npos) << line;  // 40 sent in 4 s
  EXPECT_NE(line.find("ETA 00:05"), std::string::npos) << line;   // 50 left at 10/s
  EXPECT_NE(line.find("3 retries"), std::string::npos) << line;
  const std::string plain = Progress::Line("", 100, c, 4.0, /*bar=*/false);
  EXPECT_EQ(plain.find('['), std::string::npos);
}

}  // namespace
}  // namespace dokja::bench
