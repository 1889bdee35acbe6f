#include "audit/internal/match.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/simd.h"

namespace dokja::audit::internal {
namespace {

typedef float V8 __attribute__((vector_size(32)));

// Columns per pass: a block of 64 reference rows then stays in L2.
constexpr uint64_t kColumnBlock = 1024;

// Adds the dot products over columns [k0, k1) of a 2 x 4 tile to out.
// Rows past the end repeat the last one (their results are dropped).
DOKJA_VECTOR_CLONES void Tile(const float* a0, const float* a1, const float* const* b, uint64_t k0,
                              uint64_t k1, float out[2][4]) {
  V8 acc[2][4] = {};
  uint64_t k = k0;
  for (; k + 8 <= k1; k += 8) {
    V8 x0, x1;
    std::memcpy(&x0, a0 + k, sizeof x0);
    std::memcpy(&x1, a1 + k, sizeof x1);
    for (int t = 0; t < 4; ++t) {
      V8 y;
      std::memcpy(&y, b[t] + k, sizeof y);
      acc[0][t] += x0 * y;
      acc[1][t] += x1 * y;
    }
  }
  for (int t = 0; t < 4; ++t) {
    float s0 = 0, s1 = 0;
    for (int l = 0; l < 8; ++l) s0 += acc[0][t][l], s1 += acc[1][t][l];
    for (uint64_t r = k; r < k1; ++r) s0 += a0[r] * b[t][r], s1 += a1[r] * b[t][r];
    out[0][t] += s0;
    out[1][t] += s1;
  }
}

// Centres one row and scales it to unit norm: sums in 8 float lanes (so the
// loop vectorises), combined in double.
DOKJA_VECTOR_CLONES void NormaliseRow(float* row, uint64_t cols) {
  float lanes[8] = {};
  uint64_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    for (int l = 0; l < 8; ++l) lanes[l] += row[c + l];
  }
  double sum = 0;
  for (; c < cols; ++c) sum += row[c];
  for (float l : lanes) sum += l;
  const float mean = static_cast<float>(sum / static_cast<double>(cols));
  float sq[8] = {};
  c = 0;
  for (; c + 8 <= cols; c += 8) {
    for (int l = 0; l < 8; ++l) {
      row[c + l] -= mean;
      sq[l] += row[c + l] * row[c + l];
    }
  }
  double ss = 0;
  for (; c < cols; ++c) row[c] -= mean, ss += static_cast<double>(row[c]) * row[c];
  for (float l : sq) ss += l;
  const float inv = ss > 0 ? static_cast<float>(1.0 / std::sqrt(ss)) : 0.0f;
  for (c = 0; c < cols; ++c) row[c] *= inv;
}

}  // namespace

void NormaliseRows(std::vector<float>* v, uint64_t cols) {
  if (cols == 0) return;
  for (uint64_t r = 0; r + cols <= v->size(); r += cols) NormaliseRow(v->data() + r, cols);
}

void CrossDots(const float* a, uint64_t na, const float* b, uint64_t nb, uint64_t m, float* out) {
  std::fill(out, out + na * nb, 0.0f);
  if (na == 0 || nb == 0) return;
  for (uint64_t k0 = 0; k0 < m; k0 += kColumnBlock) {
    const uint64_t k1 = std::min(m, k0 + kColumnBlock);
    for (uint64_t i = 0; i < na; i += 2) {
      const uint64_t i1 = std::min(i + 1, na - 1);
      for (uint64_t j = 0; j < nb; j += 4) {
        const float* bt[4];
        for (uint64_t t = 0; t < 4; ++t) bt[t] = b + std::min(j + t, nb - 1) * m;
        float tile[2][4] = {};
        Tile(a + i * m, a + i1 * m, bt, k0, k1, tile);
        for (uint64_t t = 0; t < 4 && j + t < nb; ++t) {
          out[i * nb + j + t] += tile[0][t];
          if (i + 1 < na) out[(i + 1) * nb + j + t] += tile[1][t];
        }
      }
    }
  }
}

BestRowMatch::BestRowMatch(std::vector<float> ref, uint64_t cols)
    : ref_(std::move(ref)), cols_(cols) {
  const uint64_t k = cols_ == 0 ? 0 : ref_.size() / cols_;
  best_r_.assign(k, -2.0);
  best_row_.assign(k, 0);
}

void BestRowMatch::Add(const std::vector<float>& chunk, uint64_t first_row) {
  if (cols_ == 0) return;
  const uint64_t n = chunk.size() / cols_, k = best_r_.size();
  dots_.resize(n * k);
  CrossDots(chunk.data(), n, ref_.data(), k, cols_, dots_.data());
  for (uint64_t i = 0; i < n; ++i) {
    for (uint64_t j = 0; j < k; ++j) {
      const double r = dots_[i * k + j];
      if (r > best_r_[j]) best_r_[j] = r, best_row_[j] = first_row + i;
    }
  }
}

}  // namespace dokja::audit::internal
