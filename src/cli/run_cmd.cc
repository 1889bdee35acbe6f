// dokja run MODEL -p TEXT: generates a continuation with the embedded engine
// and streams it to stdout as it is produced.
#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "engine/generate.h"
#include "io/env.h"

namespace dokja::cli {
namespace {

struct RunOptions {
  std::string model;
  std::string prompt;
  int32_t n_predict = 64;
  float temperature = 0.0f;
  int32_t top_k = 0;
  float top_p = 1.0f;
  uint64_t seed = 0;
  bool chat = false;
  std::string tokenizer;
  std::string chat_template;
  std::vector<std::string> stop;
  bool ignore_eos = false;
  int32_t n_ctx = 0;
  int32_t n_threads = 0;
  bool json = false;
};

Result<engine::LocalModelOptions> LoadOptions(const RunOptions& opt) {
  engine::LocalModelOptions load;
  load.tokenizer_path = opt.tokenizer;
  load.n_ctx = opt.n_ctx;
  load.n_threads = opt.n_threads;
  if (!opt.chat_template.empty()) {
    DOKJA_ASSIGN_OR_RETURN(load.chat_template_source,
                           io::Env::Default().ReadFileToString(opt.chat_template, 1 << 20));
  }
  return load;
}

int Run(const RunOptions& opt) {
  auto load = LoadOptions(opt);
  if (!load.ok()) return ReportError("run", load.status());
  auto model = engine::LoadLocalModel(opt.model, *load);
  if (!model.ok()) return ReportError("run", model.status());
  const engine::LocalModel& m = **model;
  std::vector<int32_t> prompt;
  if (opt.chat) {
    auto ids = m.EncodeChat({{"user", opt.prompt}});
    if (!ids.ok()) return ReportError("run", ids.status());
    prompt = std::move(ids).value();
  } else {
    prompt = m.EncodePrompt(opt.prompt);
  }
  engine::GenerateOptions options;
  options.max_tokens = opt.n_predict;
  options.sampling = {opt.temperature, opt.top_k, opt.top_p, opt.seed};
  options.stop = opt.stop;
  options.stop_on_eog = !opt.ignore_eos;
  if (!opt.json) {
    options.on_piece = [](const engine::GeneratedPiece& piece) {
      std::fwrite(piece.text.data(), 1, piece.text.size(), stdout);
      std::fflush(stdout);
      return true;
    };
  }
  auto session = m.engine().NewSession();
  const auto start = std::chrono::steady_clock::now();
  auto out = engine::Generate(m, *session, prompt, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!out.ok()) return ReportError("run", out.status());
  if (!opt.json) {
    std::printf("\n");
    return kExitOk;
  }
  std::vector<int32_t> ids;
  for (const engine::GeneratedToken& t : out->tokens) ids.push_back(t.id);
  nlohmann::ordered_json j{
      {"model", m.id()},
      {"prompt", opt.prompt},
      {"prompt_tokens", prompt.size()},
      {"text", out->text},
      {"tokens", ids},
      {"completion_tokens", ids.size()},
      {"finish_reason", engine::FinishReasonName(out->finish_reason)},
      {"seconds", seconds},
      {"tokens_per_second", seconds > 0 ? static_cast<double>(ids.size()) / seconds : 0.0}};
  std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return kExitOk;
}

}  // namespace

void RegisterRun(CLI::App& app, std::function<int()>* run) {
  auto opt = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Generate text with the embedded engine");
  cmd->add_option("model", opt->model, "Model folder, safetensors or GGUF file")->required();
  cmd->add_option("-p,--prompt", opt->prompt, "Prompt text")->required();
  cmd->add_option("-n,--n-predict", opt->n_predict, "Most tokens to generate")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--temperature", opt->temperature, "0: greedy")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-k", opt->top_k, "Keep the k most likely tokens (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-p", opt->top_p, "Nucleus sampling mass")->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--seed", opt->seed, "Sampling seed")->capture_default_str();
  cmd->add_flag("--chat", opt->chat, "Wrap the prompt as a user message in the chat template");
  cmd->add_option("--tokenizer", opt->tokenizer, "GGUF file or tokenizer.json to tokenize with");
  cmd->add_option("--chat-template", opt->chat_template, "File with a Jinja2 chat template to use");
  cmd->add_option("--stop", opt->stop, "Stop before this text (repeatable)");
  cmd->add_flag("--ignore-eos", opt->ignore_eos, "Keep generating past end-of-generation tokens");
  cmd->add_option("--ctx", opt->n_ctx, "Context length (0: the model's, at most 4096)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", opt->n_threads, "BLAS threads (0: one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", opt->json, "Print one JSON object instead of streaming text");
  cmd->callback([opt, run] { *run = [opt] { return Run(*opt); }; });
}

}  // namespace dokja::cli
