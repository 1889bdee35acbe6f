#include "bench/results.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

namespace dokja::bench {
namespace {

using Json = nlohmann::ordered_json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

double ReadNum(const Json& j) { return j.is_number() ? j.get<double>() : kNaN; }

std::string Dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

Json TaskJson(const TaskResult& t) {
  const TaskManifest& m = t.manifest;
  Json j;
  j["output_type"] = m.output_type;
  j["n_docs"] = m.n_docs;
  j["num_fewshot"] = m.num_fewshot;
  j["fewshot_seed"] = m.fewshot_seed;
  j["apply_chat_template"] = m.apply_chat_template;
  j["limit"] = m.limit;
  j["spec_file"] = m.spec_file;
  j["spec_sha256"] = m.spec_sha256;
  j["dataset_files"] = m.dataset_files;
  j["dataset_sha256"] = m.dataset_sha256;
  j["fewshot_dataset_sha256"] = m.fewshot_dataset_sha256;
  Json metrics = Json::object();
  for (const MetricValue& v : t.metrics) {
    metrics[v.Key()] = Json{{"metric", v.metric}, {"filter", v.filter}, {"value", Num(v.value)},
                            {"stderr", Num(v.stderr_value)}, {"n", v.n},
                            {"higher_is_better", v.higher_is_better}};
  }
  j["metrics"] = std::move(metrics);
  return j;
}

Json GroupJson(const GroupResult& g) {
  Json j;
  j["spec_sha256"] = g.spec_sha256;
  j["tasks"] = g.tasks;
  Json metrics = Json::object();
  for (const GroupMetric& m : g.metrics) {
    metrics[m.Key()] = Json{{"metric", m.metric}, {"filter", m.filter}, {"micro", Num(m.micro)},
                            {"micro_stderr", Num(m.micro_stderr)}, {"macro", Num(m.macro)},
                            {"macro_stderr", Num(m.macro_stderr)}, {"n_samples", m.n_samples},
                            {"n_tasks", m.n_tasks}, {"higher_is_better", m.higher_is_better}};
  }
  j["metrics"] = std::move(metrics);
  return j;
}

TaskResult TaskFromJson(const std::string& name, const Json& j) {
  TaskResult t;
  TaskManifest& m = t.manifest;
  m.task = name;
  m.output_type = j.at("output_type").get<std::string>();
  m.n_docs = j.at("n_docs").get<int64_t>();
  m.num_fewshot = j.value("num_fewshot", 0);
  m.fewshot_seed = j.value("fewshot_seed", uint64_t{0});
  m.apply_chat_template = j.value("apply_chat_template", false);
  m.limit = j.value("limit", int64_t{-1});
  m.spec_file = j.value("spec_file", "");
  m.spec_sha256 = j.value("spec_sha256", "");
  m.dataset_files = j.value("dataset_files", std::vector<std::string>{});
  m.dataset_sha256 = j.value("dataset_sha256", "");
  m.fewshot_dataset_sha256 = j.value("fewshot_dataset_sha256", "");
  for (const auto& [key, v] : j.at("metrics").items()) {
    t.metrics.push_back(MetricValue{v.at("metric").get<std::string>(), v.at("filter").get<std::string>(),
                                    ReadNum(v.at("value")), ReadNum(v.at("stderr")),
                                    v.value("higher_is_better", true), v.at("n").get<int64_t>()});
  }
  return t;
}

GroupResult GroupFromJson(const std::string& name, const Json& j) {
  GroupResult g;
  g.group = name;
  g.spec_sha256 = j.value("spec_sha256", "");
  g.tasks = j.at("tasks").get<std::vector<std::string>>();
  for (const auto& [key, v] : j.at("metrics").items()) {
    GroupMetric m;
    m.metric = v.at("metric").get<std::string>();
    m.filter = v.at("filter").get<std::string>();
    m.micro = ReadNum(v.at("micro"));
    m.micro_stderr = ReadNum(v.at("micro_stderr"));
    m.macro = ReadNum(v.at("macro"));
    m.macro_stderr = ReadNum(v.at("macro_stderr"));
    m.n_samples = v.at("n_samples").get<int64_t>();
    m.n_tasks = v.at("n_tasks").get<int32_t>();
    m.higher_is_better = v.value("higher_is_better", true);
    g.metrics.push_back(m);
  }
  return g;
}

std::string Fixed(double v) {
  if (!std::isfinite(v)) return "N/A";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4f", v);
  return buf;
}

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

Result<std::string> ResultsToJson(const EvalResults& results, const std::string& manifest_json) {
  Json j;
  j["schema"] = kResultsSchema;
  if (!manifest_json.empty()) {
    Json m = Json::parse(manifest_json, nullptr, false);
    if (m.is_discarded() || !m.is_object()) return Status::InvalidArgument("manifest: expected a JSON object");
    j["manifest"] = std::move(m);
  }
  Json tasks = Json::object();
  for (const TaskResult& t : results.tasks) tasks[t.manifest.task] = TaskJson(t);
  j["tasks"] = std::move(tasks);
  Json groups = Json::object();
  for (const GroupResult& g : results.groups) groups[g.group] = GroupJson(g);
  j["groups"] = std::move(groups);
  return Dump(j, 2) + "\n";
}

Result<EvalResults> ResultsFromJson(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument("results: not a JSON object");
  if (j.value("schema", "") != kResultsSchema) {
    return Status::InvalidArgument("results: schema is not '" + std::string(kResultsSchema) + "'");
  }
  EvalResults out;
  std::string where = "results";
  try {
    for (const auto& [name, t] : j.at("tasks").items()) {
      where = "results.tasks." + name;
      out.tasks.push_back(TaskFromJson(name, t));
    }
    auto groups = j.find("groups");
    if (groups == j.end()) return out;
    for (const auto& [name, g] : groups->items()) {
      where = "results.groups." + name;
      out.groups.push_back(GroupFromJson(name, g));
    }
  } catch (const Json::exception& e) {
    return Status::InvalidArgument(where + ": " + e.what());
  }
  return out;
}

std::string SampleToJson(const SampleRecord& s) {
  Json j;
  j["task"] = s.task;
  j["doc_id"] = s.doc_id;
  j["doc"] = Json::parse(s.doc_json, nullptr, false);
  j["prompt"] = s.prompt;
  j["target"] = s.target;
  if (!s.choices.empty()) j["choices"] = s.choices;
  if (!s.responses.empty()) j["responses"] = s.responses;
  if (!s.logprobs.empty()) {
    Json lp = Json::array();
    for (double v : s.logprobs) lp.push_back(Num(v));
    j["logprobs"] = std::move(lp);
  }
  if (!s.is_greedy.empty()) j["is_greedy"] = s.is_greedy;
  if (!s.filtered.empty()) j["filtered"] = s.filtered;
  Json scores = Json::object();
  for (const auto& [k, v] : s.scores) scores[k] = Num(v);
  j["scores"] = std::move(scores);
  return Dump(j, -1);
}

Status WriteTextFile(const std::string& path, std::string_view text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError(tmp + ": cannot open for writing");
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) return Status::IOError(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IOError(path + ": rename failed");
  return Status::OK();
}

Status WriteSamplesJsonl(const std::string& path, const std::vector<SampleRecord>& samples) {
  std::string text;
  for (const SampleRecord& s : samples) text += SampleToJson(s) + "\n";
  return WriteTextFile(path, text);
}

std::string SummaryTable(const EvalResults& results) {
  std::string out = Pad("task / group", 32) + Pad("metric,filter", 34) + Pad("n", 8) + Pad("value", 10) + "stderr\n";
  for (const TaskResult& t : results.tasks) {
    for (const MetricValue& m : t.metrics) {
      out += Pad(t.manifest.task, 32) + Pad(m.Key(), 34) + Pad(std::to_string(m.n), 8) + Pad(Fixed(m.value), 10) +
             Fixed(m.stderr_value) + "\n";
    }
  }
  for (const GroupResult& g : results.groups) {
    for (const GroupMetric& m : g.metrics) {
      out += Pad(g.group + " (micro)", 32) + Pad(m.Key(), 34) + Pad(std::to_string(m.n_samples), 8) +
             Pad(Fixed(m.micro), 10) + Fixed(m.micro_stderr) + "\n";
      out += Pad(g.group + " (macro)", 32) + Pad(m.Key(), 34) + Pad(std::to_string(m.n_tasks) + "t", 8) +
             Pad(Fixed(m.macro), 10) + Fixed(m.macro_stderr) + "\n";
    }
  }
  return out;
}

}  // namespace dokja::bench
