#include "tensorfile/tensor_stats.h"

#include "base/simd.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dokja {

DOKJA_VECTOR_CLONES void StatsAccumulator::Add(const float* values, uint64_t n) {
  // Eight independent lanes let the compiler vectorise the hot loop.
  constexpr int kLanes = 8;
  double sum[kLanes] = {}, sq[kLanes] = {};
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  uint64_t finite = 0;
  uint64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      float v = values[i + l];
      bool ok = std::isfinite(v);
      float x = ok ? v : 0.0f;
      sum[l] += x;
      sq[l] += static_cast<double>(x) * x;
      lo = ok ? std::min(lo, v) : lo;
      hi = ok ? std::max(hi, v) : hi;
      finite += ok;
    }
  }
  for (; i < n; ++i) {
    float v = values[i];
    if (!std::isfinite(v)) continue;
    sum[0] += v;
    sq[0] += static_cast<double>(v) * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    ++finite;
  }
  for (uint64_t j = 0; j < n; ++j) {
    if (std::isnan(values[j])) ++s_.n_nan;
    else if (std::isinf(values[j])) ++s_.n_inf;
  }
  for (int l = 0; l < kLanes; ++l) {
    s_.sum += sum[l];
    sum_sq_ += sq[l];
  }
  if (finite > 0) {
    s_.min = s_.n == 0 ? lo : std::min<double>(s_.min, lo);
    s_.max = s_.n == 0 ? hi : std::max<double>(s_.max, hi);
  }
  s_.n += finite;
}

TensorStats StatsAccumulator::Finish() const {
  TensorStats out = s_;
  if (out.n > 0) {
    out.mean = out.sum / static_cast<double>(out.n);
    double var = sum_sq_ / static_cast<double>(out.n) - out.mean * out.mean;
    out.stddev = std::sqrt(std::max(0.0, var));
  }
  return out;
}

Result<TensorStats> ComputeTensorStats(const TensorFile& file, const TensorInfo& t,
                                       const std::function<void(uint64_t)>* on_bytes) {
  StatsAccumulator acc;
  const double bytes_per_value = static_cast<double>(t.n_bytes) / std::max<uint64_t>(1, t.n_elements);
  DOKJA_RETURN_IF_ERROR(file.StreamF32(t, [&](const float* v, uint64_t, uint64_t count) {
    acc.Add(v, count);
    if (on_bytes != nullptr) (*on_bytes)(static_cast<uint64_t>(count * bytes_per_value));
    return Status::OK();
  }));
  return acc.Finish();
}

}  // namespace dokja
