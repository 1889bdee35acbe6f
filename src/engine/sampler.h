// Token sampling: greedy, or temperature with top-k and top-p under a seed.
// Reproducible: the same seed and logits give the same tokens on any machine
// (mt19937_64 is fully specified; we draw uniforms from its bits ourselves).
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace dokja::engine {

struct SamplingParams {
  float temperature = 0.0f;  // <= 0: greedy (argmax)
  int32_t top_k = 0;         // 0: no top-k cut
  float top_p = 1.0f;        // >= 1: no nucleus cut
  uint64_t seed = 0;
};

// Index of the largest logit; the lowest index wins ties.
int32_t ArgMax(std::span<const float> logits);

// Thread-compatible: one sampler per sequence.
class Sampler {
 public:
  explicit Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}
  int32_t Sample(std::span<const float> logits);

 private:
  double Uniform();  // in [0, 1)

  SamplingParams params_;
  std::mt19937_64 rng_;
};

}  // namespace dokja::engine
