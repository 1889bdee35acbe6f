// dokja bench: benchmark tasks and stage points.
//   dokja bench tasks [--tasks-dir DIR] [--validate FILE] [--data-dir DIR] [--limit N]
//   dokja bench points CONFIG [--results TEAM=FILE]... [--out FILE]
//   dokja bench run ... (bench_run_cmd.cc)
#include <cstdio>
#include <map>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/points.h"
#include "bench/results.h"
#include "bench/task.h"
#include "bench/task_spec.h"
#include "cli/cli_common.h"
#include "cli/commands.h"

namespace dokja::cli {
namespace {

using Json = nlohmann::ordered_json;

struct TasksCliOptions {
  std::string tasks_dir = "tasks";
  std::string validate;
  std::string data_dir;
  int64_t limit = 3;
  bool json = false;
};

struct PointsCliOptions {
  std::string config;
  std::vector<std::string> results;  // TEAM=FILE
  std::string out;
  bool json = false;
};

// With --data-dir, builds the first requests too, so templates meet real rows.
Status CheckAgainstData(const bench::TaskSpec& spec, const TasksCliOptions& opt, int64_t* n_requests) {
  bench::TaskOptions options;
  options.data_dir = opt.data_dir;
  options.limit = opt.limit;
  DOKJA_ASSIGN_OR_RETURN(bench::LoadedTask task, bench::LoadTask(spec, options));
  DOKJA_ASSIGN_OR_RETURN(bench::TaskRequests requests, bench::BuildRequests(task));
  *n_requests = static_cast<int64_t>(requests.requests.size());
  return Status::OK();
}

int RunValidate(const TasksCliOptions& opt) {
  auto file = bench::LoadTaskFile(opt.validate);
  if (!file.ok()) return ReportError("bench tasks", file.status());
  int64_t n_requests = -1;
  if (!file->is_group && !opt.data_dir.empty()) {
    Status s = CheckAgainstData(file->task, opt, &n_requests);
    if (!s.ok()) return ReportError("bench tasks", s);
  }
  const std::string name = file->is_group ? file->group.name : file->task.name;
  const std::string hash = file->is_group ? file->group.spec_sha256 : file->task.spec_sha256;
  if (opt.json) {
    Json j{{"file", opt.validate}, {"valid", true}, {"kind", file->is_group ? "group" : "task"},
           {"name", name}, {"spec_sha256", hash}};
    if (n_requests >= 0) j["requests_built"] = n_requests;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s: valid %s '%s' (sha256 %s)", opt.validate.c_str(), file->is_group ? "group" : "task",
                name.c_str(), hash.c_str());
    if (n_requests >= 0) std::printf(", %lld requests built from the first rows", static_cast<long long>(n_requests));
    std::printf("\n");
  }
  return kExitOk;
}

int RunTasksCmd(const TasksCliOptions& opt) {
  if (!opt.validate.empty()) return RunValidate(opt);
  auto registry = bench::TaskRegistry::Load(opt.tasks_dir);
  if (!registry.ok()) return ReportError("bench tasks", registry.status());
  if (opt.json) {
    Json tasks = Json::array(), groups = Json::array();
    for (const auto& [name, t] : registry->tasks()) {
      tasks.push_back({{"name", name}, {"output_type", bench::OutputTypeName(t.output_type)},
                       {"num_fewshot", t.num_fewshot}, {"file", t.file}, {"spec_sha256", t.spec_sha256},
                       {"tags", t.tags}});
    }
    for (const auto& [name, g] : registry->groups()) {
      groups.push_back({{"name", name}, {"tasks", g.members}, {"file", g.file}});
    }
    std::printf("%s\n", Json{{"tasks", tasks}, {"groups", groups}}.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-20s %-22s %-7s %s\n", "task", "output_type", "shots", "file");
  for (const auto& [name, t] : registry->tasks()) {
    std::printf("%-20s %-22s %-7d %s\n", name.c_str(), std::string(bench::OutputTypeName(t.output_type)).c_str(),
                t.num_fewshot, t.file.c_str());
  }
  for (const auto& [name, g] : registry->groups()) {
    std::string members;
    for (const std::string& m : g.members) members += (members.empty() ? "" : ", ") + m;
    std::printf("group %-14s %s\n", name.c_str(), members.c_str());
  }
  return kExitOk;
}

int RunPointsCmd(const PointsCliOptions& opt) {
  auto config = bench::LoadPointsConfig(opt.config);
  if (!config.ok()) return ReportError("bench points", config.status());
  std::map<std::string, std::string> overrides;
  for (const std::string& r : opt.results) {
    size_t eq = r.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportError("bench points", Status::InvalidArgument("--results expects TEAM=FILE, got '" + r + "'"));
    }
    overrides[r.substr(0, eq)] = r.substr(eq + 1);
  }
  auto teams = bench::ComputePoints(*config, overrides);
  if (!teams.ok()) return ReportError("bench points", teams.status());
  const std::string json = bench::PointsToJson(*config, *teams);
  if (!opt.out.empty()) {
    Status s = bench::WriteTextFile(opt.out, json);
    if (!s.ok()) return ReportError("bench points", s);
  }
  std::printf("%s", opt.json ? json.c_str() : bench::PointsTable(*teams).c_str());
  return kExitOk;
}

}  // namespace

void RegisterBench(CLI::App& app, std::function<int()>* run) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks: run tasks, list task definitions, stage points");
  bench->require_subcommand(1);

  auto tasks = std::make_shared<TasksCliOptions>();
  CLI::App* t = bench->add_subcommand("tasks", "List the bundled tasks and groups, or validate one task file");
  t->add_option("--tasks-dir", tasks->tasks_dir, "Folder of task YAML files (default: tasks)");
  t->add_option("--validate", tasks->validate, "Check one task or group YAML file");
  t->add_option("--data-dir", tasks->data_dir, "With --validate: also build requests from the first rows here");
  t->add_option("--limit", tasks->limit, "With --data-dir: rows to build requests for (default 3)");
  t->add_flag("--json", tasks->json, "Machine-readable output");
  t->callback([tasks, run] { *run = [tasks] { return RunTasksCmd(*tasks); }; });

  auto points = std::make_shared<PointsCliOptions>();
  CLI::App* p = bench->add_subcommand(
      "points", "Stage points per team from benchmark results (docs/formats/bench_points.md)");
  p->add_option("config", points->config, "Points config YAML")->required();
  p->add_option("--results", points->results, "Results JSON for a team, as TEAM=FILE (overrides the config)");
  p->add_option("--out", points->out, "Also write the points JSON to this file");
  p->add_flag("--json", points->json, "Print the points JSON instead of the table");
  p->callback([points, run] { *run = [points] { return RunPointsCmd(*points); }; });

  RegisterBenchRun(*bench, run);
}

}  // namespace dokja::cli
