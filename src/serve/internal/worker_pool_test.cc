#include "serve/internal/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>

#include "engine/generate.h"

namespace dokja::serve {
namespace {

std::unique_ptr<engine::LocalModel> Model() {
  auto m = engine::LoadLocalModel(std::string(DOKJA_SOURCE_DIR) + "/models/stories260K/stories260K.gguf");
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

TEST(WorkerPool, RejectsBeyondWorkersPlusQueueAndRunsEverythingAccepted) {
  auto model = Model();
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> ran{0};
  {
    WorkerPool pool(model->engine(), 1, 2);
    auto blocked = [&](engine::Session&) {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return release; });
      ++ran;
    };
    EXPECT_TRUE(pool.TrySubmit(blocked));
    EXPECT_TRUE(pool.TrySubmit(blocked));
    EXPECT_TRUE(pool.TrySubmit(blocked));
    EXPECT_FALSE(pool.TrySubmit(blocked));
    {
      std::lock_guard<std::mutex> lock(mu);
      release = true;
    }
    cv.notify_all();
  }
  EXPECT_EQ(ran.load(), 3);
}

TEST(WorkerPool, EachWorkerHasItsOwnSession) {
  auto model = Model();
  std::mutex mu;
  std::set<engine::Session*> seen;
  {
    WorkerPool pool(model->engine(), 3, 30);
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE(pool.TrySubmit([&](engine::Session& s) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::lock_guard<std::mutex> lock(mu);
        seen.insert(&s);
      }));
    }
  }
  EXPECT_LE(seen.size(), 3u);
  EXPECT_GE(seen.size(), 2u);
}

}  // namespace
}  // namespace dokja::serve
