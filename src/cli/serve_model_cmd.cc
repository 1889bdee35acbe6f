// dokja serve-model MODEL: serves a model over an OpenAI-compatible HTTP API
// until SIGINT or SIGTERM.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "engine/generate.h"
#include "io/env.h"
#include "serve/server.h"

namespace dokja::cli {
namespace {

struct ServeModelOptions {
  std::string model;
  std::string tokenizer;
  std::string chat_template;
  std::string served_model_name;
  int32_t n_ctx = 0;
  int32_t n_threads = 0;
  serve::ServeOptions serve;
};

int Run(const ServeModelOptions& opt) {
  engine::LocalModelOptions load;
  load.tokenizer_path = opt.tokenizer;
  load.model_id = opt.served_model_name;
  load.n_ctx = opt.n_ctx;
  load.n_threads = opt.n_threads;
  if (!opt.chat_template.empty()) {
    auto source = io::Env::Default().ReadFileToString(opt.chat_template, 1 << 20);
    if (!source.ok()) return ReportError("serve-model", source.status());
    load.chat_template_source = std::move(source).value();
  }
  auto model = engine::LoadLocalModel(opt.model, load);
  if (!model.ok()) return ReportError("serve-model", model.status());
  auto server = serve::ModelServer::Start(**model, opt.serve);
  if (!server.ok()) return ReportError("serve-model", server.status());
  std::printf("serving %s (context %d) with %d session%s, queue %d\n", (*model)->id().c_str(),
              (*model)->n_ctx(), opt.serve.max_concurrency, opt.serve.max_concurrency == 1 ? "" : "s",
              opt.serve.max_queue);
  std::printf("listening on http://%s:%d\n", opt.serve.host.c_str(), (*server)->port());
  std::fflush(stdout);
  serve::WaitForTerminationSignal();
  std::printf("shutting down: finishing requests in progress\n");
  std::fflush(stdout);
  (*server)->Stop();
  return kExitOk;
}

}  // namespace

void RegisterServeModel(CLI::App& app, std::function<int()>* run) {
  auto opt = std::make_shared<ServeModelOptions>();
  CLI::App* cmd = app.add_subcommand("serve-model", "Serve a model over an OpenAI-compatible API");
  cmd->add_option("model", opt->model, "Model folder, safetensors or GGUF file")->required();
  cmd->add_option("--host", opt->serve.host, "Address to bind")->capture_default_str();
  cmd->add_option("--port", opt->serve.port, "Port (0: any free port)")->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--tokenizer", opt->tokenizer, "GGUF file or tokenizer.json to tokenize with");
  cmd->add_option("--chat-template", opt->chat_template, "File with a Jinja2 chat template to use");
  cmd->add_option("--served-model-name", opt->served_model_name,
                  "The model id clients send (default: the MODEL path as given)");
  cmd->add_option("--max-concurrency", opt->serve.max_concurrency,
                  "Requests run at once, each on its own engine session")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--max-queue", opt->serve.max_queue, "Requests that may wait; more get 429")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--api-key", opt->serve.api_key, "Require 'Authorization: Bearer KEY' on /v1/*");
  cmd->add_option("--ctx", opt->n_ctx, "Context length (0: the model's, at most 4096)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", opt->n_threads, "BLAS threads (0: one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([opt, run] { *run = [opt] { return Run(*opt); }; });
}

}  // namespace dokja::cli
