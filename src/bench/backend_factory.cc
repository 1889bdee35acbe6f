#include "bench/backend_factory.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bench/engine_backend.h"
#include "bench/openai_backend.h"

namespace dokja::bench {
namespace {

Result<std::unique_ptr<Backend>> MakeOpenAI(const BackendConfig& config, OpenAIEndpoint endpoint) {
  if (config.base_url.empty()) return Status::InvalidArgument(config.type + " backend: base_url is required");
  OpenAIBackendOptions options;
  options.endpoint = endpoint;
  options.base_url = config.base_url;
  options.model = config.model;
  options.timeout_s = config.timeout_s;
  options.connect_timeout_s = config.connect_timeout_s;
  options.stream = config.stream;
  if (!config.api_key_env.empty()) {
    const char* key = std::getenv(config.api_key_env.c_str());
    if (key == nullptr || *key == '\0') {
      return Status::InvalidArgument("API key variable " + config.api_key_env + " is not set");
    }
    options.api_key = key;
  }
  return MakeOpenAIBackend(options);
}

Result<std::unique_ptr<Backend>> MakeEngine(const BackendConfig& config) {
  if (config.model_path.empty()) return Status::InvalidArgument("engine backend: model_path is required");
  engine::LocalModelOptions model;
  model.tokenizer_path = config.tokenizer_path;
  model.model_id = config.model;
  model.n_ctx = config.n_ctx;
  model.n_threads = config.n_threads;
  if (!config.chat_template_path.empty()) {
    std::ifstream in(config.chat_template_path, std::ios::binary);
    if (!in) return Status::NotFound(config.chat_template_path + ": cannot open the chat template");
    std::ostringstream text;
    text << in.rdbuf();
    model.chat_template_source = text.str();
  }
  EngineBackendOptions options;
  options.n_sessions = config.n_sessions;
  options.model_path = config.model_path;
  return LoadEngineBackend(config.model_path, model, options);
}

}  // namespace

Result<std::unique_ptr<Backend>> MakeBackend(const BackendConfig& config) {
  if (config.type == "openai-completions") return MakeOpenAI(config, OpenAIEndpoint::kCompletions);
  if (config.type == "openai-chat") return MakeOpenAI(config, OpenAIEndpoint::kChat);
  if (config.type == "engine") return MakeEngine(config);
  return Status::InvalidArgument("unknown backend type '" + config.type +
                                 "' (expected openai-completions, openai-chat or engine)");
}

}  // namespace dokja::bench
