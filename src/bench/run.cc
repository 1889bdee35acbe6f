#include "bench/run.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "bench/results.h"
#include "bench/task_spec.h"

namespace dokja::bench {
namespace {

using Json = nlohmann::ordered_json;

Result<TaskRegistry> LoadRegistry(const BenchRunOptions& options) {
  TaskRegistry registry;
  if (!options.tasks_dir.empty()) {
    DOKJA_ASSIGN_OR_RETURN(registry, TaskRegistry::Load(options.tasks_dir));
  }
  for (const std::string& file : options.task_files) {
    DOKJA_ASSIGN_OR_RETURN(TaskFile parsed, LoadTaskFile(file));
    DOKJA_RETURN_IF_ERROR(registry.Add(std::move(parsed)));
  }
  return registry;
}

std::string UtcNow() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// What the run's numbers depend on beyond each task's own manifest.
std::string RunManifest(const BenchRunOptions& options, const Backend& backend) {
  Json backend_identity = Json::parse(backend.Identity(), nullptr, /*allow_exceptions=*/false);
  const TaskOptions& t = options.task;
  Json task_options{{"limit", t.limit},
                    {"bootstrap_iters", t.bootstrap_iters},
                    {"bootstrap_seed", t.bootstrap_seed}};
  if (t.num_fewshot) task_options["num_fewshot"] = *t.num_fewshot;
  if (t.fewshot_seed) task_options["fewshot_seed"] = *t.fewshot_seed;
  if (t.apply_chat_template) task_options["apply_chat_template"] = *t.apply_chat_template;
  Json j{{"dokja_version", options.dokja_version},
         {"started_at", UtcNow()},
         {"backend", backend_identity.is_discarded() ? Json(backend.Identity()) : backend_identity},
         {"tasks_requested", options.names},
         {"task_options", task_options},
         {"runner", {{"concurrency", options.runner.concurrency},
                     {"max_retries", options.runner.max_retries},
                     {"request_timeout_s", options.runner.request_timeout_s},
                     {"cache", options.runner.cache_path}}}};
  return j.dump();
}

Status WriteOutputs(const BenchRunOptions& options, BenchRunOutput* out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(options.out_dir) / "samples", ec);
  if (ec) return Status::IOError(options.out_dir + ": cannot create folder: " + ec.message());
  DOKJA_ASSIGN_OR_RETURN(std::string json, ResultsToJson(out->eval.results, out->manifest_json));
  out->results_path = (fs::path(options.out_dir) / "results.json").string();
  DOKJA_RETURN_IF_ERROR(WriteTextFile(out->results_path, json));
  for (const auto& [task, samples] : out->eval.samples) {
    DOKJA_RETURN_IF_ERROR(WriteSamplesJsonl(
        (fs::path(options.out_dir) / "samples" / (task + ".jsonl")).string(), samples));
  }
  return Status::OK();
}

}  // namespace

Result<BenchRunOutput> RunBenchmark(const BenchRunOptions& options) {
  if (options.names.empty()) return Status::InvalidArgument("no tasks named");
  DOKJA_ASSIGN_OR_RETURN(TaskRegistry registry, LoadRegistry(options));
  std::vector<TaskSpec> tasks;
  std::vector<GroupSpec> groups;
  DOKJA_RETURN_IF_ERROR(registry.Resolve(options.names, &tasks, &groups));

  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, MakeBackend(options.backend));
  std::set<RequestKind> kind_set;
  for (const TaskSpec& spec : tasks) kind_set.insert(RequestKindFor(spec.output_type));
  const std::vector<RequestKind> kinds(kind_set.begin(), kind_set.end());
  // Refuse before sending anything: e.g. no prompt log-probs means
  // multiple-choice scores at chance, not an error, if we went ahead.
  DOKJA_RETURN_IF_ERROR(backend->Probe(kinds));

  if (!options.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.out_dir, ec);
    if (ec) return Status::IOError(options.out_dir + ": cannot create folder: " + ec.message());
  }
  BenchRunOutput out;
  out.manifest_json = RunManifest(options, *backend);
  AnswerFn answer = [&](const std::vector<Request>& requests, std::vector<Response>* responses) {
    RunStats stats;
    Status s = RunRequests(*backend, requests, options.runner, responses, &stats);
    out.stats.total += stats.total;
    out.stats.cached += stats.cached;
    out.stats.sent += stats.sent;
    out.stats.retries += stats.retries;
    out.stats.deduplicated += stats.deduplicated;
    out.stats.wall_s += stats.wall_s;
    out.stats.drain_s += stats.drain_s;
    return s;
  };
  DOKJA_ASSIGN_OR_RETURN(out.eval, Evaluate(registry, options.names, options.task, answer));
  if (!options.out_dir.empty()) DOKJA_RETURN_IF_ERROR(WriteOutputs(options, &out));
  return out;
}

}  // namespace dokja::bench
