// A small seeded generator with a fixed, documented algorithm (SplitMix64),
// so few-shot draws and bootstrap resamples are the same on every platform
// and standard library (std::uniform_int_distribution is not).
#pragma once

#include <cstdint>

namespace dokja::bench::internal {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n) without modulo bias. REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x = Next();
    while (x >= limit) x = Next();
    return x % n;
  }

 private:
  uint64_t state_;
};

// Mixes two values into one seed (for per-document streams).
inline uint64_t MixSeed(uint64_t a, uint64_t b) {
  SplitMix64 g(a ^ (b * 0x9E3779B97F4A7C15ull));
  g.Next();
  return g.Next();
}

}  // namespace dokja::bench::internal
