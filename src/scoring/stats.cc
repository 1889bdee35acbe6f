#include "scoring/stats.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace dokja::scoring {

AlphaResult KrippendorffAlphaInterval(const std::vector<std::vector<std::optional<double>>>& ratings) {
  AlphaResult r;
  // Observed disagreement: within each unit, every ordered pair of values,
  // weighted 1 / (m_u - 1). Expected: every ordered pair of pairable values.
  double observed = 0;
  std::vector<double> pooled;
  for (const auto& unit : ratings) {
    std::vector<double> v;
    for (const auto& x : unit) {
      if (x.has_value()) v.push_back(*x);
    }
    if (v.size() < 2) continue;
    ++r.n_units;
    double sq = 0;
    for (size_t a = 0; a < v.size(); ++a) {
      for (size_t b = 0; b < v.size(); ++b) sq += (v[a] - v[b]) * (v[a] - v[b]);
    }
    observed += sq / static_cast<double>(v.size() - 1);
    pooled.insert(pooled.end(), v.begin(), v.end());
  }
  r.n_values = static_cast<uint32_t>(pooled.size());
  if (pooled.size() < 2) return r;
  // Sum over ordered pairs of (x - y)^2 = 2 n sum (x - mean)^2.
  const double n = static_cast<double>(pooled.size());
  const double mean = Mean(pooled);
  double ss = 0;
  for (double x : pooled) ss += (x - mean) * (x - mean);
  const double expected_pairs = 2.0 * n * ss;
  if (expected_pairs <= 0) return r;
  // alpha = 1 - D_o / D_e with D_o = observed / n, D_e = expected_pairs / (n (n - 1)).
  r.alpha = 1.0 - (n - 1.0) * observed / expected_pairs;
  return r;
}

double Mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  double s = 0;
  for (double v : values) s += v;
  return s / static_cast<double>(values.size());
}

double StdDev(const std::vector<double>& values) {
  if (values.empty()) return 0;
  const double m = Mean(values);
  double s = 0;
  for (double v : values) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(values.size()));
}

double TrimmedMean(std::vector<double> values, double fraction) {
  assert(!values.empty() && fraction >= 0 && fraction < 0.5);
  std::sort(values.begin(), values.end());
  const size_t cut = static_cast<size_t>(std::floor(static_cast<double>(values.size()) * fraction));
  double s = 0;
  for (size_t i = cut; i < values.size() - cut; ++i) s += values[i];
  return s / static_cast<double>(values.size() - 2 * cut);
}

namespace {

// A player's total games against everyone.
double Games(const std::vector<std::vector<double>>& wins, size_t i) {
  double g = 0;
  for (size_t j = 0; j < wins.size(); ++j) {
    if (j != i) g += wins[i][j] + wins[j][i];
  }
  return g;
}

void NormaliseGeometric(std::vector<double>& p, const std::vector<bool>& active) {
  double log_sum = 0;
  size_t n = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (!active[i]) continue;
    log_sum += std::log(p[i]);
    ++n;
  }
  if (n == 0) return;
  const double scale = std::exp(-log_sum / static_cast<double>(n));
  for (size_t i = 0; i < p.size(); ++i) {
    if (active[i]) p[i] *= scale;
  }
}

}  // namespace

BradleyTerryResult BradleyTerry(const std::vector<std::vector<double>>& wins_in,
                                const BradleyTerryOptions& options) {
  const size_t n = wins_in.size();
  std::vector<std::vector<double>> wins = wins_in;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i != j && wins_in[i][j] + wins_in[j][i] > 0) wins[i][j] += options.pseudo_wins;
    }
  }
  BradleyTerryResult r;
  r.strength.assign(n, 1.0);
  if (options.initial.size() == n) {
    for (size_t i = 0; i < n; ++i) r.strength[i] = options.initial[i] > 0 ? options.initial[i] : 1.0;
  }
  std::vector<bool> active(n);
  std::vector<double> total_wins(n, 0);
  for (size_t i = 0; i < n; ++i) {
    active[i] = Games(wins, i) > 0;
    if (!active[i]) r.strength[i] = 1.0;
    for (size_t j = 0; j < n; ++j) total_wins[i] += (i == j) ? 0 : wins[i][j];
  }
  // A player who never won has MLE strength 0 (and one who never lost, infinity);
  // a floor of 1e-3 wins keeps both finite and their order right.
  for (size_t i = 0; i < n; ++i) total_wins[i] = std::max(total_wins[i], active[i] ? 1e-3 : 0.0);
  for (r.iterations = 1; r.iterations <= options.max_iterations; ++r.iterations) {
    std::vector<double> next = r.strength;
    for (size_t i = 0; i < n; ++i) {
      if (!active[i]) continue;
      double denom = 0;
      for (size_t j = 0; j < n; ++j) {
        const double nij = (i == j) ? 0 : wins[i][j] + wins[j][i];
        if (nij > 0) denom += nij / (r.strength[i] + r.strength[j]);
      }
      next[i] = total_wins[i] / denom;
    }
    NormaliseGeometric(next, active);
    double change = 0;
    for (size_t i = 0; i < n; ++i) change = std::max(change, std::fabs(next[i] - r.strength[i]) / r.strength[i]);
    r.strength = std::move(next);
    if (change < options.tolerance) {
      r.converged = true;
      break;
    }
  }
  return r;
}

std::vector<double> ExpectedWinRate(const std::vector<double>& strength) {
  const size_t n = strength.size();
  std::vector<double> out(n, 0.5);
  if (n < 2) return out;
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t j = 0; j < n; ++j) {
      if (j != i) s += strength[i] / (strength[i] + strength[j]);
    }
    out[i] = s / static_cast<double>(n - 1);
  }
  return out;
}

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rng::Below(uint64_t n) {
  assert(n > 0);
  // Reject the top partial block so every residue is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = Next();
  } while (x >= limit);
  return x % n;
}

Interval PercentileInterval(std::vector<double> samples, double level) {
  assert(!samples.empty());
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    const double pos = q * static_cast<double>(samples.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, samples.size() - 1);
    return samples[lo] + (pos - static_cast<double>(lo)) * (samples[hi] - samples[lo]);
  };
  return {at((1.0 - level) / 2.0), at((1.0 + level) / 2.0)};
}

}  // namespace dokja::scoring
