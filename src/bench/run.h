// One benchmark run end to end, shared by `dokja bench run` and `dokja demo`:
// build the backend, probe it for the request kinds the tasks need, run the
// tasks through the cached concurrent runner, and write
//
//   OUT/results.json          results + the run manifest (bench_results.md)
//   OUT/samples/TASK.jsonl    one line per doc: prompt, responses, extracted
//                             answer, target, scores
//
// The manifest holds what re-deriving a score needs: the backend identity
// (model id, endpoint or model files, chat template hash), the runner's
// settings that could change answers, every task's spec and dataset hashes,
// few-shot seed and sampling parameters, and the dokja version.
//
// Thread-safety: reentrant; one run per cache file at a time.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "bench/backend_factory.h"
#include "bench/runner.h"
#include "bench/task.h"

namespace dokja::bench {

struct BenchRunOptions {
  BackendConfig backend;
  std::string tasks_dir = "tasks";       // registry of bundled tasks and groups
  std::vector<std::string> task_files;   // extra task/group YAML files
  std::vector<std::string> names;        // tasks and groups to run
  TaskOptions task;
  RunnerOptions runner;
  std::string out_dir;                   // empty: write nothing
  std::string dokja_version;
};

struct BenchRunOutput {
  EvalOutput eval;
  RunStats stats;             // summed over tasks
  std::string manifest_json;  // the run manifest (also inside results.json)
  std::string results_path;   // "" when out_dir was empty
};

// InvalidArgument for unknown task names or a bad task file; Unsupported
// when the backend cannot answer a task's request kind (e.g. an endpoint
// with no prompt log-probs and a multiple-choice task); the runner's and
// the tasks' errors otherwise.
Result<BenchRunOutput> RunBenchmark(const BenchRunOptions& options);

}  // namespace dokja::bench
