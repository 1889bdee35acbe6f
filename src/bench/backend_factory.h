// Builds a Backend from a plain configuration, for `dokja bench run` and
// anything else that picks a backend from flags or a config file.
//
// Example:
//   BackendConfig config;
//   config.type = "openai-completions";
//   config.base_url = "http://127.0.0.1:8000/v1";
//   config.model = "meta-llama/Llama-3.1-8B";
//   config.api_key_env = "OPENAI_API_KEY";
//   DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, MakeBackend(config));
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "bench/backend.h"

namespace dokja::bench {

struct BackendConfig {
  // "openai-completions", "openai-chat" or "engine".
  std::string type = "openai-completions";

  // OpenAI backends.
  std::string base_url;           // e.g. "http://127.0.0.1:8000/v1"
  std::string model;              // the server's model id; empty: not sent
  std::string api_key_env;        // name of the env var holding the API key; empty: no key
  double timeout_s = 600;         // per request (the runner's timeout overrides it)
  double connect_timeout_s = 10;
  bool stream = false;            // openai-chat: server-sent events

  // Engine backend (in process).
  std::string model_path;          // folder, safetensors or GGUF
  std::string tokenizer_path;      // empty: the model's own
  std::string chat_template_path;  // a Jinja2 file replacing the model's template; empty: its own
  int32_t n_sessions = 1;          // requests computed at once
  int32_t n_ctx = 0;               // 0: the model's, capped at 4096
  int32_t n_threads = 0;           // 0: one per core
};

// InvalidArgument for an unknown type, a missing base_url/model_path or an
// API key variable that is not set; engine: errors of LoadLocalModel.
Result<std::unique_ptr<Backend>> MakeBackend(const BackendConfig& config);

}  // namespace dokja::bench
