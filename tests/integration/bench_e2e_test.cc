// Issue 5's end-to-end bar: real tasks through `dokja bench run` against
// `dokja serve-model` over HTTP and against the in-process engine, on the
// bundled stories260K model, give identical scores; and a task that needs
// prompt log-probs is refused up front by a server that cannot give them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "run_command.h"

namespace {

namespace fs = std::filesystem;
using dokja::testing::RunCommand;
using dokja::testing::RunResult;

const std::string kDokja = DOKJA_BINARY;
const std::string kModel = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K/stories260K.gguf";

const char* kChoice = R"y(task: story_choice
dataset_path: stories.jsonl
output_type: multiple_choice
doc_to_text: "{{prefix}}"
doc_to_choice: "{{endings}}"
doc_to_target: "{{label}}"
metric_list: [{metric: acc}, {metric: acc_norm}]
)y";

const char* kGen = R"y(task: story_gen
dataset_path: stories.jsonl
doc_to_text: "{{prefix}}"
doc_to_target: "{{endings[label]}}"
generation_kwargs: {until: ["."], max_gen_toks: 24}
filter_list:
  - name: first-word
    filter:
      - {function: regex, regex_pattern: "([a-z]+)"}
      - {function: take_first}
metric_list: [{metric: exact_match}, {metric: f1}]
)y";

const char* kRolling = R"y(task: story_ppl
dataset_path: stories.jsonl
output_type: loglikelihood_rolling
doc_to_text: "{{prefix}} {{endings[label]}}."
)y";

// `dokja serve-model` as a child process on a free port.
class ServeModel {
 public:
  explicit ServeModel(const std::string& log) {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string redirect = log;
      freopen(redirect.c_str(), "w", stdout);
      execl(kDokja.c_str(), kDokja.c_str(), "serve-model", kModel.c_str(), "--port", "0",
            "--threads", "1", static_cast<char*>(nullptr));
      _exit(127);
    }
    const std::regex listening("listening on (http://127\\.0\\.0\\.1:[0-9]+)");
    for (int i = 0; i < 300 && url_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::ifstream in(log);
      const std::string text((std::istreambuf_iterator<char>(in)), {});
      std::smatch m;
      if (std::regex_search(text, m, listening)) url_ = m[1].str() + "/v1";
    }
  }
  ~ServeModel() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

class BenchEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "dokja_bench_e2e_" + std::to_string(getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ + "/tasks");
    std::ofstream(dir_ + "/tasks/stories.jsonl")
        << R"({"prefix": "Once upon a time, there was a little", "endings": ["girl", "rock"], "label": 0})" "\n"
        << R"({"prefix": "Lily went to the", "endings": ["park", "math"], "label": 0})" "\n"
        << R"({"prefix": "The cat sat on the", "endings": ["seven", "mat"], "label": 1})" "\n"
        << R"({"prefix": "Tom had a big red", "endings": ["ball", "theorem"], "label": 0})" "\n";
    std::ofstream(dir_ + "/tasks/a.yaml") << kChoice;
    std::ofstream(dir_ + "/tasks/b.yaml") << kGen;
    std::ofstream(dir_ + "/tasks/c.yaml") << kRolling;
  }
  void TearDown() override { fs::remove_all(dir_); }

  nlohmann::json Run(const std::string& backend_flags, const std::string& out) {
    RunResult r = RunCommand(kDokja + " bench run --tasks story_choice,story_gen,story_ppl --tasks-dir " +
                             dir_ + "/tasks --out " + dir_ + "/" + out + " --json " + backend_flags, false);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }

  std::string dir_;
};

// Every metric value and standard error by "task/metric,filter".
std::map<std::string, double> Metrics(const nlohmann::json& results) {
  std::map<std::string, double> out;
  for (const auto& [task, t] : results["tasks"].items()) {
    for (const auto& [key, m] : t["metrics"].items()) {
      out[task + "/" + key] = m["value"].get<double>();
      if (m["stderr"].is_number()) out[task + "/" + key + " stderr"] = m["stderr"].get<double>();
    }
  }
  return out;
}

TEST_F(BenchEndToEnd, ServeModelOverHttpAndTheEngineInProcessScoreIdentically) {
  ServeModel server(dir_ + "/serve.log");
  ASSERT_FALSE(server.url().empty()) << "serve-model did not start";
  const auto http = Run("--backend openai-completions --base-url " + server.url() + " --model " + kModel +
                            " --concurrency 4",
                        "http");
  const auto engine = Run("--backend engine --model-path " + kModel + " --threads 1 --sessions 2", "engine");
  const auto a = Metrics(http), b = Metrics(engine);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_GE(a.size(), 6u);
  for (const auto& [key, value] : a) {
    ASSERT_TRUE(b.count(key)) << key;
    EXPECT_EQ(value, b.at(key)) << key;  // identical, not merely close
  }
  // The model is not at chance: it prefers the sensible endings.
  EXPECT_GE(a.at("story_choice/acc,none"), 0.75);
  // Per-sample log-likelihoods agree too (the samples JSONL of each path).
  std::ifstream sh(dir_ + "/http/samples/story_choice.jsonl"), se(dir_ + "/engine/samples/story_choice.jsonl");
  std::string lh, le;
  int lines = 0;
  while (std::getline(sh, lh) && std::getline(se, le)) {
    EXPECT_EQ(nlohmann::json::parse(lh)["logprobs"], nlohmann::json::parse(le)["logprobs"]);
    ++lines;
  }
  EXPECT_EQ(lines, 4);
  // The manifest says what produced the numbers.
  EXPECT_EQ(http["manifest"]["backend"]["type"], "openai-completions");
  EXPECT_EQ(engine["manifest"]["backend"]["type"], "engine");
  EXPECT_EQ(http["tasks"]["story_choice"]["spec_sha256"].get<std::string>().size(), 64u);
}

TEST_F(BenchEndToEnd, ASecondRunIsAnsweredFromTheCache) {
  const std::string flags = "--backend engine --model-path " + kModel + " --threads 1";
  const auto first = Run(flags, "cached");
  RunResult again = RunCommand(kDokja + " bench run --tasks story_choice,story_gen,story_ppl --tasks-dir " +
                               dir_ + "/tasks --out " + dir_ + "/cached " + flags, false);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("0 sent"), std::string::npos) << again.out;
}

TEST_F(BenchEndToEnd, ChatEndpointIsRefusedForMultipleChoiceBeforeAnyRequest) {
  ServeModel server(dir_ + "/serve.log");
  ASSERT_FALSE(server.url().empty());
  RunResult r = RunCommand(kDokja + " bench run --tasks story_choice --tasks-dir " + dir_ + "/tasks --out " +
                           dir_ + "/chat --backend openai-chat --base-url " + server.url());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("log"), std::string::npos) << r.out;  // names the missing log-probs
  EXPECT_FALSE(fs::exists(dir_ + "/chat/results.json"));
}

TEST_F(BenchEndToEnd, ADeadServerIsAClearUnavailableError) {
  RunResult r = RunCommand(kDokja + " bench run --tasks story_gen --tasks-dir " + dir_ + "/tasks --out " +
                           dir_ + "/dead --backend openai-completions --base-url http://127.0.0.1:9/v1 "
                           "--retries 1 --timeout 2");
  EXPECT_EQ(r.exit_code, 5) << r.out;
  EXPECT_NE(r.out.find("127.0.0.1:9"), std::string::npos) << r.out;
}

}  // namespace
