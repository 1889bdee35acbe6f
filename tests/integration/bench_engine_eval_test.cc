// The task pipeline over a real model: bundled and inline tasks answered by
// RunRequests over the in-process engine backend (stories260K), as
// `dokja bench run` will do. Checks that every request shape the tasks
// produce is answerable and that scores are finite, bounded and reproducible.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "bench/backend_factory.h"
#include "bench/results.h"
#include "bench/runner.h"
#include "bench/task.h"

namespace dokja::bench {
namespace {

std::string Src(const std::string& rel) { return std::string(DOKJA_SOURCE_DIR) + "/" + rel; }

const char* kStory = R"y(task: story_choice
dataset_path: stories.jsonl
output_type: multiple_choice
doc_to_text: "{{prefix}}"
doc_to_choice: "{{endings}}"
doc_to_target: "{{label}}"
)y";

const char* kStoryGen = R"y(task: story_gen
dataset_path: stories.jsonl
doc_to_text: "{{prefix}}"
doc_to_target: "{{endings[label]}}"
generation_kwargs: {until: ["."], max_gen_toks: 24}
filter_list:
  - name: first-word
    filter:
      - function: regex
        regex_pattern: "([a-z]+)"
      - function: take_first
metric_list:
  - metric: exact_match
  - metric: f1
)y";

const char* kStoryPpl = R"y(task: story_ppl
dataset_path: stories.jsonl
output_type: loglikelihood_rolling
doc_to_text: "{{prefix}} {{endings[label]}}."
)y";

class EngineEval : public ::testing::Test {
 protected:
  void SetUp() override {
    BackendConfig config;
    config.type = "engine";
    config.model_path = Src("models/stories260K/stories260K.gguf");
    config.n_threads = 2;
    auto backend = MakeBackend(config);
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = std::move(*backend);
    dir_ = std::filesystem::temp_directory_path() / ("dokja_engine_eval_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "stories.jsonl")
        << R"({"prefix": "Once upon a time, there was a little", "endings": ["girl", "rock"], "label": 0})" "\n"
        << R"({"prefix": "Lily went to the", "endings": ["park", "math"], "label": 0})" "\n"
        << R"({"prefix": "The cat sat on the", "endings": ["seven", "mat"], "label": 1})" "\n";
    for (auto [name, text] : {std::pair{"a.yaml", kStory}, {"b.yaml", kStoryGen}, {"c.yaml", kStoryPpl}}) {
      std::ofstream(dir_ / name) << text;
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<EvalOutput> Run(TaskRegistry& registry, const std::vector<std::string>& names, const TaskOptions& options) {
    AnswerFn answer = [this](const std::vector<Request>& requests, std::vector<Response>* responses) {
      RunnerOptions ro;
      ro.concurrency = 2;
      ro.progress = false;
      return RunRequests(*backend_, requests, ro, responses);
    };
    return Evaluate(registry, names, options, answer);
  }

  std::unique_ptr<Backend> backend_;
  std::filesystem::path dir_;
};

TEST_F(EngineEval, InlineTasksOfEveryOutputTypeScoreReproducibly) {
  auto registry = TaskRegistry::Load(dir_.string());
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  std::vector<RequestKind> kinds;
  for (const auto& [name, spec] : registry->tasks()) kinds.push_back(RequestKindFor(spec.output_type));
  ASSERT_TRUE(backend_->Probe(kinds).ok());
  auto first = Run(*registry, {"story_choice", "story_gen", "story_ppl"}, {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = Run(*registry, {"story_choice", "story_gen", "story_ppl"}, {});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_EQ(first->results.tasks.size(), 3u);
  for (size_t t = 0; t < 3; ++t) {
    const TaskResult& r = first->results.tasks[t];
    SCOPED_TRACE(r.manifest.task);
    ASSERT_FALSE(r.metrics.empty());
    for (size_t m = 0; m < r.metrics.size(); ++m) {
      const MetricValue& v = r.metrics[m];
      EXPECT_TRUE(std::isfinite(v.value)) << v.Key();
      if (v.metric == "acc" || v.metric == "exact_match" || v.metric == "f1") {
        EXPECT_GE(v.value, 0.0);
        EXPECT_LE(v.value, 1.0);
      }
      EXPECT_EQ(v.value, second->results.tasks[t].metrics[m].value) << v.Key();
    }
  }
  // A model trained on children's stories picks "girl" over "rock".
  const SampleRecord& s = first->samples.at("story_choice").at(0);
  ASSERT_EQ(s.logprobs.size(), 2u);
  EXPECT_LT(s.logprobs[0], 0.0);
  EXPECT_GT(s.logprobs[0], s.logprobs[1]);
  EXPECT_EQ(s.scores.at("acc,none"), 1.0);
  EXPECT_FALSE(first->samples.at("story_gen").at(0).responses.at(0).empty());
  EXPECT_GT(first->results.tasks[2].metrics[0].value, 1.0);  // word perplexity
  EXPECT_TRUE(ResultsToJson(first->results).ok());
}

TEST_F(EngineEval, BundledHellaswagSampleRunsThroughTheRunner) {
  auto registry = TaskRegistry::Load(Src("tasks"));
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  TaskOptions options;
  options.data_dir = Src("tests/testdata/bench");
  auto out = Run(*registry, {"hellaswag"}, options);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const TaskResult& r = out->results.tasks.at(0);
  EXPECT_EQ(r.manifest.n_docs, 2);
  ASSERT_EQ(r.metrics.size(), 2u);
  EXPECT_EQ(out->samples.at("hellaswag").at(0).logprobs.size(), 4u);
}

}  // namespace
}  // namespace dokja::bench
