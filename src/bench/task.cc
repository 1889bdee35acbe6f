// LoadTask and BuildRequests: from a spec and its rows to the request list.
#include "bench/task.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "bench/internal/dataset.h"
#include "bench/internal/rng.h"
#include "bench/internal/task_state.h"

namespace dokja::bench {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string ReplaceSplit(std::string path, const std::string& split) {
  const std::string token = "{split}";
  for (size_t pos; (pos = path.find(token)) != std::string::npos;) path.replace(pos, token.size(), split);
  return path;
}

std::string DatasetPath(const TaskSpec& spec, const TaskOptions& options, const std::string& split) {
  std::string rel = ReplaceSplit(spec.dataset_path, split);
  if (fs::path(rel).is_absolute()) return rel;
  fs::path base = options.data_dir.empty() ? fs::path(spec.file).parent_path() : fs::path(options.data_dir);
  return (base / rel).string();
}

std::string At(const TaskSpec& spec, const std::string& key) {
  auto it = spec.field_lines.find(key);
  std::string line = it == spec.field_lines.end() ? "" : ":" + std::to_string(it->second);
  return spec.file + line + ": " + key;
}

Status CompileField(const TaskSpec& spec, const std::string& key, const std::string& source,
                    const Json& first_row, FieldOrTemplate* out) {
  out->source = source;
  out->key = key;
  if (source.empty()) return Status::OK();
  if (first_row.is_object() && first_row.contains(source) && !internal::LooksLikeTemplate(source)) {
    out->is_field = true;
    return Status::OK();
  }
  Result<internal::DocTemplate> t = internal::DocTemplate::Parse(source);
  if (!t.ok()) return t.status().WithPrefix(At(spec, key));
  out->tmpl = std::move(*t);
  return Status::OK();
}

const std::set<std::string> kMcMetrics = {"acc", "acc_norm"};
const std::set<std::string> kRollingMetrics = {"word_perplexity", "byte_perplexity", "bits_per_byte"};

Status CheckMetrics(LoadedTaskState* s) {
  const TaskSpec& spec = s->spec;
  if (s->metrics.empty()) {
    auto add = [&](const char* m) {
      MetricSpec ms;
      ms.metric = m;
      ms.higher_is_better = kRollingMetrics.count(m) == 0;
      s->metrics.push_back(ms);
    };
    if (spec.output_type == OutputType::kMultipleChoice) add("acc"), add("acc_norm");
    if (spec.output_type == OutputType::kGenerateUntil) add("exact_match");
    if (spec.output_type == OutputType::kLoglikelihoodRolling) {
      add("word_perplexity"), add("byte_perplexity"), add("bits_per_byte");
    }
  }
  for (const MetricSpec& m : s->metrics) {
    const bool mc = kMcMetrics.count(m.metric) > 0, rolling = kRollingMetrics.count(m.metric) > 0;
    const bool ok = spec.output_type == OutputType::kMultipleChoice ? mc
                    : spec.output_type == OutputType::kLoglikelihoodRolling ? rolling
                                                                             : !mc && !rolling;
    if (!ok) {
      return Status::InvalidArgument(At(spec, "metric_list") + ": metric '" + m.metric +
                                     "' does not apply to output_type " +
                                     std::string(OutputTypeName(spec.output_type)));
    }
    std::optional<internal::ExactMatcher> matcher;
    if (m.metric == "exact_match") {
      Result<internal::ExactMatcher> em = internal::ExactMatcher::Compile(m);
      if (!em.ok()) return em.status().WithPrefix(At(spec, "metric_list"));
      matcher = std::move(*em);
    }
    s->matchers.push_back(std::move(matcher));
    if (m.metric.find("level_") != std::string::npos) s->needs_instructions = true;
  }
  return Status::OK();
}

Status CompileFilters(LoadedTaskState* s) {
  std::vector<FilterPipeline> pipelines = s->spec.filters;
  if (pipelines.empty()) {
    FilterPipeline none;
    FilterStep first;
    first.function = "take_first";
    none.steps.push_back(first);
    pipelines.push_back(none);
  }
  for (const FilterPipeline& p : pipelines) {
    Result<internal::CompiledFilter> f = internal::CompiledFilter::Compile(p);
    if (!f.ok()) return f.status().WithPrefix(At(s->spec, "filter_list"));
    s->filters.push_back(std::move(*f));
  }
  return Status::OK();
}

Status CompileTemplates(LoadedTaskState* s) {
  const TaskSpec& spec = s->spec;
  const Json first = s->docs.empty() ? Json::object() : s->docs.front();
  DOKJA_RETURN_IF_ERROR(CompileField(spec, "doc_to_text", spec.doc_to_text, first, &s->text));
  DOKJA_RETURN_IF_ERROR(CompileField(spec, "doc_to_target", spec.doc_to_target, first, &s->target));
  DOKJA_RETURN_IF_ERROR(CompileField(spec, "doc_to_choice", spec.doc_to_choice, first, &s->choice));
  for (const std::string& c : spec.doc_to_choice_list) {
    Result<internal::DocTemplate> t = internal::DocTemplate::Parse(c);
    if (!t.ok()) return t.status().WithPrefix(At(spec, "doc_to_choice"));
    s->choice_list.push_back(std::move(*t));
  }
  if (!spec.description.empty()) {
    Result<internal::DocTemplate> t = internal::DocTemplate::Parse(spec.description);
    if (!t.ok()) return t.status().WithPrefix(At(spec, "description"));
    s->description = std::move(*t);
  }
  return Status::OK();
}

Status LoadRows(LoadedTaskState* s) {
  const TaskSpec& spec = s->spec;
  const bool per_split = spec.dataset_path.find("{split}") != std::string::npos;
  const std::string test_path = DatasetPath(spec, s->options, spec.test_split);
  Result<internal::DatasetFile> test = internal::LoadDataset(test_path);
  if (!test.ok()) return test.status().WithPrefix(At(spec, "dataset_path"));
  s->manifest.dataset_files = test->files;
  s->manifest.dataset_sha256 = test->sha256;
  s->docs_label = test->files.size() == 1 ? test->files[0] : test_path;
  s->docs = std::move(test->rows);
  if (s->options.limit >= 0 && static_cast<size_t>(s->options.limit) < s->docs.size()) {
    s->docs.resize(static_cast<size_t>(s->options.limit));
  }
  std::string pool_split = !spec.fewshot_split.empty() ? spec.fewshot_split : spec.validation_split;
  s->pool_is_docs = pool_split.empty() || pool_split == spec.test_split || !per_split;
  if (s->num_fewshot == 0) return Status::OK();
  if (s->pool_is_docs) {
    // Re-read: the pool is the whole split, not the limited docs.
    Result<internal::DatasetFile> again = internal::LoadDataset(test_path);
    if (!again.ok()) return again.status();
    s->pool = std::move(again->rows);
    s->pool_label = s->docs_label;
    s->manifest.fewshot_dataset_sha256 = s->manifest.dataset_sha256;
    return Status::OK();
  }
  const std::string pool_path = DatasetPath(spec, s->options, pool_split);
  Result<internal::DatasetFile> pool = internal::LoadDataset(pool_path);
  if (!pool.ok()) return pool.status().WithPrefix(At(spec, "fewshot_split"));
  s->pool = std::move(pool->rows);
  s->pool_label = pool->files.size() == 1 ? pool->files[0] : pool_path;
  s->manifest.fewshot_dataset_sha256 = pool->sha256;
  return Status::OK();
}

Result<Json> FieldValue(const FieldOrTemplate& f, const Json& doc, const std::string& where) {
  if (f.is_field) {
    auto it = doc.find(f.source);
    if (it == doc.end()) return Status::InvalidArgument(where + ": " + f.key + ": no field '" + f.source + "'");
    return *it;
  }
  Result<std::string> r = f.tmpl->Render(doc);
  if (!r.ok()) return r.status().WithPrefix(where + ": " + f.key);
  return Json(std::move(*r));
}

std::string AsText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

Status Choices(const LoadedTaskState& s, const Json& doc, const std::string& where, PreparedDoc* out) {
  if (!s.choice_list.empty()) {
    for (const internal::DocTemplate& t : s.choice_list) {
      Result<std::string> c = t.Render(doc);
      if (!c.ok()) return c.status().WithPrefix(where + ": doc_to_choice");
      out->choices.push_back(std::move(*c));
    }
    return Status::OK();
  }
  DOKJA_ASSIGN_OR_RETURN(Json v, FieldValue(s.choice, doc, where));
  if (v.is_array()) {
    for (const Json& c : v) out->choices.push_back(AsText(c));
  } else {
    Result<std::vector<std::string>> list = ParseChoiceList(AsText(v));
    if (!list.ok()) return list.status().WithPrefix(where + ": doc_to_choice");
    out->choices = std::move(*list);
  }
  if (out->choices.empty()) return Status::InvalidArgument(where + ": doc_to_choice: no choices");
  return Status::OK();
}

// The gold index: an integer (or digit string) indexes the choices; other
// text must equal one of them.
Status Gold(const Json& target, const std::string& where, PreparedDoc* out) {
  const int64_t n = static_cast<int64_t>(out->choices.size());
  std::string text = AsText(target);
  bool digits = !text.empty() && std::all_of(text.begin(), text.end(), ::isdigit);
  if (target.is_number_integer() || (digits && text.size() < 10)) {
    out->gold = target.is_number_integer() ? target.get<int64_t>() : std::stoll(text);
    if (out->gold < 0 || out->gold >= n) {
      return Status::InvalidArgument(where + ": doc_to_target: index " + std::to_string(out->gold) +
                                     " is outside the " + std::to_string(n) + " choices");
    }
  } else {
    auto it = std::find(out->choices.begin(), out->choices.end(), text);
    if (it == out->choices.end()) {
      return Status::InvalidArgument(where + ": doc_to_target: '" + text + "' is not one of the choices");
    }
    out->gold = it - out->choices.begin();
  }
  out->target = out->choices[static_cast<size_t>(out->gold)];
  return Status::OK();
}

}  // namespace

Result<PreparedDoc> PrepareDoc(const LoadedTaskState& s, const Json& doc, const std::string& label,
                               int64_t row, bool with_text) {
  const std::string where = label + " row " + std::to_string(row + 1);
  PreparedDoc out;
  const OutputType type = s.spec.output_type;
  const bool rolling = type == OutputType::kLoglikelihoodRolling;
  if ((with_text || rolling) && (!rolling || !s.text.source.empty())) {
    DOKJA_ASSIGN_OR_RETURN(Json text, FieldValue(s.text, doc, where));
    out.text = AsText(text);
  }
  if (type == OutputType::kMultipleChoice) {
    DOKJA_RETURN_IF_ERROR(Choices(s, doc, where, &out));
    DOKJA_ASSIGN_OR_RETURN(Json target, FieldValue(s.target, doc, where));
    DOKJA_RETURN_IF_ERROR(Gold(target, where, &out));
  } else if (!s.target.source.empty()) {
    DOKJA_ASSIGN_OR_RETURN(Json target, FieldValue(s.target, doc, where));
    out.target = AsText(target);
  }
  return out;
}

const TaskSpec& LoadedTask::spec() const { return state_->spec; }
const TaskManifest& LoadedTask::manifest() const { return state_->manifest; }
int64_t LoadedTask::n_docs() const { return static_cast<int64_t>(state_->docs.size()); }

Result<LoadedTask> LoadTask(const TaskSpec& spec, const TaskOptions& options) {
  auto s = std::make_shared<LoadedTaskState>();
  s->spec = spec;
  s->options = options;
  s->chat = options.apply_chat_template.value_or(spec.apply_chat_template);
  s->num_fewshot = options.num_fewshot.value_or(spec.num_fewshot);
  s->fewshot_seed = options.fewshot_seed.value_or(spec.fewshot_seed);
  s->metrics = spec.metrics;
  if (s->num_fewshot < 0) return Status::InvalidArgument("num_fewshot must be >= 0");
  DOKJA_RETURN_IF_ERROR(LoadRows(s.get()));
  DOKJA_RETURN_IF_ERROR(CompileTemplates(s.get()));
  DOKJA_RETURN_IF_ERROR(CompileFilters(s.get()));
  DOKJA_RETURN_IF_ERROR(CheckMetrics(s.get()));
  if (s->num_fewshot > 0 && s->pool.size() < static_cast<size_t>(s->num_fewshot) + (s->pool_is_docs ? 1 : 0)) {
    return Status::InvalidArgument(At(spec, "num_fewshot") + ": " + std::to_string(s->num_fewshot) +
                                   " shots asked for, but the few-shot pool has " +
                                   std::to_string(s->pool.size()) + " rows");
  }
  TaskManifest& m = s->manifest;
  m.task = spec.name;
  m.spec_file = spec.file;
  m.spec_sha256 = spec.spec_sha256;
  m.fewshot_seed = s->fewshot_seed;
  m.num_fewshot = s->num_fewshot;
  m.apply_chat_template = s->chat;
  m.limit = options.limit;
  m.n_docs = static_cast<int64_t>(s->docs.size());
  m.output_type = std::string(OutputTypeName(spec.output_type));
  return LoadedTask(std::move(s));
}

}  // namespace dokja::bench
