// Answer filters (lm-eval `filter_list`): turn the generated answers of one
// doc (one per repeat) into the single string the metrics compare.
//
// Steps map over the answers in order: regex (extract), lowercase,
// uppercase, strip, remove_whitespace; take_first keeps the first answer;
// majority_vote keeps the most common (ties: the earliest). After the last
// step the first remaining answer is the result.
//
// Reasoning is removed before any step (StripReasoning), so a regex never
// extracts an answer from chain-of-thought.
//
// Thread-safety: immutable after Compile; Apply may run concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "bench/internal/regex.h"
#include "bench/task_spec.h"

namespace dokja::bench::internal {

// The answer part of a generation: the text after the last `end` marker
// when there is one; "" when a `start` marker opens a block that never ends
// (the model ran out of tokens while thinking, so it gave no answer);
// otherwise the text unchanged. Empty `end` disables stripping.
std::string StripReasoning(std::string_view text, std::string_view start, std::string_view end);

class CompiledFilter {
 public:
  // InvalidArgument for a bad regex, naming the pipeline.
  static Result<CompiledFilter> Compile(const FilterPipeline& pipeline);

  // REQUIRES: !answers.empty().
  Result<std::string> Apply(std::vector<std::string> answers) const;
  const std::string& name() const { return pipeline_.name; }

 private:
  explicit CompiledFilter(FilterPipeline pipeline) : pipeline_(std::move(pipeline)) {}
  Result<std::string> Extract(const Regex& regex, const FilterStep& step, const std::string& text) const;

  FilterPipeline pipeline_;
  std::vector<Regex> regexes_;  // one per regex step, in order
};

// Python str.strip() whitespace set, on UTF-8.
std::string StripSpace(std::string_view s);
// ASCII lowercase plus nothing else (Hangul has no case).
std::string AsciiLower(std::string_view s);
std::string AsciiUpper(std::string_view s);

}  // namespace dokja::bench::internal
