// A bounded queue of jobs run by a fixed set of workers, each owning one
// engine Session (its own KV cache) over the shared, immutable Engine.
//
// Thread-safe: TrySubmit and the counters may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace dokja::serve {

class WorkerPool {
 public:
  // Runs on a worker thread with that worker's session; the session holds
  // whatever the previous job left, so jobs reset it (engine functions do).
  using Job = std::function<void(engine::Session& session)>;

  // `engine` must outlive the pool. REQUIRES: n_workers >= 1, max_queue >= 0.
  WorkerPool(const engine::Engine& engine, int32_t n_workers, int32_t max_queue);
  // Runs the jobs still queued, then joins the workers.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job` unless n_workers + max_queue jobs are already running or
  // waiting; false means rejected (the caller answers 429).
  bool TrySubmit(Job job);

  // Jobs waiting for a worker.
  int64_t queued() const;
  // Jobs running now.
  int64_t running() const;

 private:
  void WorkerLoop(engine::Session& session);

  const int32_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // guarded by mu_
  int64_t running_ = 0;    // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::vector<std::unique_ptr<engine::Session>> sessions_;
  std::vector<std::thread> threads_;
};

}  // namespace dokja::serve
