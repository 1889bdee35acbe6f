#include "serve/internal/worker_pool.h"

#include <cassert>

namespace dokja::serve {

WorkerPool::WorkerPool(const engine::Engine& engine, int32_t n_workers, int32_t max_queue)
    : capacity_(n_workers + max_queue) {
  assert(n_workers >= 1 && max_queue >= 0);
  for (int32_t i = 0; i < n_workers; ++i) sessions_.push_back(engine.NewSession());
  for (auto& session : sessions_) {
    threads_.emplace_back([this, s = session.get()] { WorkerLoop(*s); });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool WorkerPool::TrySubmit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || static_cast<int64_t>(queue_.size()) + running_ >= capacity_) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

int64_t WorkerPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(queue_.size());
}

int64_t WorkerPool::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void WorkerPool::WorkerLoop(engine::Session& session) {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    job(session);
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
  }
}

}  // namespace dokja::serve
