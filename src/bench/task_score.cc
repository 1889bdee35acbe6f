// ScoreTask, AggregateGroup and Evaluate: from responses to metrics.
#include <cmath>
#include <limits>

#include "bench/internal/ifeval.h"
#include "bench/internal/task_state.h"

namespace dokja::bench {
namespace {

using Json = nlohmann::json;
using internal::MetricItem;

// Items per "metric,filter", in first-seen order.
struct Accumulator {
  std::vector<MetricValue> heads;
  std::vector<std::vector<MetricItem>> items;

  void Add(const MetricSpec& m, const std::string& filter, MetricItem item, SampleRecord* rec) {
    const std::string key = m.metric + "," + filter;
    size_t idx = 0;
    while (idx < heads.size() && heads[idx].Key() != key) ++idx;
    if (idx == heads.size()) {
      heads.push_back(MetricValue{m.metric, filter, 0, 0, m.higher_is_better, 0});
      items.emplace_back();
    }
    items[idx].push_back(item);
    rec->scores[key] = item.weight != 0 && item.weight != 1 ? item.value / item.weight : item.value;
  }
};

size_t ArgMax(const std::vector<double>& v) {
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] > v[best]) best = i;
  }
  return best;
}

Status ScoreChoices(const LoadedTaskState& s, const PreparedDoc& doc, const std::vector<Response>& r,
                    const Instance& inst, Accumulator* acc, SampleRecord* rec) {
  std::vector<double> lls, norm;
  for (size_t c = 0; c < inst.n_requests; ++c) {
    const Response& resp = r[inst.first_request + c];
    if (!std::isfinite(resp.logprob)) {
      return Status::InvalidArgument("response " + std::to_string(inst.first_request + c) +
                                     ": log-likelihood is not finite");
    }
    lls.push_back(resp.logprob);
    const double len = static_cast<double>(std::max<int64_t>(1, internal::CodePoints(doc.choices[c])));
    norm.push_back(resp.logprob / len);
    rec->logprobs.push_back(resp.logprob);
    rec->is_greedy.push_back(resp.is_greedy);
  }
  const auto gold = static_cast<size_t>(doc.gold);
  for (const MetricSpec& m : s.metrics) {
    const std::vector<double>& v = m.metric == "acc_norm" ? norm : lls;
    acc->Add(m, "none", MetricItem{ArgMax(v) == gold ? 1.0 : 0.0, 1}, rec);
  }
  return Status::OK();
}

Status ScoreGenerated(const LoadedTaskState& s, const PreparedDoc& doc, const Json& row,
                      const std::vector<Response>& r, const Instance& inst, Accumulator* acc,
                      SampleRecord* rec) {
  std::vector<std::string> answers;
  for (size_t k = 0; k < inst.n_requests; ++k) {
    const std::string& text = r[inst.first_request + k].text;
    rec->responses.push_back(text);
    answers.push_back(internal::StripReasoning(text, s.spec.reasoning_start, s.spec.reasoning_end));
  }
  for (const internal::CompiledFilter& f : s.filters) {
    DOKJA_ASSIGN_OR_RETURN(std::string answer, f.Apply(answers));
    rec->filtered[f.name()] = answer;
    std::optional<internal::InstructionOutcome> outcome;
    for (size_t mi = 0; mi < s.metrics.size(); ++mi) {
      const MetricSpec& m = s.metrics[mi];
      MetricItem item;
      if (m.metric == "exact_match") {
        DOKJA_ASSIGN_OR_RETURN(item.value, s.matchers[mi]->Score(answer, doc.target));
      } else if (m.metric == "f1") {
        item.value = internal::TokenF1(answer, doc.target);
      } else {
        if (!outcome) {
          DOKJA_ASSIGN_OR_RETURN(outcome, internal::CheckInstructions(row, answer));
        }
        const std::vector<bool>& pass = m.metric.find("strict") != std::string::npos ? outcome->strict : outcome->loose;
        const double passed = static_cast<double>(std::count(pass.begin(), pass.end(), true));
        if (m.metric.rfind("prompt_level", 0) == 0) {
          item.value = passed == static_cast<double>(pass.size()) ? 1.0 : 0.0;
        } else {
          item = MetricItem{passed, static_cast<double>(pass.size())};
        }
      }
      acc->Add(m, f.name(), item, rec);
    }
  }
  return Status::OK();
}

Status ScoreRolling(const LoadedTaskState& s, const PreparedDoc& doc, const Response& r,
                    Accumulator* acc, SampleRecord* rec) {
  if (!std::isfinite(r.logprob)) return Status::InvalidArgument("log-likelihood is not finite");
  const std::string& text = doc.target.empty() ? doc.text : doc.target;
  rec->logprobs.push_back(r.logprob);
  for (const MetricSpec& m : s.metrics) {
    const double w = m.metric == "word_perplexity" ? static_cast<double>(internal::CountWords(text))
                                                   : static_cast<double>(text.size());
    acc->Add(m, "none", MetricItem{r.logprob, w}, rec);
  }
  return Status::OK();
}

void Finish(const LoadedTaskState& s, Accumulator& acc, const TaskOptions& options, TaskResult* out) {
  for (size_t i = 0; i < acc.heads.size(); ++i) {
    MetricValue v = acc.heads[i];
    const internal::Aggregation agg = internal::AggregationFor(v.metric);
    v.value = internal::Aggregate(agg, acc.items[i]);
    v.stderr_value = agg == internal::Aggregation::kMean
                         ? internal::MeanStderr(acc.items[i])
                         : internal::BootstrapStderr(agg, acc.items[i], options.bootstrap_iters,
                                                     options.bootstrap_seed);
    v.n = static_cast<int64_t>(acc.items[i].size());
    out->metrics.push_back(v);
  }
  (void)s;
}

void LeafTasks(const std::string& name, const std::vector<GroupSpec>& groups,
               std::vector<std::string>* out, int depth) {
  for (const GroupSpec& g : groups) {
    if (g.name != name || depth > 32) continue;
    for (const std::string& m : g.members) LeafTasks(m, groups, out, depth + 1);
    return;
  }
  if (std::find(out->begin(), out->end(), name) == out->end()) out->push_back(name);
}

}  // namespace

Result<TaskResult> ScoreTask(const LoadedTask& task, const TaskRequests& requests,
                             const std::vector<Response>& responses, std::vector<SampleRecord>* samples,
                             const TaskOptions& options) {
  const LoadedTaskState& s = LoadedTaskAccess::State(task);
  if (responses.size() != requests.requests.size()) {
    return Status::InvalidArgument(s.spec.name + ": " + std::to_string(responses.size()) + " responses for " +
                                   std::to_string(requests.requests.size()) + " requests");
  }
  Accumulator acc;
  for (const Instance& inst : requests.instances) {
    const Json& row = s.docs.at(static_cast<size_t>(inst.doc_id));
    DOKJA_ASSIGN_OR_RETURN(PreparedDoc doc, PrepareDoc(s, row, s.docs_label, inst.doc_id, /*with_text=*/false));
    SampleRecord rec;
    rec.task = s.spec.name;
    rec.doc_id = inst.doc_id;
    rec.doc_json = row.dump(-1, ' ', false, Json::error_handler_t::replace);
    rec.prompt = inst.prompt;
    rec.target = doc.target;
    rec.choices = doc.choices;
    Status st;
    switch (s.spec.output_type) {
      case OutputType::kMultipleChoice: st = ScoreChoices(s, doc, responses, inst, &acc, &rec); break;
      case OutputType::kGenerateUntil: st = ScoreGenerated(s, doc, row, responses, inst, &acc, &rec); break;
      case OutputType::kLoglikelihoodRolling:
        st = ScoreRolling(s, doc, responses[inst.first_request], &acc, &rec);
        break;
    }
    if (!st.ok()) return st.WithPrefix(s.spec.name + " doc " + std::to_string(inst.doc_id));
    if (samples != nullptr) samples->push_back(std::move(rec));
  }
  TaskResult out;
  out.manifest = s.manifest;
  Finish(s, acc, options, &out);
  return out;
}

Result<GroupResult> AggregateGroup(const GroupSpec& group, const std::vector<TaskResult>& tasks,
                                   const std::vector<GroupSpec>& groups) {
  GroupResult out;
  out.group = group.name;
  out.spec_sha256 = group.spec_sha256;
  for (const std::string& m : group.members) LeafTasks(m, groups, &out.tasks, 0);
  std::vector<const TaskResult*> members;
  for (const std::string& name : out.tasks) {
    auto it = std::find_if(tasks.begin(), tasks.end(), [&](const TaskResult& t) { return t.manifest.task == name; });
    if (it == tasks.end()) return Status::NotFound("group '" + group.name + "': no result for task '" + name + "'");
    members.push_back(&*it);
  }
  for (const MetricValue& head : members.front()->metrics) {
    GroupMetric g{head.metric, head.filter, 0, 0, 0, 0, 0, 0, head.higher_is_better};
    double weighted = 0, var_micro = 0, var_macro = 0;
    bool everywhere = true;
    for (const TaskResult* t : members) {
      auto it = std::find_if(t->metrics.begin(), t->metrics.end(),
                             [&](const MetricValue& v) { return v.Key() == head.Key(); });
      if (it == t->metrics.end()) {
        everywhere = false;
        break;
      }
      const double n = static_cast<double>(it->n);
      weighted += n * it->value;
      g.macro += it->value;
      var_micro += n * n * it->stderr_value * it->stderr_value;
      var_macro += it->stderr_value * it->stderr_value;
      g.n_samples += it->n;
      ++g.n_tasks;
    }
    if (!everywhere || g.n_samples == 0) continue;
    const double k = static_cast<double>(g.n_tasks), total = static_cast<double>(g.n_samples);
    g.micro = weighted / total;
    g.micro_stderr = std::sqrt(var_micro) / total;
    g.macro /= k;
    g.macro_stderr = std::sqrt(var_macro) / k;
    out.metrics.push_back(g);
  }
  return out;
}

Result<EvalOutput> Evaluate(const TaskRegistry& registry, const std::vector<std::string>& names,
                            const TaskOptions& options, const AnswerFn& answer) {
  std::vector<TaskSpec> specs;
  std::vector<GroupSpec> groups;
  DOKJA_RETURN_IF_ERROR(registry.Resolve(names, &specs, &groups));
  EvalOutput out;
  for (const TaskSpec& spec : specs) {
    const std::string prefix = "task '" + spec.name + "'";
    Result<LoadedTask> task = LoadTask(spec, options);
    if (!task.ok()) return task.status().WithPrefix(prefix);
    Result<TaskRequests> requests = BuildRequests(*task);
    if (!requests.ok()) return requests.status().WithPrefix(prefix);
    std::vector<Response> responses;
    Status answered = answer(requests->requests, &responses);
    if (!answered.ok()) return answered.WithPrefix(prefix);
    std::vector<SampleRecord>& samples = out.samples[spec.name];
    Result<TaskResult> result = ScoreTask(*task, *requests, responses, &samples, options);
    if (!result.ok()) return result.status().WithPrefix(prefix);
    out.results.tasks.push_back(std::move(*result));
  }
  for (const GroupSpec& g : groups) {
    DOKJA_ASSIGN_OR_RETURN(GroupResult gr, AggregateGroup(g, out.results.tasks, groups));
    out.results.groups.push_back(std::move(gr));
  }
  return out;
}

}  // namespace dokja::bench
