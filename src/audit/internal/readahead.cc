#include "audit/internal/readahead.h"

#include <algorithm>
#include <chrono>

namespace dokja::audit::internal {
namespace {
constexpr uint64_t kStep = 8 << 20;  // 8 MiB per hint
}  // namespace

ReadAhead::ReadAhead(const TensorFile& file, uint64_t window_bytes) : file_(file), window_(window_bytes) {
  for (const std::string& path : file.paths()) {
    auto h = port::OpenReadOnly(path);
    handles_.push_back(h.ok() ? std::move(h).value() : port::FileHandle());
  }
  thread_ = std::thread([this] { Run(); });
}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAhead::Advance(uint64_t bytes) {
  consumed_.store(bytes, std::memory_order_relaxed);
  cv_.notify_all();
}

void ReadAhead::Run() {
  uint64_t ahead = 0;  // bytes hinted so far, in file order
  for (const TensorInfo& t : file_.tensors()) {
    const port::FileHandle& h = handles_[t.file_index];
    for (uint64_t off = 0; off < t.n_bytes; off += kStep) {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stop_ && ahead >= consumed_.load(std::memory_order_relaxed) + window_) {
        cv_.wait_for(lock, std::chrono::milliseconds(5));
      }
      if (stop_) return;
      lock.unlock();
      const uint64_t n = std::min(kStep, t.n_bytes - off);
      if (h.valid()) port::AdviseWillNeed(h, t.offset + off, n);
      ahead += n;
    }
  }
}

}  // namespace dokja::audit::internal
