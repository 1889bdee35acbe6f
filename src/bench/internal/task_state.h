// What LoadTask prepares, shared by request building (task.cc) and scoring
// (task_score.cc).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/internal/doc_template.h"
#include "bench/internal/filters.h"
#include "bench/internal/metrics.h"
#include "bench/task.h"

namespace dokja::bench {

// A template field: a dataset field name (the value as is) or a template.
struct FieldOrTemplate {
  std::string source;      // as written in the YAML
  std::string key;         // YAML field, for errors
  bool is_field = false;   // `source` named a field of the first row
  std::optional<internal::DocTemplate> tmpl;
};

struct LoadedTaskState {
  TaskSpec spec;
  TaskManifest manifest;
  TaskOptions options;
  bool chat = false;
  int32_t num_fewshot = 0;
  uint64_t fewshot_seed = 0;

  std::vector<nlohmann::json> docs;  // test rows (after the limit)
  std::string docs_label;            // file name for errors
  std::vector<nlohmann::json> pool;  // few-shot rows
  std::string pool_label;
  bool pool_is_docs = false;  // the pool is the test split: skip the doc itself

  FieldOrTemplate text, target, choice;
  std::vector<internal::DocTemplate> choice_list;
  std::optional<internal::DocTemplate> description;

  std::vector<internal::CompiledFilter> filters;
  std::vector<MetricSpec> metrics;
  std::vector<std::optional<internal::ExactMatcher>> matchers;  // parallel to metrics
  bool needs_instructions = false;  // an instruction-following metric is asked for
};

// One row, rendered.
struct PreparedDoc {
  std::string text;                  // doc_to_text
  std::string target;                // gold answer as text
  std::vector<std::string> choices;  // multiple_choice
  int64_t gold = -1;                 // index into choices, multiple_choice
};

// `row` is 0-based; errors say "<file> row <row+1>: <field>: ...".
// Scoring skips doc_to_text (`with_text` false) except for rolling tasks.
Result<PreparedDoc> PrepareDoc(const LoadedTaskState& s, const nlohmann::json& doc,
                               const std::string& label, int64_t row, bool with_text = true);

struct LoadedTaskAccess {
  static const LoadedTaskState& State(const LoadedTask& t) { return *t.state_; }
};

// Parses a rendered choice list: JSON, or a Python list literal such as
// "['가', \"it's\", 3]". Exposed for tests.
Result<std::vector<std::string>> ParseChoiceList(std::string_view text);

}  // namespace dokja::bench
