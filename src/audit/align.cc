#include "audit/align.h"

#include <algorithm>
#include <cmath>

#include "audit/internal/match.h"
#include "audit/stats.h"

namespace dokja::audit {
namespace {

// Columns centred and scaled to unit norm, stored column-major for dot products.
std::vector<float> NormalisedColumns(const Dense& m) {
  std::vector<float> out(m.rows * m.cols);
  for (uint64_t c = 0; c < m.cols; ++c) {
    double mean = 0;
    for (uint64_t r = 0; r < m.rows; ++r) mean += m.at(r, c);
    mean /= static_cast<double>(std::max<uint64_t>(1, m.rows));
    double ss = 0;
    for (uint64_t r = 0; r < m.rows; ++r) ss += (m.at(r, c) - mean) * (m.at(r, c) - mean);
    const double inv = ss > 0 ? 1.0 / std::sqrt(ss) : 0.0;
    for (uint64_t r = 0; r < m.rows; ++r) {
      out[c * m.rows + r] = static_cast<float>((m.at(r, c) - mean) * inv);
    }
  }
  return out;
}


}  // namespace

bool SignedPermutation::identity() const {
  for (size_t j = 0; j < perm.size(); ++j) {
    if (perm[j] != j || sign[j] < 0) return false;
  }
  return true;
}

namespace {

// Matches `d` candidate items to `d` reference items, each n normalised
// values in a row of a / b (MatchColumns' contract).
SignedPermutation MatchNormalised(const std::vector<float>& a, const std::vector<float>& b, uint64_t d,
                                  uint64_t n, double log10_alpha, bool allow_sign) {
  std::vector<uint32_t> perm(d);
  std::vector<int8_t> sign(d);
  std::vector<bool> taken(d, false);
  double worst = -1e300;
  // All d x d correlations, kChunk candidate items at a time.
  constexpr uint64_t kChunk = 64;
  std::vector<float> dots(kChunk * d);
  for (uint64_t j0 = 0; j0 < d; j0 += kChunk) {
    const uint64_t nj = std::min(kChunk, d - j0);
    internal::CrossDots(a.data() + j0 * n, nj, b.data(), d, n, dots.data());
    for (uint64_t jj = 0; jj < nj; ++jj) {
      const uint64_t j = j0 + jj;
      double best = -1;
      uint64_t best_i = 0;
      int8_t best_s = 1;
      for (uint64_t i = 0; i < d; ++i) {
        const double dot = dots[jj * d + i];
        const double score = allow_sign ? std::abs(dot) : dot;
        if (score > best) best = score, best_i = i, best_s = dot < 0 ? -1 : 1;
      }
      if (taken[best_i]) return SignedPermutation();  // not a bijection
      taken[best_i] = true;
      perm[j] = static_cast<uint32_t>(best_i);
      sign[j] = best_s;
      // Under independence each correlation is ~N(0, 1/n); the best of d (two-sided
      // when signs are free) is corrected by 2d.
      const double log10_p = BonferroniLog10(NormalLog10Upper(best * std::sqrt(static_cast<double>(n))),
                                             (allow_sign ? 2 : 1) * d);
      worst = std::max(worst, log10_p);
    }
  }
  if (worst > log10_alpha) return SignedPermutation();
  SignedPermutation out;
  out.perm = std::move(perm);
  out.sign = std::move(sign);
  out.worst_log10_p = worst;
  return out;
}

}  // namespace

SignedPermutation MatchColumns(const Dense& cand, const Dense& ref, double log10_alpha,
                               bool allow_sign) {
  if (cand.rows != ref.rows || cand.cols != ref.cols || cand.rows < 8 || cand.cols == 0) return {};
  return MatchNormalised(NormalisedColumns(cand), NormalisedColumns(ref), cand.cols, cand.rows, log10_alpha,
                         allow_sign);
}

bool ColumnsLookMatchable(const Dense& cand, const Dense& ref, double log10_alpha,
                          uint64_t probes) {
  if (cand.rows != ref.rows || cand.cols != ref.cols || cand.rows < 8 || cand.cols == 0) return false;
  const std::vector<float> a = NormalisedColumns(cand), b = NormalisedColumns(ref);
  const uint64_t n = cand.rows, d = cand.cols;
  probes = std::min(probes, d);
  for (uint64_t k = 0; k < probes; ++k) {
    const uint64_t j = k * d / probes;
    double best = 0;
    for (uint64_t i = 0; i < d; ++i) {
      double dot = 0;
      for (uint64_t r = 0; r < n; ++r) dot += static_cast<double>(a[j * n + r]) * b[i * n + r];
      best = std::max(best, std::abs(dot));
    }
    const double log10_p =
        BonferroniLog10(NormalLog10Upper(best * std::sqrt(static_cast<double>(n))), 2 * d);
    if (log10_p > log10_alpha) return false;
  }
  return true;
}

SignedPermutation MatchRows(const Dense& cand, const Dense& ref, double log10_alpha) {
  if (cand.rows != ref.rows || cand.cols != ref.cols || cand.cols < 8 || cand.rows == 0) return {};
  std::vector<float> a = cand.v, b = ref.v;
  internal::NormaliseRows(&a, cand.cols);
  internal::NormaliseRows(&b, ref.cols);
  return MatchNormalised(a, b, cand.rows, cand.cols, log10_alpha, /*allow_sign=*/false);
}

void ApplyToColumns(const SignedPermutation& p, Dense* m, bool use_sign) {
  std::vector<float> out(m->v.size());
  for (uint64_t r = 0; r < m->rows; ++r) {
    for (uint64_t j = 0; j < m->cols; ++j) {
      const float s = use_sign ? p.sign[j] : 1;
      out[r * m->cols + p.perm[j]] = s * m->v[r * m->cols + j];
    }
  }
  m->v = std::move(out);
}

void ApplyToRows(const SignedPermutation& p, Dense* m, bool use_sign) {
  std::vector<float> out(m->v.size());
  for (uint64_t j = 0; j < m->rows; ++j) {
    const float s = use_sign ? p.sign[j] : 1;
    for (uint64_t c = 0; c < m->cols; ++c) out[p.perm[j] * m->cols + c] = s * m->v[j * m->cols + c];
  }
  m->v = std::move(out);
}

std::vector<float> ColumnNorms(const Dense& m) {
  std::vector<double> ss(m.cols, 0.0);
  for (uint64_t r = 0; r < m.rows; ++r) {
    for (uint64_t c = 0; c < m.cols; ++c) ss[c] += static_cast<double>(m.at(r, c)) * m.at(r, c);
  }
  std::vector<float> out(m.cols);
  for (uint64_t c = 0; c < m.cols; ++c) out[c] = static_cast<float>(std::sqrt(ss[c]));
  return out;
}

Dense Transposed(const Dense& m) {
  Dense t;
  t.rows = m.cols;
  t.cols = m.rows;
  t.v.resize(m.v.size());
  for (uint64_t r = 0; r < m.rows; ++r) {
    for (uint64_t c = 0; c < m.cols; ++c) t.v[c * m.rows + r] = m.v[r * m.cols + c];
  }
  return t;
}

bool IdentityHolds(const Dense& a, const Dense& b, double log10_alpha) {
  if (a.rows != b.rows || a.cols != b.cols || a.rows < 2) return false;
  std::vector<float> ca(a.rows), cb(b.rows);
  for (uint64_t c = 0; c < a.cols; ++c) {
    for (uint64_t r = 0; r < a.rows; ++r) ca[r] = a.at(r, c), cb[r] = b.at(r, c);
    PairedMoments m;
    m.Add(ca.data(), cb.data(), a.rows);
    if (BonferroniLog10(NormalLog10Upper(m.T()), a.cols) > log10_alpha) return false;
  }
  return true;
}

bool RowIdentityHolds(const Dense& a, const Dense& b, double log10_alpha) {
  if (a.rows != b.rows || a.cols != b.cols || a.cols < 2) return false;
  for (uint64_t r = 0; r < a.rows; ++r) {
    PairedMoments m;
    m.Add(a.v.data() + r * a.cols, b.v.data() + r * b.cols, a.cols);
    if (BonferroniLog10(NormalLog10Upper(m.T()), a.rows) > log10_alpha) return false;
  }
  return true;
}

Dense SideBySide(const Dense& a, const Dense& b) {
  Dense c{a.rows, a.cols + b.cols, {}};
  c.v.reserve(a.v.size() + b.v.size());
  for (uint64_t r = 0; r < a.rows; ++r) {
    c.v.insert(c.v.end(), a.v.begin() + r * a.cols, a.v.begin() + (r + 1) * a.cols);
    c.v.insert(c.v.end(), b.v.begin() + r * b.cols, b.v.begin() + (r + 1) * b.cols);
  }
  return c;
}

namespace {

// Each block of `block_rows` consecutive rows as one row (a head's rows,
// flattened); the values are already contiguous.
Dense Blocks(const Dense& m, uint64_t block_rows) {
  return Dense{m.rows / block_rows, block_rows * m.cols, m.v};
}


// A permutation of blocks as one of their rows.
SignedPermutation ExpandBlocks(const SignedPermutation& blocks, uint64_t block_rows) {
  SignedPermutation rows;
  rows.worst_log10_p = blocks.worst_log10_p;
  for (uint64_t b = 0; b < blocks.perm.size(); ++b) {
    for (uint64_t i = 0; i < block_rows; ++i) {
      rows.perm.push_back(static_cast<uint32_t>(blocks.perm[b] * block_rows + i));
      rows.sign.push_back(1);
    }
  }
  return rows;
}

}  // namespace

HeadAlignment MatchHeads(const AttentionWeights& cand, const AttentionWeights& ref, uint64_t head_dim,
                         double log10_alpha) {
  HeadAlignment out;
  const Dense* mats[] = {&cand.q, &cand.k, &cand.v, &ref.q, &ref.k, &ref.v};
  for (const Dense* m : mats) {
    if (head_dim == 0 || m->rows % head_dim != 0 || m->rows == 0) return out;
  }
  if (cand.q.rows != ref.q.rows || cand.k.rows != ref.k.rows || cand.q.cols != ref.q.cols ||
      cand.k.cols != ref.k.cols || cand.v.rows != cand.k.rows || ref.v.rows != ref.k.rows) {
    return out;
  }
  const Dense kv_a = Blocks(SideBySide(cand.k, cand.v), head_dim);
  const Dense kv_b = Blocks(SideBySide(ref.k, ref.v), head_dim);
  const Dense q_a = Blocks(cand.q, head_dim), q_b = Blocks(ref.q, head_dim);
  const uint64_t n_kv = kv_a.rows, group = q_a.rows / n_kv;
  if (n_kv == 0 || q_a.rows % n_kv != 0) return out;
  if (RowIdentityHolds(kv_a, kv_b, log10_alpha) && RowIdentityHolds(q_a, q_b, log10_alpha)) {
    return out;  // heads already in place
  }
  SignedPermutation kv = n_kv > 1 ? MatchRows(kv_a, kv_b, log10_alpha) : SignedPermutation{{0}, {1}, 0};
  SignedPermutation q = MatchRows(q_a, q_b, log10_alpha);
  if (kv.perm.size() != n_kv || q.perm.size() != q_a.rows) return out;
  // A query head must stay with the key/value head it attends through.
  for (uint64_t h = 0; h < q.perm.size(); ++h) {
    if (q.perm[h] / group != kv.perm[h / group]) return out;
  }
  out.q_rows = ExpandBlocks(q, head_dim);
  out.kv_rows = ExpandBlocks(kv, head_dim);
  return out;
}

}  // namespace dokja::audit
