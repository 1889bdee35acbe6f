// The benchmark task pipeline:
//
//   TaskSpec ──LoadTask──▶ LoadedTask ──BuildRequests──▶ Requests
//   Responses (same order) ──ScoreTask──▶ TaskResult + SampleRecords
//   TaskResults ──AggregateGroup──▶ GroupResult (micro and macro means)
//
// Evaluate() runs the whole chain for named tasks and groups with any
// "answer these requests" function (RunRequests over a Backend, or a fake).
// results.h writes the results JSON, samples JSONL and summary table.
//
// Few-shot examples: for doc d, SplitMix64(MixSeed(fewshot_seed, d)) draws
// num_fewshot distinct rows of the few-shot pool (fewshot_split, else
// validation_split, else the test split), never d itself, so a doc's shots
// do not depend on --limit or on which other docs run.
//
// Thread-safety: a LoadedTask is immutable after LoadTask; BuildRequests and
// ScoreTask are const and may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/backend.h"
#include "bench/task_spec.h"

namespace dokja::bench {

struct TaskOptions {
  // Base of relative dataset paths; empty: the folder of the task's YAML.
  std::string data_dir;
  int64_t limit = -1;  // score only the first N test docs; -1: all
  std::optional<int32_t> num_fewshot;        // overrides the spec
  std::optional<uint64_t> fewshot_seed;      // overrides the spec
  std::optional<bool> apply_chat_template;   // overrides the spec
  int32_t bootstrap_iters = 1000;  // resamples for non-mean metrics; 0: no stderr there
  uint64_t bootstrap_seed = 1234;
};

// What identifies a task's inputs, for the run manifest.
struct TaskManifest {
  std::string task;
  std::string spec_file;
  std::string spec_sha256;               // SHA-256 of the YAML bytes
  std::vector<std::string> dataset_files;  // test split files read
  std::string dataset_sha256;            // of the test split's bytes
  std::string fewshot_dataset_sha256;    // of the few-shot pool's bytes ("" when none)
  uint64_t fewshot_seed = 0;
  int32_t num_fewshot = 0;
  bool apply_chat_template = false;
  int64_t limit = -1;
  int64_t n_docs = 0;  // docs scored (after the limit)
  std::string output_type;
};

// The kind of request a task of this output type sends (for Backend::Probe
// before a run).
inline RequestKind RequestKindFor(OutputType type) {
  switch (type) {
    case OutputType::kMultipleChoice: return RequestKind::kLoglikelihood;
    case OutputType::kGenerateUntil: return RequestKind::kGenerate;
    case OutputType::kLoglikelihoodRolling: return RequestKind::kLoglikelihoodRolling;
  }
  return RequestKind::kGenerate;
}

struct LoadedTaskState;  // task.cc

// A task spec with its templates compiled and its dataset rows read.
class LoadedTask {
 public:
  const TaskSpec& spec() const;
  const TaskManifest& manifest() const;
  int64_t n_docs() const;

 private:
  friend Result<LoadedTask> LoadTask(const TaskSpec& spec, const TaskOptions& options);
  friend struct LoadedTaskAccess;
  explicit LoadedTask(std::shared_ptr<const LoadedTaskState> state) : state_(std::move(state)) {}
  std::shared_ptr<const LoadedTaskState> state_;
};

// Compiles templates and filters, reads the test and few-shot rows.
// InvalidArgument naming file, line and field for a bad template, filter,
// or a metric that does not fit the output type; NotFound / Corrupt for the
// dataset files.
Result<LoadedTask> LoadTask(const TaskSpec& spec, const TaskOptions& options);

// One doc's slice of the request list.
struct Instance {
  int64_t doc_id = 0;        // 0-based row of the test split
  std::string prompt;        // context, or the chat messages as JSON
  size_t first_request = 0;  // [first_request, first_request + n_requests)
  size_t n_requests = 0;
};

struct TaskRequests {
  std::vector<Request> requests;
  std::vector<Instance> instances;
};

// Every doc's requests, doc by doc: one loglikelihood per choice
// (multiple_choice), `repeats` generations (generate_until, seeds
// gen.seed + r), or one rolling loglikelihood. InvalidArgument naming the
// field and the dataset row (1-based, as in the file) when a template fails
// on a row, e.g. a missing field.
Result<TaskRequests> BuildRequests(const LoadedTask& task);

// One metric over a task: value and standard error (NaN when undefined).
struct MetricValue {
  std::string metric;
  std::string filter = "none";
  double value = 0;
  double stderr_value = 0;
  bool higher_is_better = true;
  int64_t n = 0;
  // "metric,filter", lm-eval's result key.
  std::string Key() const { return metric + "," + filter; }
};

// What one doc got: enough to audit any score by hand.
struct SampleRecord {
  std::string task;
  int64_t doc_id = 0;
  std::string doc_json;  // the row as read
  std::string prompt;
  std::string target;                   // the gold answer as text
  std::vector<std::string> choices;     // multiple_choice only
  std::vector<std::string> responses;   // generations (raw, reasoning included)
  std::vector<double> logprobs;         // per choice (multiple_choice) or the text (rolling)
  std::vector<bool> is_greedy;          // per choice (multiple_choice)
  std::map<std::string, std::string> filtered;  // filter name -> extracted answer
  std::map<std::string, double> scores;         // "metric,filter" -> this doc's score
};

struct TaskResult {
  TaskManifest manifest;
  std::vector<MetricValue> metrics;
  // Per-metric sample sizes and means are in `metrics`; groups need no more.
};

// Scores the responses (responses[i] answers requests.requests[i]).
// InvalidArgument when the counts differ or a response is unusable.
Result<TaskResult> ScoreTask(const LoadedTask& task, const TaskRequests& requests,
                             const std::vector<Response>& responses,
                             std::vector<SampleRecord>* samples = nullptr,
                             const TaskOptions& options = {});

// A group's metrics over its (recursively expanded) member tasks.
struct GroupMetric {
  std::string metric;
  std::string filter = "none";
  double micro = 0;         // sample-weighted mean of the task values
  double micro_stderr = 0;  // sqrt(sum (n_i se_i)^2) / N
  double macro = 0;         // mean of the task values
  double macro_stderr = 0;  // sqrt(sum se_i^2) / k
  int64_t n_samples = 0;
  int32_t n_tasks = 0;
  bool higher_is_better = true;
  std::string Key() const { return metric + "," + filter; }
};

struct GroupResult {
  std::string group;
  std::string spec_sha256;
  std::vector<std::string> tasks;  // leaf tasks aggregated
  std::vector<GroupMetric> metrics;  // metrics every member task has
};

// `tasks` must hold every leaf task of the group; `groups` resolves nested
// member groups. NotFound naming a member without a result.
Result<GroupResult> AggregateGroup(const GroupSpec& group, const std::vector<TaskResult>& tasks,
                                   const std::vector<GroupSpec>& groups);

struct EvalResults {
  std::vector<TaskResult> tasks;
  std::vector<GroupResult> groups;
};

struct EvalOutput {
  EvalResults results;
  std::map<std::string, std::vector<SampleRecord>> samples;  // by task name
};

// Answers requests[i] into (*responses)[i] (RunRequests, or a fake).
using AnswerFn = std::function<Status(const std::vector<Request>& requests,
                                      std::vector<Response>* responses)>;

// Resolves names (tasks and groups) in the registry, then per task: load,
// build requests, answer them (one call per task), score; then groups.
// Stops at the first error, prefixed with the task name.
Result<EvalOutput> Evaluate(const TaskRegistry& registry, const std::vector<std::string>& names,
                            const TaskOptions& options, const AnswerFn& answer);

}  // namespace dokja::bench
