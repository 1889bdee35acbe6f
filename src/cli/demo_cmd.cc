// dokja demo: a whole miniature stage, end to end, on bundled tiny models.
//
// Five teams submit models trained for real (the audit fixtures in
// tests/testdata/audit); two "public" models play foreign open models. The
// demo copies everything it uses into one output folder and works there, so
// the folder alone re-derives every number (`dokja stage recompute`):
//
//   1. registry: fingerprints of the public models        registry.db
//   2. audit: each submission screened, then compared      audit/TEAM.{json,html}
//   3. benchmarks on the embedded engine, the target too   bench/MODEL/results.json
//   4. points against the declared target model's scores   bench/points.{yaml,json}
//   5. the stage decision, record and report               report/
//
// Inputs that only people can produce (expert and user judgements) are
// illustrative example files (examples/demo/inputs).
#include <chrono>
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "audit/audit.h"
#include "audit/fingerprint.h"
#include "audit/registry.h"
#include "bench/points.h"
#include "bench/results.h"
#include "bench/run.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "io/env.h"
#include "scoring/report.h"
#include "scoring/stage_inputs.h"
#include "tensorfile/model.h"

#ifndef DOKJA_VERSION
#define DOKJA_VERSION "dev"
#endif
#ifndef DOKJA_SOURCE_DIR
#define DOKJA_SOURCE_DIR ""
#endif

namespace dokja::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kMarker = ".dokja-demo";  // marks a folder the demo may replace

struct DemoCliOptions {
  std::string out = "dokja-demo";
  std::string data;  // examples/demo; empty: find it
  std::string lang = "both";
  bool json = false;
};

struct DemoTeam {
  std::string team, fixture, story;
};

struct DemoPlan {
  fs::path data_dir, fixtures_dir;
  Json public_models;
  std::string target_model;
  std::vector<DemoTeam> teams;
  std::vector<std::string> tasks;
  Json benchmarks;
};

// --data, else ./examples/demo, else the source tree the binary was built from.
Result<fs::path> FindDataDir(const std::string& given) {
  std::vector<fs::path> candidates;
  if (!given.empty()) {
    candidates.push_back(given);
  } else {
    candidates.push_back("examples/demo");
    if (*DOKJA_SOURCE_DIR) candidates.push_back(fs::path(DOKJA_SOURCE_DIR) / "examples/demo");
  }
  for (const fs::path& p : candidates) {
    std::error_code ec;
    if (fs::exists(p / "demo.json", ec)) return fs::absolute(p);
  }
  return Status::NotFound("cannot find the demo's data (examples/demo/demo.json); run from the "
                          "repository root or pass --data DIR");
}

Status WriteFile(const fs::path& path, const std::string& text) {
  return bench::WriteTextFile(path.string(), text);
}

Result<DemoPlan> LoadPlan(const fs::path& data_dir) {
  DOKJA_ASSIGN_OR_RETURN(std::string text, scoring::ReadInputFile((data_dir / "demo.json").string(), "demo plan"));
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corrupt("demo.json: not a JSON object");
  DemoPlan plan;
  plan.data_dir = data_dir;
  try {
    plan.fixtures_dir = fs::weakly_canonical(data_dir / j.at("fixtures_dir").get<std::string>());
    plan.public_models = j.at("public_models");
    plan.target_model = j.at("target_model").get<std::string>();
    for (const Json& t : j.at("teams")) {
      plan.teams.push_back({t.at("team").get<std::string>(), t.at("fixture").get<std::string>(),
                            t.value("story", "")});
    }
    plan.tasks = j.at("tasks").get<std::vector<std::string>>();
    plan.benchmarks = j.at("benchmarks");
  } catch (const Json::exception& e) {
    return Status::Corrupt(std::string("demo.json: ") + e.what());
  }
  return plan;
}

// Starts from an empty folder: one the demo made before is replaced; any
// other non-empty folder is left alone.
Status PrepareOutDir(const fs::path& out) {
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_empty(out, ec)) {
    if (!fs::exists(out / kMarker, ec)) {
      return Status::InvalidArgument(out.string() + ": exists and is not a dokja demo folder; "
                                     "choose another --out");
    }
    fs::remove_all(out, ec);
    if (ec) return Status::IOError(out.string() + ": cannot clear: " + ec.message());
  }
  fs::create_directories(out, ec);
  if (ec) return Status::IOError(out.string() + ": cannot create: " + ec.message());
  return WriteFile(out / kMarker, "made by dokja demo; the next run replaces this folder\n");
}

Status Copy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::IOError("copy " + from.string() + " -> " + to.string() + ": " + ec.message());
  return Status::OK();
}

// A model folder in the demo: the fixture's files plus the byte-level
// tokenizer they were trained with.
Status InstallModel(const DemoPlan& plan, const std::string& fixture, const fs::path& to) {
  DOKJA_RETURN_IF_ERROR(Copy(plan.fixtures_dir / fixture, to));
  return Copy(plan.data_dir / "byte_tokenizer.json", to / "tokenizer.json");
}

// Copies models, tasks, data, inputs and the stage config into the demo
// folder (the current directory from here on).
Status InstallInputs(const DemoPlan& plan) {
  for (const Json& m : plan.public_models) {
    DOKJA_RETURN_IF_ERROR(InstallModel(plan, m.at("fixture").get<std::string>(),
                                       fs::path("models/public") / m.at("name").get<std::string>()));
  }
  for (const DemoTeam& t : plan.teams) {
    DOKJA_RETURN_IF_ERROR(InstallModel(plan, t.fixture, fs::path("models") / t.team));
  }
  for (const char* part : {"tasks", "data", "inputs", "stage.yaml"}) {
    DOKJA_RETURN_IF_ERROR(Copy(plan.data_dir / part, part));
  }
  return Status::OK();
}

Status BuildRegistry(const DemoPlan& plan) {
  DOKJA_ASSIGN_OR_RETURN(auto registry, audit::Registry::Open("registry.db"));
  for (const Json& m : plan.public_models) {
    const std::string name = m.at("name").get<std::string>();
    const std::string path = "models/public/" + name;
    DOKJA_ASSIGN_OR_RETURN(Model model, OpenModel(io::Env::Default(), path));
    DOKJA_ASSIGN_OR_RETURN(audit::Fingerprint fp, audit::ComputeFingerprint(model));
    audit::RegistryEntry entry;
    entry.name = name;
    entry.source = m.value("source", "");
    entry.licence = m.value("licence", "");
    entry.date = m.value("date", "");
    entry.weights_path = path;
    DOKJA_RETURN_IF_ERROR(registry->Add(entry, fp));
  }
  return Status::OK();
}

Status AuditTeams(const DemoPlan& plan) {
  std::error_code ec;
  fs::create_directories("audit", ec);
  for (const DemoTeam& t : plan.teams) {
    DOKJA_ASSIGN_OR_RETURN(
        audit::AuditReport report,
        audit::RunScreenedAudit("models/" + t.team, {}, "registry.db", audit::CompareOptions{}));
    report.version = DOKJA_VERSION;
    DOKJA_RETURN_IF_ERROR(WriteFile("audit/" + t.team + ".json", audit::AuditReportJson(report)));
    DOKJA_RETURN_IF_ERROR(WriteFile("audit/" + t.team + ".html", audit::AuditReportHtml(report)));
  }
  return Status::OK();
}

Result<bench::BenchRunOutput> RunModel(const DemoPlan& plan, const std::string& model_dir,
                                       const std::string& label) {
  bench::BenchRunOptions run;
  run.backend.type = "engine";
  run.backend.model_path = model_dir;
  run.backend.n_threads = 1;  // tiny models: threads cost more than they save
  run.tasks_dir = "tasks";
  run.names = plan.tasks;
  run.runner.concurrency = 1;
  run.runner.cache_path = "bench/cache.db";
  run.runner.label = label;
  run.runner.progress = false;  // a line per model instead (RunBenchmarks)
  run.out_dir = "bench/" + label;
  run.dokja_version = DOKJA_VERSION;
  return bench::RunBenchmark(run);
}

// The declared target's score on a benchmark, read from its results.
Result<double> TargetScore(const bench::EvalResults& results, const Json& b) {
  const std::string name = b.at("name").get<std::string>();
  const std::string key = b.value("metric", "acc") + "," + b.value("filter", "none");
  for (const bench::TaskResult& t : results.tasks) {
    if (t.manifest.task != name) continue;
    for (const bench::MetricValue& m : t.metrics) {
      if (m.Key() == key) return m.value;
    }
  }
  return Status::NotFound("target model has no '" + key + "' on " + name);
}

// Benchmarks every team and the target model, then writes the points config
// (targets = the target model's measured scores) and the points.
Status RunBenchmarks(const DemoPlan& plan) {
  DOKJA_ASSIGN_OR_RETURN(bench::BenchRunOutput target,
                         RunModel(plan, "models/public/" + plan.target_model, plan.target_model));
  auto report = [](const std::string& label, const bench::BenchRunOutput& out) {
    std::fprintf(stderr, "demo:   %-10s %lld requests (%lld from cache) in %.2f s\n", label.c_str(),
                 static_cast<long long>(out.stats.total), static_cast<long long>(out.stats.cached),
                 out.stats.wall_s);
  };
  report(plan.target_model, target);
  for (const DemoTeam& t : plan.teams) {
    DOKJA_ASSIGN_OR_RETURN(bench::BenchRunOutput out, RunModel(plan, "models/" + t.team, t.team));
    report(t.team, out);
  }
  Json targets = Json::object(), benchmarks = Json::array();
  for (const Json& b : plan.benchmarks) {
    DOKJA_ASSIGN_OR_RETURN(double score, TargetScore(target.eval.results, b));
    targets[b.at("name").get<std::string>()] = score;
    Json entry = b;
    entry["formula"] = "capped_ratio";
    benchmarks.push_back(entry);
  }
  Json teams = Json::array();
  for (const DemoTeam& t : plan.teams) {
    teams.push_back({{"name", t.team}, {"results", t.team + "/results.json"}, {"targets", targets}});
  }
  Json config = {{"max_total", 40},
                 {"groups", Json::array({{{"name", "agency"}, {"max_points", 10}},
                                         {{"name", "global"}, {"max_points", 20}},
                                         {{"name", "team_chosen"}, {"max_points", 10}}})},
                 {"benchmarks", benchmarks},
                 {"teams", teams}};
  // JSON is YAML: the points config is written in its flow style.
  DOKJA_RETURN_IF_ERROR(WriteFile("bench/points.yaml",
                                  "# Written by dokja demo: targets are " + plan.target_model +
                                      "'s measured scores.\n" + config.dump(2) + "\n"));
  DOKJA_ASSIGN_OR_RETURN(bench::PointsConfig points_config, bench::LoadPointsConfig("bench/points.yaml"));
  DOKJA_ASSIGN_OR_RETURN(auto points, bench::ComputePoints(points_config, {}));
  return WriteFile("bench/points.json", bench::PointsToJson(points_config, points));
}

struct DemoResult {
  scoring::StageOutcome outcome;
  scoring::StageOutputs outputs;
  double seconds = 0;
};

Result<DemoResult> Decide(scoring::ReportLang lang) {
  DOKJA_ASSIGN_OR_RETURN(scoring::StageConfig config, scoring::LoadStageConfig("stage.yaml"));
  DOKJA_ASSIGN_OR_RETURN(scoring::StageInputs inputs, scoring::LoadStageInputs(config));
  DemoResult r;
  DOKJA_ASSIGN_OR_RETURN(r.outcome, scoring::DecideStage(config, inputs));
  DOKJA_ASSIGN_OR_RETURN(r.outputs, scoring::WriteStageOutputs(inputs, r.outcome, "report", lang));
  DOKJA_ASSIGN_OR_RETURN(scoring::RecordSummary verified, scoring::VerifyRecord(r.outputs.record));
  (void)verified;
  return r;
}

// Runs the five steps inside `out`, announcing each on stderr.
Result<DemoResult> RunDemo(const DemoPlan& plan, scoring::ReportLang lang) {
  const auto start = std::chrono::steady_clock::now();
  auto step = [](const char* what) { std::fprintf(stderr, "demo: %s\n", what); };
  DOKJA_RETURN_IF_ERROR(InstallInputs(plan));
  step("1/5 fingerprinting the public models into registry.db");
  DOKJA_RETURN_IF_ERROR(BuildRegistry(plan));
  step("2/5 auditing each submission (screening, then deep comparison)");
  DOKJA_RETURN_IF_ERROR(AuditTeams(plan));
  step("3/5 benchmarking every model on the embedded engine");
  step("4/5 turning scores into points against the declared target model");
  DOKJA_RETURN_IF_ERROR(RunBenchmarks(plan));
  step("5/5 deciding the stage: gate, ranking, record, report");
  DOKJA_ASSIGN_OR_RETURN(DemoResult r, Decide(lang));
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

void PrintSummary(const DemoPlan& plan, const DemoResult& r, const fs::path& out) {
  std::printf("\n%-9s %9s %7s %7s %7s  %-5s %-18s %s\n", "team", "benchmark", "expert", "user",
              "total", "gate", "decision", "submission");
  for (const scoring::TeamOutcome& t : r.outcome.teams) {
    std::string story;
    for (const DemoTeam& d : plan.teams) {
      if (d.team == t.team) story = d.story;
    }
    std::printf("%-9s %9.2f %7.2f %7.2f %7.2f  %-5s %-18s %s\n", t.team.c_str(), t.benchmark,
                t.expert, t.user, t.total, t.gate_pass ? "pass" : "FAIL",
                std::string(scoring::DecisionName(t.decision)).c_str(), story.c_str());
  }
  for (const scoring::TeamOutcome& t : r.outcome.teams) {
    if (!t.gate_pass) std::printf("  %s: %s\n", t.team.c_str(), t.reason.c_str());
  }
  std::printf("\nreport:  %s\n", (out / r.outputs.html).string().c_str());
  std::printf("record:  %s (verified; re-derive with: dokja stage recompute --record %s)\n",
              (out / r.outputs.record).string().c_str(), (out / r.outputs.record).string().c_str());
  std::printf("audits:  %s   benchmarks: %s\n", (out / "audit").string().c_str(),
              (out / "bench").string().c_str());
  std::printf("done in %.1f s\n", r.seconds);
}

int RunDemoCmd(const DemoCliOptions& opt) {
  auto lang = scoring::ParseReportLang(opt.lang);
  if (!lang.ok()) return ReportError("demo", lang.status());
  auto data_dir = FindDataDir(opt.data);
  if (!data_dir.ok()) return ReportError("demo", data_dir.status());
  auto plan = LoadPlan(*data_dir);
  if (!plan.ok()) return ReportError("demo", plan.status());
  const fs::path out = fs::absolute(opt.out);
  Status s = PrepareOutDir(out);
  if (!s.ok()) return ReportError("demo", s);
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  fs::current_path(out, ec);
  if (ec) return ReportError("demo", Status::IOError(out.string() + ": " + ec.message()));
  auto result = RunDemo(*plan, *lang);
  fs::current_path(cwd, ec);
  if (!result.ok()) return ReportError("demo", result.status());
  if (opt.json) {
    Json j = Json::parse(scoring::StageOutcomeJson(result->outcome), nullptr, false);
    Json summary = {{"out_dir", out.string()},
                    {"report", (out / result->outputs.html).string()},
                    {"record", (out / result->outputs.record).string()},
                    {"seconds", result->seconds},
                    {"outcome", j}};
    std::printf("%s\n", summary.dump(2).c_str());
  } else {
    PrintSummary(*plan, *result, out);
  }
  return kExitOk;
}

}  // namespace

void RegisterDemo(CLI::App& app, std::function<int()>* run) {
  auto opt = std::make_shared<DemoCliOptions>();
  CLI::App* c = app.add_subcommand(
      "demo", "A miniature stage end to end on bundled tiny models: audit, benchmarks, decision, report");
  c->add_option("--out", opt->out, "Folder to work in and leave the results (default: dokja-demo)");
  c->add_option("--data", opt->data, "The demo's data (default: examples/demo)");
  c->add_option("--lang", opt->lang, "Report language: both, en or ko (default: both)");
  c->add_flag("--json", opt->json, "Print the outcome as JSON instead of the table");
  c->callback([opt, run] { *run = [opt] { return RunDemoCmd(*opt); }; });
}

}  // namespace dokja::cli
