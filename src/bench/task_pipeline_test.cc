// The task pipeline end to end with deterministic fake answer functions:
// few-shot draws, acc / acc_norm, generation filters, groups, results JSON.
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench/bench_test_util.h"
#include "bench/results.h"
#include "bench/task.h"

namespace dokja::bench {
namespace {

using testing::ScratchDir;
using testing::SourcePath;

TaskSpec ParseOrDie(const std::string& yaml, const std::string& file) {
  auto r = ParseTaskYaml(yaml, file);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->task : TaskSpec{};
}

TaskRequests Build(const TaskSpec& spec, const TaskOptions& options) {
  auto task = LoadTask(spec, options);
  EXPECT_TRUE(task.ok()) << task.status().ToString();
  if (!task.ok()) return {};
  auto req = BuildRequests(*task);
  EXPECT_TRUE(req.ok()) << req.status().ToString();
  return req.ok() ? *req : TaskRequests{};
}

const char* kSelfPool = R"(task: selfpool
dataset_path: rows.jsonl
output_type: multiple_choice
doc_to_text: "Q{{id}}"
doc_to_choice: ["x", "y"]
doc_to_target: "0"
num_fewshot: 3
fewshot_delimiter: "|"
)";

std::string Rows(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "{\"id\": " + std::to_string(i) + "}\n";
  return out;
}

TEST(FewShot, SameSeedSameShotsAndNeverTheDocItself) {
  ScratchDir dir;
  dir.Write("rows.jsonl", Rows(4));
  TaskSpec spec = ParseOrDie(kSelfPool, dir.Write("t.yaml", kSelfPool));
  TaskRequests a = Build(spec, {}), b = Build(spec, {});
  ASSERT_EQ(a.instances.size(), 4u);
  for (size_t i = 0; i < a.instances.size(); ++i) {
    EXPECT_EQ(a.instances[i].prompt, b.instances[i].prompt);
    // 4 rows, 3 shots: the shots are exactly the other three docs.
    const std::string& prompt = a.instances[i].prompt;
    const std::string own = "Q" + std::to_string(i);
    const std::string shots = prompt.substr(0, prompt.rfind('|'));
    EXPECT_EQ(shots.find(own + " "), std::string::npos) << prompt;
    for (int other = 0; other < 4; ++other) {
      if (other == static_cast<int>(i)) continue;
      EXPECT_NE(shots.find("Q" + std::to_string(other) + " x"), std::string::npos) << prompt;
    }
    EXPECT_EQ(prompt.substr(prompt.rfind('|') + 1), own);
  }
}

TEST(FewShot, ShotsDependOnTheSeedButNotOnTheLimit) {
  ScratchDir dir;
  dir.Write("rows.jsonl", Rows(40));
  TaskSpec spec = ParseOrDie(kSelfPool, dir.Write("t.yaml", kSelfPool));
  TaskRequests all = Build(spec, {});
  TaskOptions limited;
  limited.limit = 5;
  TaskRequests some = Build(spec, limited);
  ASSERT_EQ(some.instances.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(all.instances[i].prompt, some.instances[i].prompt);
  TaskOptions reseeded;
  reseeded.fewshot_seed = 7;
  TaskRequests other = Build(spec, reseeded);
  int differing = 0;
  for (size_t i = 0; i < all.instances.size(); ++i) differing += all.instances[i].prompt != other.instances[i].prompt;
  EXPECT_GT(differing, 30);
  EXPECT_EQ(all.requests.size(), 80u);  // two choices per doc
  EXPECT_EQ(all.requests[0].continuation, " x");
}

TEST(FewShot, TooFewRowsForTheShotsIsAClearError) {
  ScratchDir dir;
  dir.Write("rows.jsonl", Rows(3));
  TaskSpec spec = ParseOrDie(kSelfPool, dir.Write("t.yaml", kSelfPool));
  auto task = LoadTask(spec, {});
  ASSERT_FALSE(task.ok());
  EXPECT_NE(task.status().message().find("num_fewshot"), std::string::npos) << task.status().ToString();
}

TEST(Pipeline, AccNormDividesByTheChoiceLengthInCharacters) {
  ScratchDir dir;
  dir.Write("d.jsonl", "{\"q\": \"?\", \"a\": 1}\n");
  const char* yaml = "task: norm\ndataset_path: d.jsonl\noutput_type: multiple_choice\ndoc_to_text: \"{{q}}\"\n"
                     "doc_to_choice: [\"가\", \"가나다라\"]\ndoc_to_target: \"{{a}}\"\n";
  TaskSpec spec = ParseOrDie(yaml, dir.Write("t.yaml", yaml));
  auto task = LoadTask(spec, {});
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  auto req = BuildRequests(*task);
  ASSERT_TRUE(req.ok());
  ASSERT_EQ(req->requests.size(), 2u);
  EXPECT_EQ(req->requests[1].continuation, " 가나다라");
  std::vector<Response> resp(2);
  resp[0].logprob = -2.0;  // per char -2
  resp[1].logprob = -4.0;  // per char -1: acc_norm prefers it, acc does not
  std::vector<SampleRecord> samples;
  auto result = ScoreTask(*task, *req, resp, &samples);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->metrics.size(), 2u);
  EXPECT_EQ(result->metrics[0].Key(), "acc,none");
  EXPECT_EQ(result->metrics[0].value, 0.0);
  EXPECT_EQ(result->metrics[1].Key(), "acc_norm,none");
  EXPECT_EQ(result->metrics[1].value, 1.0);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].target, "가나다라");
  EXPECT_EQ(samples[0].scores.at("acc_norm,none"), 1.0);
  std::vector<Response> short_list(1);
  EXPECT_FALSE(ScoreTask(*task, *req, short_list).ok());
}

TEST(Pipeline, RowMissingAFieldIsNamedByRow) {
  ScratchDir dir;
  dir.Write("d.jsonl", "{\"q\": \"a\", \"a\": 0}\n{\"a\": 1}\n");
  const char* yaml = "task: t\ndataset_path: d.jsonl\noutput_type: multiple_choice\ndoc_to_text: \"Q: {{q}}\"\n"
                     "doc_to_choice: [\"x\", \"y\"]\ndoc_to_target: \"{{a}}\"\n";
  TaskSpec spec = ParseOrDie(yaml, dir.Write("t.yaml", yaml));
  auto task = LoadTask(spec, {});
  ASSERT_TRUE(task.ok());
  auto req = BuildRequests(*task);
  ASSERT_FALSE(req.ok());
  EXPECT_NE(req.status().message().find("d.jsonl row 2: doc_to_text"), std::string::npos) << req.status().ToString();
  EXPECT_NE(req.status().message().find("'q' is undefined"), std::string::npos) << req.status().ToString();
}

TEST(Pipeline, MetricThatDoesNotFitTheOutputTypeIsRefused) {
  ScratchDir dir;
  dir.Write("d.jsonl", "{\"q\": \"a\"}\n");
  const char* yaml = "task: t\ndataset_path: d.jsonl\noutput_type: generate_until\ndoc_to_text: \"{{q}}\"\n"
                     "doc_to_target: \"{{q}}\"\nmetric_list:\n  - metric: acc\n";
  TaskSpec spec = ParseOrDie(yaml, dir.Write("t.yaml", yaml));
  auto task = LoadTask(spec, {});
  ASSERT_FALSE(task.ok());
  EXPECT_NE(task.status().message().find("t.yaml:6: metric_list"), std::string::npos) << task.status().ToString();
}

TEST(Pipeline, ChatTemplateRequestsCarryMessages) {
  ScratchDir dir;
  dir.Write("rows.jsonl", Rows(4));
  std::string yaml = std::string(kSelfPool) + "apply_chat_template: true\nfewshot_as_multiturn: true\nsystem_instruction: 답하세요\n";
  TaskSpec spec = ParseOrDie(yaml, dir.Write("t.yaml", yaml));
  TaskRequests r = Build(spec, {});
  ASSERT_FALSE(r.requests.empty());
  const Request& first = r.requests[0];
  EXPECT_TRUE(first.context.empty());
  ASSERT_EQ(first.messages.size(), 8u);  // system + 3 x (user, assistant) + user
  EXPECT_EQ(first.messages[0].role, "system");
  EXPECT_EQ(first.messages[2].role, "assistant");
  EXPECT_EQ(first.messages[2].content, "x");
  EXPECT_EQ(first.messages[7].content, "Q0");
  EXPECT_EQ(first.continuation, "x");
}

// A fake model for the bundled GSM8K sample: it "thinks" a wrong answer
// first, then gives the right one.
Status FakeGsm8k(const std::vector<Request>& requests, std::vector<Response>* responses) {
  responses->clear();
  for (const Request& r : requests) {
    if (r.kind != RequestKind::kGenerate) return Status::InvalidArgument("expected generation requests");
    Response resp;
    const bool first = r.context.find("Mina has 4 boxes") != std::string::npos;
    resp.text = first ? "<think>maybe #### 99</think> so 4*6=24.\n#### 24" : "The total is 1500.";
    responses->push_back(resp);
  }
  return Status::OK();
}

TEST(Pipeline, BundledGsm8kSampleScoresWithStrictAndFlexibleFilters) {
  auto registry = TaskRegistry::Load(SourcePath("tasks"));
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  TaskOptions options;
  options.data_dir = SourcePath("tests/testdata/bench");
  auto out = Evaluate(*registry, {"gsm8k"}, options, FakeGsm8k);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const TaskResult& t = out->results.tasks.at(0);
  EXPECT_EQ(t.manifest.n_docs, 2);
  EXPECT_EQ(t.manifest.num_fewshot, 5);
  ASSERT_EQ(t.metrics.size(), 2u);
  // strict-match needs "#### N": doc 1 yes (the thought's 99 is ignored), doc 2 no.
  EXPECT_EQ(t.metrics[0].Key(), "exact_match,strict-match");
  EXPECT_DOUBLE_EQ(t.metrics[0].value, 0.5);
  EXPECT_DOUBLE_EQ(t.metrics[0].stderr_value, 0.5);  // sd sqrt(0.5) / sqrt(2)
  // flexible-extract takes the last number: 24 and 1500 (vs "1,500"): both right.
  EXPECT_EQ(t.metrics[1].Key(), "exact_match,flexible-extract");
  EXPECT_DOUBLE_EQ(t.metrics[1].value, 1.0);
  const std::vector<SampleRecord>& samples = out->samples.at("gsm8k");
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].filtered.at("strict-match"), "24");
  EXPECT_EQ(samples[1].filtered.at("strict-match"), "[invalid]");
  EXPECT_NE(samples[0].prompt.find("Question: Tom has"), std::string::npos);  // the shots
  nlohmann::json line = nlohmann::json::parse(SampleToJson(samples[0]));
  EXPECT_EQ(line["doc_id"], 0);
  EXPECT_EQ(line["scores"]["exact_match,strict-match"], 1.0);
}

// Always prefers the first choice.
Status FakeFirstChoice(const std::vector<Request>& requests, std::vector<Response>* responses) {
  responses->assign(requests.size(), Response{});
  for (size_t i = 0; i < requests.size(); ++i) {
    bool first = requests[i].continuation == " A" || requests[i].continuation == " 아니오" ||
                 (i == 0 || requests[i].context != requests[i - 1].context);
    (*responses)[i].logprob = first ? -1.0 : -3.0;
  }
  return Status::OK();
}

TEST(Pipeline, KmmluSampleAndKobestGroupThroughEvaluate) {
  auto registry = TaskRegistry::Load(SourcePath("tasks"));
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  TaskOptions options;
  options.data_dir = SourcePath("tests/testdata/bench");
  auto out = Evaluate(*registry, {"kmmlu", "kobest"}, options, FakeFirstChoice);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const EvalResults& r = out->results;
  ASSERT_EQ(r.tasks.size(), 6u);
  // KMMLU sample golds: B, A (Accounting), C (Law); always "A": 1 of 3.
  EXPECT_EQ(r.tasks[0].manifest.task, "kmmlu");
  EXPECT_EQ(r.tasks[0].manifest.n_docs, 3);
  EXPECT_NEAR(r.tasks[0].metrics[0].value, 1.0 / 3, 1e-12);
  EXPECT_NEAR(r.tasks[0].metrics[0].stderr_value, 1.0 / 3, 1e-12);  // sd sqrt(1/3) / sqrt(3)
  // KoBEST: first choice is gold in boolq 1/2, copa 1/2, hellaswag 1/2, sentineg 1/2, wic 1/2.
  ASSERT_EQ(r.groups.size(), 1u);
  const GroupMetric& g = r.groups[0].metrics.at(0);
  EXPECT_EQ(g.Key(), "acc,none");
  EXPECT_EQ(g.n_tasks, 5);
  EXPECT_EQ(g.n_samples, 10);
  EXPECT_DOUBLE_EQ(g.micro, 0.5);
  EXPECT_DOUBLE_EQ(g.macro, 0.5);
  auto json = ResultsToJson(r, "{\"model\": \"fake\"}");
  ASSERT_TRUE(json.ok());
  auto back = ResultsFromJson(*json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->tasks.size(), 6u);
  EXPECT_DOUBLE_EQ(back->groups[0].metrics[0].micro, 0.5);
  EXPECT_EQ(back->tasks[0].manifest.spec_sha256, r.tasks[0].manifest.spec_sha256);
  EXPECT_NE(SummaryTable(r).find("kobest (macro)"), std::string::npos);
  EXPECT_FALSE(ResultsToJson(r, "[1]").ok());
}

TEST(Pipeline, RollingLoglikelihoodGivesPerplexities) {
  ScratchDir dir;
  dir.Write("d.jsonl", "{\"text\": \"하나 둘\"}\n{\"text\": \"셋 넷 다섯 여섯\"}\n");
  const char* yaml = "task: ppl\ndataset_path: d.jsonl\noutput_type: loglikelihood_rolling\ndoc_to_text: text\n";
  TaskSpec spec = ParseOrDie(yaml, dir.Write("t.yaml", yaml));
  auto task = LoadTask(spec, {});
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  auto req = BuildRequests(*task);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  ASSERT_EQ(req->requests.size(), 2u);
  EXPECT_EQ(req->requests[1].kind, RequestKind::kLoglikelihoodRolling);
  EXPECT_EQ(req->requests[1].context, "셋 넷 다섯 여섯");
  std::vector<Response> resp(2);
  resp[0].logprob = -3.0;
  resp[1].logprob = -9.0;
  auto r = ScoreTask(*task, *req, resp);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->metrics.size(), 3u);
  EXPECT_EQ(r->metrics[0].metric, "word_perplexity");
  EXPECT_DOUBLE_EQ(r->metrics[0].value, std::exp(12.0 / 6));  // 2 + 4 words
  const double bytes = std::string("하나 둘").size() + std::string("셋 넷 다섯 여섯").size();
  EXPECT_DOUBLE_EQ(r->metrics[1].value, std::exp(12.0 / bytes));
  EXPECT_DOUBLE_EQ(r->metrics[2].value, 12.0 / (bytes * std::log(2.0)));
  EXPECT_FALSE(r->metrics[0].higher_is_better);
  EXPECT_TRUE(std::isfinite(r->metrics[0].stderr_value));  // bootstrap over 2 docs
}

TEST(Pipeline, RepeatsGetDistinctSeedsAndMajorityVoteDecides) {
  ScratchDir dir;
  dir.Write("d.jsonl", "{\"q\": \"2+2?\", \"a\": \"4\"}\n");
  const char* yaml = "task: vote\ndataset_path: d.jsonl\ndoc_to_text: \"{{q}}\"\ndoc_to_target: \"{{a}}\"\n"
                     "repeats: 3\ngeneration_kwargs: {temperature: 0.7, do_sample: true, seed: 10}\n"
                     "filter_list:\n  - name: maj\n    filter:\n      - function: regex\n        regex_pattern: \"([0-9]+)\"\n"
                     "      - function: majority_vote\n  - name: first\n    filter:\n      - function: take_first\n";
  TaskSpec spec = ParseOrDie(yaml, dir.Write("t.yaml", yaml));
  auto task = LoadTask(spec, {});
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  auto req = BuildRequests(*task);
  ASSERT_TRUE(req.ok());
  ASSERT_EQ(req->requests.size(), 3u);
  EXPECT_EQ(req->requests[0].gen.seed, 10u);
  EXPECT_EQ(req->requests[2].gen.seed, 12u);
  EXPECT_NE(req->requests[0].CanonicalJson(), req->requests[1].CanonicalJson());
  std::vector<Response> resp(3);
  resp[0].text = "5";
  resp[1].text = "답은 4";
  resp[2].text = "4";
  auto r = ScoreTask(*task, *req, resp);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->metrics.size(), 2u);
  EXPECT_EQ(r->metrics[0].Key(), "exact_match,maj");
  EXPECT_EQ(r->metrics[0].value, 1.0);
  EXPECT_EQ(r->metrics[1].Key(), "exact_match,first");
  EXPECT_EQ(r->metrics[1].value, 0.0);
}

TEST(Groups, MicroWeighsBySamplesAndMacroByTask) {
  auto make = [](const std::string& name, double value, double se, int64_t n) {
    TaskResult t;
    t.manifest.task = name;
    t.metrics.push_back(MetricValue{"acc", "none", value, se, true, n});
    return t;
  };
  std::vector<TaskResult> tasks = {make("a", 0.5, 0.3, 2), make("b", 1.0, 0.1, 6)};
  GroupSpec g;
  g.name = "g";
  g.members = {"a", "b"};
  auto r = AggregateGroup(g, tasks, {g});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const GroupMetric& m = r->metrics.at(0);
  EXPECT_DOUBLE_EQ(m.micro, (0.5 * 2 + 1.0 * 6) / 8);
  EXPECT_DOUBLE_EQ(m.macro, 0.75);
  EXPECT_DOUBLE_EQ(m.micro_stderr, std::sqrt(0.6 * 0.6 + 0.6 * 0.6) / 8);
  EXPECT_DOUBLE_EQ(m.macro_stderr, std::sqrt(0.09 + 0.01) / 2);
  g.members.push_back("missing");
  EXPECT_EQ(AggregateGroup(g, tasks, {g}).status().code(), StatusCode::kNotFound);
}

TEST(Results, RejectsForeignJson) {
  EXPECT_FALSE(ResultsFromJson("{}").ok());
  EXPECT_FALSE(ResultsFromJson("not json").ok());
  auto bad = ResultsFromJson("{\"schema\": \"dokja.bench.results/1\", \"tasks\": {\"x\": {}}}");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("results.tasks.x"), std::string::npos);
}

}  // namespace
}  // namespace dokja::bench
