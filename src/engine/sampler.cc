#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace dokja::engine {

int32_t ArgMax(std::span<const float> logits) {
  int32_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[static_cast<size_t>(best)]) best = static_cast<int32_t>(i);
  }
  return best;
}

double Sampler::Uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

int32_t Sampler::Sample(std::span<const float> logits) {
  if (params_.temperature <= 0.0f || logits.size() < 2) return ArgMax(logits);
  struct Cand {
    int32_t id;
    double p;
  };
  std::vector<Cand> c(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    c[i] = {static_cast<int32_t>(i), static_cast<double>(logits[i]) / params_.temperature};
  }
  // Highest first; ties by id so the order is deterministic.
  auto by_p = [](const Cand& a, const Cand& b) { return a.p > b.p || (a.p == b.p && a.id < b.id); };
  size_t keep = c.size();
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < keep) keep = static_cast<size_t>(params_.top_k);
  std::partial_sort(c.begin(), c.begin() + static_cast<ptrdiff_t>(keep), c.end(), by_p);
  c.resize(keep);
  const double mx = c.front().p;
  double sum = 0;
  for (Cand& x : c) sum += (x.p = std::exp(x.p - mx));
  for (Cand& x : c) x.p /= sum;
  if (params_.top_p < 1.0f) {
    double cum = 0;
    size_t n = 0;
    while (n < c.size() && cum < params_.top_p) cum += c[n++].p;
    c.resize(std::max<size_t>(1, n));
    sum = cum;
  } else {
    sum = 1.0;
  }
  double r = Uniform() * sum;
  for (const Cand& x : c) {
    if (r < x.p) return x.id;
    r -= x.p;
  }
  return c.back().id;
}

}  // namespace dokja::engine
