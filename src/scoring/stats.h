// The statistics behind the stage decision: Krippendorff's alpha (interval
// metric), per-expert normalisation, Bradley-Terry by MM (Zermelo)
// iterations, and a seeded bootstrap that gives the same intervals on every
// machine (its generator is our own, not the standard library's
// distributions, whose output is implementation-defined).
//
// Thread-safety: free functions over values; Rng is not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace dokja::scoring {

// Krippendorff's alpha for interval data. ratings[unit][coder] holds
// std::nullopt where the coder did not rate the unit. Units with fewer than two
// values are not pairable and drop out. Returns nullopt when fewer than two
// pairable values exist or every value is equal (expected disagreement 0).
struct AlphaResult {
  std::optional<double> alpha;
  uint32_t n_units = 0;   // pairable units
  uint32_t n_values = 0;  // pairable values
};
AlphaResult KrippendorffAlphaInterval(const std::vector<std::vector<std::optional<double>>>& ratings);

// Mean of values after dropping floor(n * fraction) from each end.
// REQUIRES: !values.empty(), 0 <= fraction < 0.5.
double TrimmedMean(std::vector<double> values, double fraction);

double Mean(const std::vector<double>& values);
// Population standard deviation (divides by n).
double StdDev(const std::vector<double>& values);

// Bradley-Terry strengths from a win matrix: wins[i][j] is how often i beat j
// (ties counted as half a win to each side before calling). Zermelo / Hunter's
// MM update p_i = W_i / sum_j n_ij / (p_i + p_j), renormalised each step to a
// geometric mean of 1. Players with no games keep strength 1; a player with
// no wins gets a floor (see .cc) so the iteration stays finite.
struct BradleyTerryOptions {
  uint32_t max_iterations = 10000;
  double tolerance = 1e-12;  // max relative change of a strength
  double pseudo_wins = 0;    // added to every played pair both ways (regularises)
  // Starting strengths (warm start, e.g. a bootstrap round from the point
  // estimate); empty or the wrong size: all 1. Non-positive entries become 1.
  std::vector<double> initial;
};
struct BradleyTerryResult {
  std::vector<double> strength;  // geometric mean 1 over players with games
  uint32_t iterations = 0;
  bool converged = false;
};
BradleyTerryResult BradleyTerry(const std::vector<std::vector<double>>& wins,
                                const BradleyTerryOptions& options = {});

// Expected win rate of each player against every other player (the mean of
// p_i / (p_i + p_j) over j != i): a 0..1 value that points can be mapped from.
std::vector<double> ExpectedWinRate(const std::vector<double>& strength);

// SplitMix64: small, fast, identical everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n) without modulo bias. REQUIRES: n > 0.
  uint64_t Below(uint64_t n);

 private:
  uint64_t state_;
};

// The [(1 - level) / 2, (1 + level) / 2] percentile interval of samples
// (linear interpolation between order statistics). REQUIRES: !samples.empty().
struct Interval {
  double lo = 0, hi = 0;
};
Interval PercentileInterval(std::vector<double> samples, double level);

}  // namespace dokja::scoring
