#include "bench/task_spec.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "base/sha256.h"
#include "bench/internal/dataset.h"

namespace dokja::bench {
namespace {

namespace fs = std::filesystem;

// One top-level key, with the file it came from (includes merge several).
struct Field {
  YAML::Node value;
  std::string file;
  int32_t line = 0;
};
using Fields = std::map<std::string, Field>;

std::string Where(const Field& f, const std::string& key) {
  return f.file + ":" + std::to_string(f.line) + ": " + key;
}

Status Bad(const Field& f, const std::string& key, const std::string& what) {
  return Status::InvalidArgument(Where(f, key) + ": " + what);
}

std::string Shown(const YAML::Node& n) {
  if (n.IsScalar()) return "'" + n.Scalar() + "'";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "nothing";
}

Status GetString(const Fields& fs_, const std::string& key, std::string* out) {
  auto it = fs_.find(key);
  if (it == fs_.end()) return Status::OK();
  if (!it->second.value.IsScalar()) {
    return Bad(it->second, key, "expected a string, got " + Shown(it->second.value));
  }
  *out = it->second.value.Scalar();
  return Status::OK();
}

template <typename T>
Status ConvertScalar(const YAML::Node& n, T* out) {
  if (!n.IsScalar()) return Status::InvalidArgument("not a scalar");
  try {
    *out = n.as<T>();
  } catch (const YAML::Exception&) {
    return Status::InvalidArgument("bad value");
  }
  return Status::OK();
}

template <typename T>
Status GetNumber(const Fields& f, const std::string& key, const char* expected, T* out) {
  auto it = f.find(key);
  if (it == f.end()) return Status::OK();
  if (!ConvertScalar(it->second.value, out).ok()) {
    return Bad(it->second, key, std::string("expected ") + expected + ", got " + Shown(it->second.value));
  }
  return Status::OK();
}

Status GetBool(const Fields& f, const std::string& key, bool* out) {
  return GetNumber(f, key, "true or false", out);
}

// A string or a list of strings.
Status StringList(const Field& f, const std::string& key, const YAML::Node& n,
                  std::vector<std::string>* out) {
  out->clear();
  if (n.IsScalar()) {
    out->push_back(n.Scalar());
    return Status::OK();
  }
  if (!n.IsSequence()) return Bad(f, key, "expected a string or a list of strings");
  for (const YAML::Node& item : n) {
    if (!item.IsScalar()) return Bad(f, key, "expected a list of strings, got an entry that is " + Shown(item));
    out->push_back(item.Scalar());
  }
  return Status::OK();
}

// Fields of a nested mapping, for the same helpers; lines from the marks.
Fields SubFields(const YAML::Node& map, const std::string& file) {
  Fields out;
  for (const auto& kv : map) {
    out[kv.first.Scalar()] = Field{kv.second, file, kv.first.Mark().line + 1};
  }
  return out;
}

Status CheckKeys(const Fields& f, const std::set<std::string>& allowed, const Field& parent,
                 const std::string& parent_key) {
  for (const auto& [key, field] : f) {
    if (!allowed.count(key)) return Bad(field, parent_key + "." + key, "unknown field");
  }
  (void)parent;
  return Status::OK();
}

// `digests` collects the hex SHA-256 of every file read (includes first).
Result<Fields> ReadFields(const std::string& yaml, const std::string& file, int depth,
                          std::vector<std::string>* digests);

Result<Fields> ReadInclude(const Field& f, const std::string& file, int depth,
                           std::vector<std::string>* digests) {
  if (!f.value.IsScalar()) return Bad(f, "include", "expected a file name");
  if (depth > 8) return Bad(f, "include", "includes nest deeper than 8 files");
  fs::path base = fs::path(file).parent_path() / f.value.Scalar();
  Result<std::string> bytes = internal::ReadFileBytes(base.string());
  if (!bytes.ok()) return Bad(f, "include", bytes.status().message());
  return ReadFields(*bytes, base.string(), depth + 1, digests);
}

Result<Fields> ReadFields(const std::string& yaml, const std::string& file, int depth,
                          std::vector<std::string>* digests) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax: " + e.msg);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ": YAML: " + e.what());
  }
  if (!root.IsMap()) return Status::InvalidArgument(file + ":1: expected a mapping of task fields");
  Fields own = SubFields(root, file);
  auto inc = own.find("include");
  if (inc == own.end()) {
    digests->push_back(Sha256Hex(yaml));
    return own;
  }
  DOKJA_ASSIGN_OR_RETURN(Fields merged, ReadInclude(inc->second, file, depth, digests));
  digests->push_back(Sha256Hex(yaml));
  own.erase(inc);
  for (auto& [key, field] : own) merged[key] = std::move(field);
  return merged;
}

Status ParseGeneration(const Field& f, TaskSpec* spec) {
  if (!f.value.IsMap()) return Bad(f, "generation_kwargs", "expected a mapping");
  Fields g = SubFields(f.value, f.file);
  DOKJA_RETURN_IF_ERROR(CheckKeys(g, {"until", "max_gen_toks", "max_new_tokens", "temperature",
                                      "do_sample", "top_p", "seed"}, f, "generation_kwargs"));
  if (auto it = g.find("until"); it != g.end()) {
    DOKJA_RETURN_IF_ERROR(StringList(it->second, "generation_kwargs.until", it->second.value, &spec->gen.until));
  }
  DOKJA_RETURN_IF_ERROR(GetNumber(g, "max_gen_toks", "a positive integer", &spec->gen.max_tokens));
  DOKJA_RETURN_IF_ERROR(GetNumber(g, "max_new_tokens", "a positive integer", &spec->gen.max_tokens));
  DOKJA_RETURN_IF_ERROR(GetNumber(g, "temperature", "a number", &spec->gen.temperature));
  DOKJA_RETURN_IF_ERROR(GetNumber(g, "top_p", "a number", &spec->gen.top_p));
  DOKJA_RETURN_IF_ERROR(GetNumber(g, "seed", "an integer", &spec->gen.seed));
  bool do_sample = spec->gen.temperature > 0;
  DOKJA_RETURN_IF_ERROR(GetBool(g, "do_sample", &do_sample));
  if (!do_sample) spec->gen.temperature = 0;
  if (spec->gen.max_tokens <= 0) return Bad(f, "generation_kwargs.max_gen_toks", "expected a positive integer");
  if (spec->gen.temperature < 0) return Bad(f, "generation_kwargs.temperature", "expected >= 0");
  return Status::OK();
}

const std::set<std::string> kFilterFunctions = {"regex", "take_first", "majority_vote", "lowercase",
                                                "uppercase", "strip", "remove_whitespace"};

Status ParseFilters(const Field& f, TaskSpec* spec) {
  if (!f.value.IsSequence()) return Bad(f, "filter_list", "expected a list of {name, filter}");
  for (const YAML::Node& item : f.value) {
    Field at{item, f.file, item.Mark().line + 1};
    if (!item.IsMap()) return Bad(at, "filter_list", "expected {name, filter: [...]}, got " + Shown(item));
    Fields pf = SubFields(item, f.file);
    DOKJA_RETURN_IF_ERROR(CheckKeys(pf, {"name", "filter"}, at, "filter_list"));
    FilterPipeline pipe;
    DOKJA_RETURN_IF_ERROR(GetString(pf, "name", &pipe.name));
    auto steps = pf.find("filter");
    if (steps == pf.end() || !steps->second.value.IsSequence()) {
      return Bad(at, "filter_list.filter", "expected a list of filter steps");
    }
    for (const YAML::Node& s : steps->second.value) {
      Field sat{s, f.file, s.Mark().line + 1};
      if (!s.IsMap()) return Bad(sat, "filter_list.filter", "expected {function: ...}");
      Fields sf = SubFields(s, f.file);
      DOKJA_RETURN_IF_ERROR(CheckKeys(sf, {"function", "regex_pattern", "group_select", "fallback"},
                                      sat, "filter_list.filter"));
      FilterStep step;
      DOKJA_RETURN_IF_ERROR(GetString(sf, "function", &step.function));
      DOKJA_RETURN_IF_ERROR(GetString(sf, "regex_pattern", &step.regex_pattern));
      DOKJA_RETURN_IF_ERROR(GetString(sf, "fallback", &step.fallback));
      DOKJA_RETURN_IF_ERROR(GetNumber(sf, "group_select", "an integer", &step.group_select));
      if (!kFilterFunctions.count(step.function)) {
        return Bad(sat, "filter_list.filter.function", "unknown filter function '" + step.function + "'");
      }
      if (step.function == "regex" && step.regex_pattern.empty()) {
        return Bad(sat, "filter_list.filter.regex_pattern", "regex needs a regex_pattern");
      }
      pipe.steps.push_back(std::move(step));
    }
    spec->filters.push_back(std::move(pipe));
  }
  return Status::OK();
}

const std::set<std::string> kMetrics = {
    "acc", "acc_norm", "exact_match", "f1", "prompt_level_strict_acc", "inst_level_strict_acc",
    "prompt_level_loose_acc", "inst_level_loose_acc", "word_perplexity", "byte_perplexity",
    "bits_per_byte"};

Status ParseMetrics(const Field& f, TaskSpec* spec) {
  if (!f.value.IsSequence()) return Bad(f, "metric_list", "expected a list of {metric: ...}");
  for (const YAML::Node& item : f.value) {
    Field at{item, f.file, item.Mark().line + 1};
    if (!item.IsMap()) return Bad(at, "metric_list", "expected {metric: ...}, got " + Shown(item));
    Fields mf = SubFields(item, f.file);
    DOKJA_RETURN_IF_ERROR(CheckKeys(mf, {"metric", "aggregation", "higher_is_better", "ignore_case",
                                         "ignore_punctuation", "regexes_to_ignore"}, at, "metric_list"));
    MetricSpec m;
    DOKJA_RETURN_IF_ERROR(GetString(mf, "metric", &m.metric));
    if (!kMetrics.count(m.metric)) return Bad(at, "metric_list.metric", "unknown metric '" + m.metric + "'");
    m.higher_is_better = m.metric.find("perplexity") == std::string::npos && m.metric != "bits_per_byte";
    DOKJA_RETURN_IF_ERROR(GetBool(mf, "higher_is_better", &m.higher_is_better));
    DOKJA_RETURN_IF_ERROR(GetBool(mf, "ignore_case", &m.ignore_case));
    DOKJA_RETURN_IF_ERROR(GetBool(mf, "ignore_punctuation", &m.ignore_punctuation));
    if (auto it = mf.find("regexes_to_ignore"); it != mf.end()) {
      DOKJA_RETURN_IF_ERROR(StringList(it->second, "metric_list.regexes_to_ignore", it->second.value,
                                       &m.regexes_to_ignore));
    }
    spec->metrics.push_back(std::move(m));
  }
  return Status::OK();
}

Status ParseOutputType(const Fields& f, TaskSpec* spec) {
  auto it = f.find("output_type");
  if (it == f.end()) return Status::OK();
  std::string s = it->second.value.IsScalar() ? it->second.value.Scalar() : "";
  if (s == "multiple_choice") {
    spec->output_type = OutputType::kMultipleChoice;
  } else if (s == "generate_until") {
    spec->output_type = OutputType::kGenerateUntil;
  } else if (s == "loglikelihood_rolling") {
    spec->output_type = OutputType::kLoglikelihoodRolling;
  } else {
    return Bad(it->second, "output_type",
               "expected multiple_choice, generate_until or loglikelihood_rolling, got " +
                   Shown(it->second.value));
  }
  return Status::OK();
}

const std::set<std::string> kTaskKeys = {
    "task", "tag", "dataset_path", "dataset_name", "dataset_kwargs", "test_split",
    "validation_split", "fewshot_split", "training_split", "output_type", "description",
    "doc_to_text", "doc_to_target", "doc_to_choice", "target_delimiter", "fewshot_delimiter",
    "num_fewshot", "fewshot_seed", "fewshot_config", "generation_kwargs", "repeats",
    "apply_chat_template", "fewshot_as_multiturn", "system_instruction", "reasoning_start",
    "reasoning_end", "filter_list", "metric_list", "metadata", "should_decontaminate",
    "doc_to_decontamination_query"};

Status ParseStrings(const Fields& f, TaskSpec* s) {
  DOKJA_RETURN_IF_ERROR(GetString(f, "task", &s->name));
  DOKJA_RETURN_IF_ERROR(GetString(f, "dataset_path", &s->dataset_path));
  DOKJA_RETURN_IF_ERROR(GetString(f, "test_split", &s->test_split));
  DOKJA_RETURN_IF_ERROR(GetString(f, "validation_split", &s->validation_split));
  DOKJA_RETURN_IF_ERROR(GetString(f, "fewshot_split", &s->fewshot_split));
  DOKJA_RETURN_IF_ERROR(GetString(f, "description", &s->description));
  DOKJA_RETURN_IF_ERROR(GetString(f, "doc_to_text", &s->doc_to_text));
  DOKJA_RETURN_IF_ERROR(GetString(f, "doc_to_target", &s->doc_to_target));
  DOKJA_RETURN_IF_ERROR(GetString(f, "target_delimiter", &s->target_delimiter));
  DOKJA_RETURN_IF_ERROR(GetString(f, "fewshot_delimiter", &s->fewshot_delimiter));
  DOKJA_RETURN_IF_ERROR(GetString(f, "system_instruction", &s->system_instruction));
  DOKJA_RETURN_IF_ERROR(GetString(f, "reasoning_start", &s->reasoning_start));
  DOKJA_RETURN_IF_ERROR(GetString(f, "reasoning_end", &s->reasoning_end));
  return Status::OK();
}

Status ParseTaskFields(const Fields& f, TaskSpec* s) {
  for (const auto& [key, field] : f) {
    if (key == "process_docs" || key == "process_results") {
      return Bad(field, key, "Python hooks are not supported; express it with templates and filters");
    }
    if (!kTaskKeys.count(key)) return Bad(field, key, "unknown field");
    s->field_lines[key] = field.line;
  }
  DOKJA_RETURN_IF_ERROR(ParseStrings(f, s));
  if (auto it = f.find("tag"); it != f.end()) {
    DOKJA_RETURN_IF_ERROR(StringList(it->second, "tag", it->second.value, &s->tags));
  }
  if (auto it = f.find("doc_to_choice"); it != f.end()) {
    if (it->second.value.IsSequence()) {
      DOKJA_RETURN_IF_ERROR(StringList(it->second, "doc_to_choice", it->second.value, &s->doc_to_choice_list));
    } else {
      DOKJA_RETURN_IF_ERROR(GetString(f, "doc_to_choice", &s->doc_to_choice));
    }
  }
  DOKJA_RETURN_IF_ERROR(GetNumber(f, "num_fewshot", "a non-negative integer", &s->num_fewshot));
  DOKJA_RETURN_IF_ERROR(GetNumber(f, "fewshot_seed", "a non-negative integer", &s->fewshot_seed));
  DOKJA_RETURN_IF_ERROR(GetNumber(f, "repeats", "a positive integer", &s->repeats));
  DOKJA_RETURN_IF_ERROR(GetBool(f, "apply_chat_template", &s->apply_chat_template));
  DOKJA_RETURN_IF_ERROR(GetBool(f, "fewshot_as_multiturn", &s->fewshot_as_multiturn));
  DOKJA_RETURN_IF_ERROR(ParseOutputType(f, s));
  if (auto it = f.find("generation_kwargs"); it != f.end()) DOKJA_RETURN_IF_ERROR(ParseGeneration(it->second, s));
  if (auto it = f.find("filter_list"); it != f.end()) DOKJA_RETURN_IF_ERROR(ParseFilters(it->second, s));
  if (auto it = f.find("metric_list"); it != f.end()) DOKJA_RETURN_IF_ERROR(ParseMetrics(it->second, s));
  return Status::OK();
}

// Cross-field checks, once every field is read.
Status ValidateTask(const Fields& f, const TaskSpec& s, const std::string& file) {
  auto req = [&](const std::string& key, const std::string& value) -> Status {
    if (!value.empty()) return Status::OK();
    return Status::InvalidArgument(file + ": " + key + ": required field is missing");
  };
  DOKJA_RETURN_IF_ERROR(req("task", s.name));
  DOKJA_RETURN_IF_ERROR(req("dataset_path", s.dataset_path));
  DOKJA_RETURN_IF_ERROR(req("doc_to_text", s.doc_to_text));
  if (s.output_type == OutputType::kMultipleChoice) DOKJA_RETURN_IF_ERROR(req("doc_to_target", s.doc_to_target));
  const Field* any = f.count("task") ? &f.at("task") : nullptr;
  auto at = [&](const std::string& key) { return f.count(key) ? f.at(key) : *any; };
  if (s.num_fewshot < 0) return Bad(at("num_fewshot"), "num_fewshot", "expected a non-negative integer");
  if (s.repeats < 1) return Bad(at("repeats"), "repeats", "expected a positive integer");
  if (s.output_type == OutputType::kMultipleChoice && s.doc_to_choice.empty() && s.doc_to_choice_list.empty()) {
    return Bad(at("output_type"), "doc_to_choice", "multiple_choice needs doc_to_choice");
  }
  if (s.reasoning_end.empty() && !s.reasoning_start.empty()) {
    return Bad(at("reasoning_start"), "reasoning_end", "reasoning_start needs a reasoning_end");
  }
  return Status::OK();
}

Status ParseGroup(const Fields& f, const std::string& file, GroupSpec* g) {
  for (const auto& [key, field] : f) {
    if (key != "group" && key != "task" && key != "aggregate_metric_list" && key != "metadata" &&
        key != "tag") {
      return Bad(field, key, "unknown field in a group file");
    }
  }
  DOKJA_RETURN_IF_ERROR(GetString(f, "group", &g->name));
  auto it = f.find("task");
  if (it == f.end()) return Status::InvalidArgument(file + ": task: a group needs a list of member tasks");
  if (it->second.value.IsSequence()) {
    for (const YAML::Node& n : it->second.value) {
      if (!n.IsScalar()) {
        return Bad(Field{n, file, n.Mark().line + 1}, "task",
                   "inline task definitions in a group are not supported; name a task file's task");
      }
    }
  }
  DOKJA_RETURN_IF_ERROR(StringList(it->second, "task", it->second.value, &g->members));
  if (g->members.empty()) return Bad(it->second, "task", "a group needs at least one member");
  return Status::OK();
}

}  // namespace

std::string_view OutputTypeName(OutputType type) {
  switch (type) {
    case OutputType::kMultipleChoice: return "multiple_choice";
    case OutputType::kGenerateUntil: return "generate_until";
    case OutputType::kLoglikelihoodRolling: return "loglikelihood_rolling";
  }
  return "unknown";
}

Result<TaskFile> ParseTaskYaml(const std::string& yaml, const std::string& file) {
  std::vector<std::string> digests;
  DOKJA_ASSIGN_OR_RETURN(Fields fields, ReadFields(yaml, file, 0, &digests));
  // One file: the SHA-256 of its bytes; with includes, of their digests chained.
  std::string chained;
  for (const std::string& d : digests) chained += d;
  const std::string spec_hash = digests.size() == 1 ? digests[0] : Sha256Hex(chained);
  TaskFile out;
  if (fields.count("group")) {
    out.is_group = true;
    out.group.file = file;
    out.group.spec_sha256 = spec_hash;
    DOKJA_RETURN_IF_ERROR(ParseGroup(fields, file, &out.group));
    return out;
  }
  TaskSpec& s = out.task;
  s.file = file;
  s.spec_sha256 = spec_hash;
  DOKJA_RETURN_IF_ERROR(ParseTaskFields(fields, &s));
  DOKJA_RETURN_IF_ERROR(ValidateTask(fields, s, file));
  return out;
}

Result<TaskFile> LoadTaskFile(const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::string bytes, internal::ReadFileBytes(path));
  DOKJA_ASSIGN_OR_RETURN(TaskFile file, ParseTaskYaml(bytes, path));
  return file;
}

}  // namespace dokja::bench
