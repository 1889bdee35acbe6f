// dokja bench run: tasks against an OpenAI-compatible server or the embedded
// engine, cached and resumable; see docs/cli.md and docs/bench_runner.md.
//
//   dokja bench run --tasks kmmlu,kobest --base-url http://host:8000/v1 --model M --out runs/m
//   dokja bench run --tasks gsm8k --backend engine --model-path models/x --out runs/x
#include <cstdio>
#include <sstream>

#include <CLI/CLI.hpp>

#include "bench/results.h"
#include "bench/run.h"
#include "cli/cli_common.h"
#include "cli/commands.h"

namespace dokja::cli {
namespace {

struct RunCliOptions {
  bench::BenchRunOptions run;
  std::vector<std::string> tasks;  // comma lists allowed
  int32_t num_fewshot = -1;
  int64_t fewshot_seed = -1;
  bool apply_chat_template = false;
  bool no_cache = false;
  bool json = false;
};

std::vector<std::string> SplitNames(const std::vector<std::string>& lists) {
  std::vector<std::string> names;
  for (const std::string& list : lists) {
    std::stringstream in(list);
    std::string name;
    while (std::getline(in, name, ',')) {
      if (!name.empty()) names.push_back(name);
    }
  }
  return names;
}

int RunBenchRun(RunCliOptions opt) {
  bench::BenchRunOptions& run = opt.run;
  run.names = SplitNames(opt.tasks);
  if (opt.num_fewshot >= 0) run.task.num_fewshot = opt.num_fewshot;
  if (opt.fewshot_seed >= 0) run.task.fewshot_seed = static_cast<uint64_t>(opt.fewshot_seed);
  if (opt.apply_chat_template) run.task.apply_chat_template = true;
  if (run.backend.type == "engine" && run.backend.model_path.empty()) {
    return ReportError("bench run", Status::InvalidArgument("--backend engine needs --model-path"));
  }
  if (opt.no_cache) {
    run.runner.cache_path.clear();
  } else if (run.runner.cache_path.empty()) {
    run.runner.cache_path = run.out_dir + "/cache.db";
  }
  run.runner.label = "bench";
  run.dokja_version = DOKJA_VERSION;
  auto out = bench::RunBenchmark(run);
  if (!out.ok()) return ReportError("bench run", out.status());
  if (opt.json) {
    auto json = bench::ResultsToJson(out->eval.results, out->manifest_json);
    if (!json.ok()) return ReportError("bench run", json.status());
    std::printf("%s\n", json->c_str());
    return kExitOk;
  }
  std::printf("%s", bench::SummaryTable(out->eval.results).c_str());
  std::printf("\nrequests: %lld (%lld from cache, %lld sent, %lld retries) in %.1f s\n",
              static_cast<long long>(out->stats.total), static_cast<long long>(out->stats.cached),
              static_cast<long long>(out->stats.sent), static_cast<long long>(out->stats.retries),
              out->stats.wall_s);
  std::printf("results: %s\nsamples: %s/samples/\n", out->results_path.c_str(), run.out_dir.c_str());
  return kExitOk;
}

}  // namespace

void RegisterBenchRun(CLI::App& bench, std::function<int()>* run) {
  auto opt = std::make_shared<RunCliOptions>();
  bench::BenchRunOptions& r = opt->run;
  CLI::App* c = bench.add_subcommand(
      "run", "Run tasks against an OpenAI-compatible server or the embedded engine");
  c->add_option("--tasks", opt->tasks, "Tasks or groups to run (comma-separated, repeatable)")
      ->required();
  c->add_option("--out", r.out_dir, "Folder for results.json, samples/ and the cache")->required();
  c->add_option("--backend", r.backend.type, "openai-completions (default), openai-chat or engine")
      ->check(CLI::IsMember({"openai-completions", "openai-chat", "engine"}));
  c->add_option("--base-url", r.backend.base_url, "Server URL, e.g. http://127.0.0.1:8000/v1");
  c->add_option("--model", r.backend.model, "Model id the server answers to");
  c->add_option("--api-key-env", r.backend.api_key_env,
                "Name of the environment variable holding the API key");
  c->add_flag("--stream", r.backend.stream, "openai-chat: stream answers (server-sent events)");
  c->add_option("--model-path", r.backend.model_path, "engine: model folder, safetensors or GGUF");
  c->add_option("--tokenizer", r.backend.tokenizer_path, "engine: GGUF or tokenizer.json to use");
  c->add_option("--chat-template", r.backend.chat_template_path, "engine: Jinja2 chat template file");
  c->add_option("--sessions", r.backend.n_sessions, "engine: requests computed at once")
      ->check(CLI::PositiveNumber);
  c->add_option("--ctx", r.backend.n_ctx, "engine: context length (0: the model's, at most 4096)");
  c->add_option("--threads", r.backend.n_threads, "engine: BLAS threads (0: one per core)");
  c->add_option("--tasks-dir", r.tasks_dir, "Folder of task YAML files (default: tasks)");
  c->add_option("--task-file", r.task_files, "Extra task or group YAML file (repeatable)");
  c->add_option("--data-dir", r.task.data_dir, "Base of relative dataset paths");
  c->add_option("--limit", r.task.limit, "Score only the first N docs of each task");
  c->add_option("--num-fewshot", opt->num_fewshot, "Override the tasks' few-shot count");
  c->add_option("--fewshot-seed", opt->fewshot_seed, "Override the tasks' few-shot seed");
  c->add_flag("--apply-chat-template", opt->apply_chat_template,
              "Send prompts as chat messages through the model's template");
  c->add_option("--concurrency", r.runner.concurrency, "Requests in flight at once (default 8)")
      ->check(CLI::PositiveNumber);
  c->add_option("--retries", r.runner.max_retries, "Retries per request on 429/5xx/timeouts");
  c->add_option("--timeout", r.runner.request_timeout_s, "Seconds per request attempt");
  c->add_option("--cache", r.runner.cache_path, "SQLite answer cache (default OUT/cache.db)");
  c->add_flag("--no-cache", opt->no_cache, "Keep no cache (a killed run starts over)");
  c->add_flag("--json", opt->json, "Print the results JSON instead of the table");
  c->callback([opt, run] { *run = [opt] { return RunBenchRun(*opt); }; });
}

}  // namespace dokja::cli
