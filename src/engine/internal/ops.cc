#include "engine/internal/ops.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

namespace dokja::engine {

void MatMulT(const float* x, int32_t n, int32_t in, const float* w, int32_t out,
             const std::vector<float>& bias, float* y) {
  if (n == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1.0f, w, in, x, 1, 0.0f, y, 1);
  } else {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, w, in, 0.0f, y,
                out);
  }
  if (!bias.empty()) {
    for (int32_t r = 0; r < n; ++r) {
      float* row = y + static_cast<int64_t>(r) * out;
      for (int32_t j = 0; j < out; ++j) row[j] += bias[static_cast<size_t>(j)];
    }
  }
}

void RmsNorm(const float* x, int32_t n, int32_t d, const std::vector<float>& gain, float eps,
             float* y) {
  for (int32_t r = 0; r < n; ++r) {
    const float* xr = x + static_cast<int64_t>(r) * d;
    float* yr = y + static_cast<int64_t>(r) * d;
    double ss = 0;
    for (int32_t i = 0; i < d; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    const float scale = static_cast<float>(1.0 / std::sqrt(ss / d + eps));
    for (int32_t i = 0; i < d; ++i) yr[i] = xr[i] * scale * gain[static_cast<size_t>(i)];
  }
}

void Rope(float* x, int32_t n, int32_t n_heads, int32_t head_dim, int32_t pos0,
          const std::vector<double>& inv_freq) {
  const int32_t half = head_dim / 2;
  std::vector<float> cos_t(static_cast<size_t>(half)), sin_t(static_cast<size_t>(half));
  for (int32_t r = 0; r < n; ++r) {
    const double pos = pos0 + r;
    for (int32_t i = 0; i < half; ++i) {
      const double angle = pos * inv_freq[static_cast<size_t>(i)];
      cos_t[static_cast<size_t>(i)] = static_cast<float>(std::cos(angle));
      sin_t[static_cast<size_t>(i)] = static_cast<float>(std::sin(angle));
    }
    for (int32_t h = 0; h < n_heads; ++h) {
      float* v = x + (static_cast<int64_t>(r) * n_heads + h) * head_dim;
      for (int32_t i = 0; i < half; ++i) {
        const float a = v[i], b = v[i + half];
        v[i] = a * cos_t[static_cast<size_t>(i)] - b * sin_t[static_cast<size_t>(i)];
        v[i + half] = a * sin_t[static_cast<size_t>(i)] + b * cos_t[static_cast<size_t>(i)];
      }
    }
  }
}

void SwiGlu(float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

void Softmax(float* x, int32_t n) {
  const float mx = *std::max_element(x, x + n);
  double sum = 0;
  for (int32_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int32_t i = 0; i < n; ++i) x[i] *= inv;
}

void LogSoftmax(const float* x, int32_t n, float* out) {
  const float mx = *std::max_element(x, x + n);
  double sum = 0;
  for (int32_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(x[i]) - mx);
  const double lse = mx + std::log(sum);
  for (int32_t i = 0; i < n; ++i) out[i] = static_cast<float>(x[i] - lse);
}

void SetBlasThreads(int32_t n) { openblas_set_num_threads(n); }

}  // namespace dokja::engine
