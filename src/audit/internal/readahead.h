// Keeps the page cache filled a window ahead of a sequential reader of a
// TensorFile's tensors, so the disk stays busy while the reader computes
// (the kernel's own readahead stops a few MiB ahead, then the disk idles
// until the next read). Hints only (posix_fadvise WILLNEED): nothing is
// copied, and a failure just means slower reads.
//
// Thread-safe: Advance() may be called from the reading thread while the
// helper thread runs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "base/port/file.h"
#include "tensorfile/tensor_file.h"

namespace dokja::audit::internal {

class ReadAhead final {
 public:
  // Starts the helper thread over `file`'s tensors in file order.
  // REQUIRES: `file` outlives this object.
  ReadAhead(const TensorFile& file, uint64_t window_bytes);
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // The reader has consumed `bytes` of tensor bytes in file order.
  void Advance(uint64_t bytes);

 private:
  void Run();

  const TensorFile& file_;
  const uint64_t window_;
  std::vector<port::FileHandle> handles_;
  std::atomic<uint64_t> consumed_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace dokja::audit::internal
