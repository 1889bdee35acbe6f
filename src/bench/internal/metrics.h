// Per-sample metrics and their aggregation with standard errors.
//
// A sample's score for a metric is an item {value, weight}. Aggregations:
//   kMean         sum(value) / n                 (acc, acc_norm, exact_match, f1, prompt-level)
//   kRatio        sum(value) / sum(weight)       (inst-level: passed / instructions)
//   kPerplexity   exp(-sum(value) / sum(weight)) (value: log-likelihood, weight: words or bytes)
//   kBitsPerByte  -sum(value) / (sum(weight) ln 2)
// Standard errors: the analytic one for kMean (sample standard deviation
// over sqrt(n), as lm-eval's mean_stderr), a seeded bootstrap for the rest.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "bench/internal/regex.h"
#include "bench/task_spec.h"

namespace dokja::bench::internal {

struct MetricItem {
  double value = 0;
  double weight = 1;
};

enum class Aggregation : uint8_t { kMean, kRatio, kPerplexity, kBitsPerByte };
Aggregation AggregationFor(std::string_view metric);

// NaN for no items (or a zero total weight).
double Aggregate(Aggregation agg, std::span<const MetricItem> items);

// Sample standard deviation (n - 1) over sqrt(n); NaN for fewer than 2 values.
double MeanStderr(std::span<const MetricItem> items);

// Standard deviation (n - 1) of the aggregate over `iters` resamples of
// the items with replacement, drawn from SplitMix64(seed). NaN for fewer
// than 2 items or iters < 2.
double BootstrapStderr(Aggregation agg, std::span<const MetricItem> items, int32_t iters, uint64_t seed);

// exact_match with HF evaluate's options: regexes_to_ignore removed first,
// then case folded (ASCII) and ASCII punctuation removed when asked.
class ExactMatcher {
 public:
  static Result<ExactMatcher> Compile(const MetricSpec& spec);
  Result<double> Score(std::string_view prediction, std::string_view reference) const;

 private:
  ExactMatcher() = default;
  Result<std::string> Normalise(std::string_view s) const;
  bool ignore_case_ = false;
  bool ignore_punctuation_ = false;
  std::vector<Regex> ignore_;
};

// SQuAD-style token F1: lowercased (ASCII), punctuation removed, split on
// whitespace (Korean eojeol). 1 when both are empty, 0 when one is.
double TokenF1(std::string_view prediction, std::string_view reference);

// Code points in UTF-8 text (acc_norm's length: Python len(choice)).
int64_t CodePoints(std::string_view s);
// Whitespace-separated words (word_perplexity's count).
int64_t CountWords(std::string_view s);

}  // namespace dokja::bench::internal
