// Streaming per-tensor statistics: one pass over the values, bounded memory.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "tensorfile/tensor_file.h"

namespace dokja {

struct TensorStats {
  uint64_t n = 0;        // finite values counted
  uint64_t n_nan = 0;
  uint64_t n_inf = 0;
  double min = 0;
  double max = 0;
  double mean = 0;
  double stddev = 0;     // population standard deviation
  double sum = 0;        // checksum-grade sum of all finite values
};

// Accumulates values chunk by chunk (Welford-free: sums in double per chunk,
// which is exact enough for reporting and order-independent across chunks).
class StatsAccumulator {
 public:
  void Add(const float* values, uint64_t n);
  TensorStats Finish() const;

 private:
  TensorStats s_;
  double sum_sq_ = 0;
};

// Streams the tensor through StatsAccumulator. `on_bytes` (may be null) is
// called with the stored bytes consumed after each chunk, for progress bars.
Result<TensorStats> ComputeTensorStats(const TensorFile& file, const TensorInfo& t,
                                       const std::function<void(uint64_t)>* on_bytes = nullptr);

}  // namespace dokja
