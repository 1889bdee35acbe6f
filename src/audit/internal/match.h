// Best-correlated candidate rows for a few reference rows, with the
// candidate's rows streamed in chunks: the neuron re-matching of the deep
// comparison (transform.h) in O(k * n * cols) time and O(chunk * cols)
// memory for k reference rows against n candidate rows.
#pragma once

#include <cstdint>
#include <vector>

namespace dokja::audit::internal {

// Centres each row of a [rows, cols] matrix and scales it to unit norm
// (constant rows become zero), so that dot products are Pearson r.
void NormaliseRows(std::vector<float>* v, uint64_t cols);

// out[i * nb + j] = sum_k a[i * m + k] * b[j * m + k] for a [na, m] and b [nb, m].
void CrossDots(const float* a, uint64_t na, const float* b, uint64_t nb, uint64_t m, float* out);

// Tracks, for each reference row, the candidate row of largest correlation.
// Not thread-safe.
class BestRowMatch final {
 public:
  // `ref`: k rows of `cols` values, normalised by NormaliseRows.
  BestRowMatch(std::vector<float> ref, uint64_t cols);

  // Candidate rows first_row, first_row + 1, ... ([n, cols], normalised).
  void Add(const std::vector<float>& chunk, uint64_t first_row);

  uint64_t n_ref() const { return best_r_.size(); }
  // Largest r seen per reference row (-2 before any candidate), and its row.
  const std::vector<double>& best_r() const { return best_r_; }
  const std::vector<uint64_t>& best_row() const { return best_row_; }

 private:
  std::vector<float> ref_;
  uint64_t cols_;
  std::vector<double> best_r_;
  std::vector<uint64_t> best_row_;
  std::vector<float> dots_;  // scratch
};

}  // namespace dokja::audit::internal
