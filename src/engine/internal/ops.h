// Numeric kernels of the forward pass. Plain loops; matrix products via BLAS.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace dokja::engine {

// Y[n][out] = X[n][in] * W[out][in]^T (+ bias[out] when non-empty).
void MatMulT(const float* x, int32_t n, int32_t in, const float* w, int32_t out,
             const std::vector<float>& bias, float* y);

// Each of n rows of width d: y = x / rms(x) * gain.
void RmsNorm(const float* x, int32_t n, int32_t d, const std::vector<float>& gain, float eps,
             float* y);

// Rotate-half RoPE on n rows of n_heads heads of head_dim, row i at position pos0 + i.
void Rope(float* x, int32_t n, int32_t n_heads, int32_t head_dim, int32_t pos0,
          const std::vector<double>& inv_freq);

// In place: g[i] = silu(g[i]) * u[i].
void SwiGlu(float* g, const float* u, int64_t n);

// In place numerically stable softmax of a row.
void Softmax(float* x, int32_t n);

// log-softmax of a row into out.
void LogSoftmax(const float* x, int32_t n, float* out);

void SetBlasThreads(int32_t n);

}  // namespace dokja::engine
