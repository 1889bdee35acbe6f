#include "bench/internal/metrics.h"

#include <cmath>
#include <limits>
#include <map>

#include "bench/internal/filters.h"
#include "bench/internal/rng.h"

namespace dokja::bench::internal {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool IsAsciiPunct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

std::string RemovePunct(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (!IsAsciiPunct(c)) out.push_back(c);
  }
  return out;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

Aggregation AggregationFor(std::string_view metric) {
  if (metric == "inst_level_strict_acc" || metric == "inst_level_loose_acc") return Aggregation::kRatio;
  if (metric == "word_perplexity" || metric == "byte_perplexity") return Aggregation::kPerplexity;
  if (metric == "bits_per_byte") return Aggregation::kBitsPerByte;
  return Aggregation::kMean;
}

double Aggregate(Aggregation agg, std::span<const MetricItem> items) {
  if (items.empty()) return kNaN;
  double sum = 0, weight = 0;
  for (const MetricItem& it : items) sum += it.value, weight += it.weight;
  switch (agg) {
    case Aggregation::kMean: return sum / static_cast<double>(items.size());
    case Aggregation::kRatio: return weight > 0 ? sum / weight : kNaN;
    case Aggregation::kPerplexity: return weight > 0 ? std::exp(-sum / weight) : kNaN;
    case Aggregation::kBitsPerByte: return weight > 0 ? -sum / (weight * std::log(2.0)) : kNaN;
  }
  return kNaN;
}

double MeanStderr(std::span<const MetricItem> items) {
  const size_t n = items.size();
  if (n < 2) return kNaN;
  double mean = 0;
  for (const MetricItem& it : items) mean += it.value;
  mean /= static_cast<double>(n);
  double ss = 0;
  for (const MetricItem& it : items) ss += (it.value - mean) * (it.value - mean);
  return std::sqrt(ss / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
}

double BootstrapStderr(Aggregation agg, std::span<const MetricItem> items, int32_t iters, uint64_t seed) {
  const size_t n = items.size();
  if (n < 2 || iters < 2) return kNaN;
  SplitMix64 rng(seed);
  std::vector<MetricItem> sample(n);
  double sum = 0, sum_sq = 0;
  for (int32_t it = 0; it < iters; ++it) {
    for (size_t i = 0; i < n; ++i) sample[i] = items[rng.Below(n)];
    const double v = Aggregate(agg, sample);
    sum += v;
    sum_sq += v * v;
  }
  const double k = static_cast<double>(iters);
  const double var = (sum_sq - sum * sum / k) / (k - 1);
  return std::sqrt(std::max(0.0, var));
}

Result<ExactMatcher> ExactMatcher::Compile(const MetricSpec& spec) {
  ExactMatcher m;
  m.ignore_case_ = spec.ignore_case;
  m.ignore_punctuation_ = spec.ignore_punctuation;
  for (const std::string& pattern : spec.regexes_to_ignore) {
    Result<Regex> r = Regex::Compile(pattern);
    if (!r.ok()) return r.status().WithPrefix("exact_match regexes_to_ignore");
    m.ignore_.push_back(std::move(*r));
  }
  return m;
}

Result<std::string> ExactMatcher::Normalise(std::string_view s) const {
  std::string out(s);
  for (const Regex& r : ignore_) {
    DOKJA_ASSIGN_OR_RETURN(out, r.RemoveAll(out));
  }
  if (ignore_case_) out = AsciiLower(out);
  if (ignore_punctuation_) out = RemovePunct(out);
  return out;
}

Result<double> ExactMatcher::Score(std::string_view prediction, std::string_view reference) const {
  DOKJA_ASSIGN_OR_RETURN(std::string p, Normalise(prediction));
  DOKJA_ASSIGN_OR_RETURN(std::string r, Normalise(reference));
  return p == r ? 1.0 : 0.0;
}

double TokenF1(std::string_view prediction, std::string_view reference) {
  std::vector<std::string> pred = Words(RemovePunct(AsciiLower(prediction)));
  std::vector<std::string> ref = Words(RemovePunct(AsciiLower(reference)));
  if (pred.empty() || ref.empty()) return pred.empty() && ref.empty() ? 1.0 : 0.0;
  std::map<std::string, int64_t> ref_counts;
  for (const std::string& w : ref) ++ref_counts[w];
  int64_t common = 0;
  for (const std::string& w : pred) {
    auto it = ref_counts.find(w);
    if (it != ref_counts.end() && it->second > 0) --it->second, ++common;
  }
  if (common == 0) return 0.0;
  const double precision = static_cast<double>(common) / static_cast<double>(pred.size());
  const double recall = static_cast<double>(common) / static_cast<double>(ref.size());
  return 2 * precision * recall / (precision + recall);
}

int64_t CodePoints(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

int64_t CountWords(std::string_view s) { return static_cast<int64_t>(Words(s).size()); }

}  // namespace dokja::bench::internal
