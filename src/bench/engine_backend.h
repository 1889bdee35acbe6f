// A Backend over the embedded engine, in process: no server, no network.
//
// Answers are computed exactly as `dokja serve-model` computes them for the
// OpenAI backends (prompt log-probs echoed through ScorePrompt and split by
// bench/internal/echo_score.h; Generate with the same options), so the
// engine backend and the completions backend against serve-model over the
// same model give identical log-likelihoods and greedy generations.
//
// Concurrency: up to n_sessions requests run at once, each on its own
// engine Session (KV cache); more callers wait for a free session.
//
// Thread-safe: Complete and Probe may be called concurrently.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "bench/backend.h"
#include "engine/generate.h"

namespace dokja::bench {

struct EngineBackendOptions {
  int32_t n_sessions = 1;  // requests computed at once
  std::string model_path;  // for Identity only (the model is loaded already)
  // For Identity only: what else changes answers, e.g. the size and mtime of
  // every file the model was loaded from (LoadEngineBackend fills it), so a
  // replaced weight or tokenizer file never hits stale cache entries.
  std::string files_json;
};

// Borrows `model`, which must outlive the backend.
Result<std::unique_ptr<Backend>> MakeEngineBackend(const engine::LocalModel& model,
                                                   const EngineBackendOptions& options);

// Loads the model at `path` and owns it.
Result<std::unique_ptr<Backend>> LoadEngineBackend(const std::string& path,
                                                   const engine::LocalModelOptions& model_options,
                                                   const EngineBackendOptions& options);

}  // namespace dokja::bench
