// Benchmark task specifications, read from YAML in the shape
// lm-evaluation-harness uses, so its tasks port with few edits.
// docs/bench_tasks.md describes every field; an example:
//
//   task: kmmlu
//   dataset_path: kmmlu/data/*-{split}.csv     # relative to --data-dir or this file
//   test_split: test
//   fewshot_split: dev
//   output_type: multiple_choice
//   doc_to_text: "{{question.strip()}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\n정답："
//   doc_to_choice: ["A", "B", "C", "D"]
//   doc_to_target: "{{['A', 'B', 'C', 'D'][answer-1]}}"
//   num_fewshot: 5
//   metric_list: [{metric: acc}, {metric: acc_norm}]
//
// A group file names member tasks (or groups) and is scored by micro
// (sample-weighted) and macro (task-averaged) means:
//
//   group: kobest
//   task: [kobest_boolq, kobest_copa, kobest_hellaswag, kobest_sentineg, kobest_wic]
//
// Errors name the file, the 1-based line and the field:
//   "tasks/kmmlu.yaml:9: num_fewshot: expected a non-negative integer, got 'five'".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/backend.h"

namespace dokja::bench {

enum class OutputType : uint8_t { kMultipleChoice, kGenerateUntil, kLoglikelihoodRolling };
std::string_view OutputTypeName(OutputType type);  // "multiple_choice", ...

// One step of a filter pipeline (lm-eval `filter_list[].filter[]`).
struct FilterStep {
  // regex, take_first, majority_vote, lowercase, uppercase, strip,
  // remove_whitespace (leading whitespace only, as lm-eval).
  std::string function;
  std::string regex_pattern;          // regex: ECMAScript syntax
  int32_t group_select = 0;           // regex: which match (-1: the last)
  std::string fallback = "[invalid]"; // regex: when nothing matches
};

struct FilterPipeline {
  std::string name = "none";
  std::vector<FilterStep> steps;
};

struct MetricSpec {
  // acc, acc_norm, exact_match, f1, prompt_level_strict_acc,
  // inst_level_strict_acc, prompt_level_loose_acc, inst_level_loose_acc,
  // word_perplexity, byte_perplexity, bits_per_byte.
  std::string metric;
  bool higher_is_better = true;
  // exact_match options (lm-eval / HF evaluate semantics).
  bool ignore_case = false;
  bool ignore_punctuation = false;
  std::vector<std::string> regexes_to_ignore;
};

struct TaskSpec {
  std::string name;
  std::string file;         // the YAML it came from ("" when parsed from text)
  std::string spec_sha256;  // SHA-256 of the YAML bytes (and of included files, chained)
  std::vector<std::string> tags;

  std::string dataset_path;  // may hold {split} and one '*' in the file name
  std::string test_split = "test";
  std::string validation_split;
  std::string fewshot_split;  // empty: validation, else test (the doc itself excluded)

  OutputType output_type = OutputType::kGenerateUntil;
  std::string description;  // prefix of every prompt (a template)
  std::string doc_to_text;
  std::string doc_to_target;
  std::string doc_to_choice;                  // a field name or a template rendering a list
  std::vector<std::string> doc_to_choice_list;  // or a list, each entry a template
  std::string target_delimiter = " ";
  std::string fewshot_delimiter = "\n\n";
  int32_t num_fewshot = 0;
  uint64_t fewshot_seed = 1234;  // lm-eval's default seed

  GenerationParams gen;  // from generation_kwargs
  int32_t repeats = 1;   // answers per doc (majority_vote needs > 1)

  bool apply_chat_template = false;
  bool fewshot_as_multiturn = false;
  std::string system_instruction;
  // Text from reasoning_start to reasoning_end is removed from generated
  // answers before any filter runs; an unfinished block leaves no answer.
  std::string reasoning_start = "<think>";
  std::string reasoning_end = "</think>";

  std::vector<FilterPipeline> filters;  // empty: one "none" pipeline (take_first)
  std::vector<MetricSpec> metrics;      // empty: defaults for the output type

  // 1-based YAML line of each top-level field, for error messages.
  std::map<std::string, int32_t> field_lines;
};

struct GroupSpec {
  std::string name;
  std::string file;
  std::string spec_sha256;
  std::vector<std::string> members;  // task or group names
};

// What one YAML file holds: a task or a group.
struct TaskFile {
  bool is_group = false;
  TaskSpec task;
  GroupSpec group;
};

// Parses YAML text; `file` labels errors and anchors `include:` paths.
// InvalidArgument "file:line: field: what was expected" for bad fields,
// unknown fields included (a typo must not silently change a benchmark).
Result<TaskFile> ParseTaskYaml(const std::string& yaml, const std::string& file);
// Reads and parses a file. NotFound / IOError for the file itself.
Result<TaskFile> LoadTaskFile(const std::string& path);

// All task and group files under a folder (recursively, *.yaml / *.yml;
// files whose name starts with '_' are include-only bases and are skipped).
// Thread-safety: immutable after Load.
class TaskRegistry {
 public:
  // Fails on the first bad file, or on two definitions of one name.
  static Result<TaskRegistry> Load(const std::string& dir);
  // Adds one parsed file (tests, --task-file). InvalidArgument on a duplicate name.
  Status Add(TaskFile file);

  const std::map<std::string, TaskSpec>& tasks() const { return tasks_; }
  const std::map<std::string, GroupSpec>& groups() const { return groups_; }

  // Expands names (tasks or groups, recursively) into the tasks to run, in
  // order, without duplicates, and the groups involved (members first).
  // NotFound naming an unknown name; InvalidArgument for a group cycle.
  Status Resolve(const std::vector<std::string>& names, std::vector<TaskSpec>* tasks,
                 std::vector<GroupSpec>* groups) const;

 private:
  Status Expand(const std::string& name, std::vector<std::string>& stack,
                std::vector<TaskSpec>* tasks, std::vector<GroupSpec>* groups) const;
  std::map<std::string, TaskSpec> tasks_;
  std::map<std::string, GroupSpec> groups_;
};

}  // namespace dokja::bench
