// What each endpoint does, apart from HTTP: checks a parsed request against
// the model (name, token ids, context length), runs it on an engine session
// and encodes the OpenAI/vLLM-shaped JSON reply.
//
// Thread-safe: Prepare*, Models, Tokenize and Detokenize are const and may
// run concurrently; Run* use only the Session they are given (one per worker).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/generate.h"
#include "serve/internal/api.h"
#include "serve/internal/metrics.h"

namespace dokja::serve {

// An HTTP status and a JSON body.
struct Reply {
  int status = 200;
  std::string body;
};
Reply ErrorReply(const ApiError& error);

// Receives one server-sent event's JSON payload; false when the client is gone.
using ChunkSink = std::function<bool(const std::string& json)>;

// A completion request checked against the model, prompts tokenized.
struct PreparedCompletion {
  CompletionRequest request;
  std::vector<std::vector<int32_t>> prompt_ids;
  std::vector<std::string> prompt_texts;  // for echo
  int32_t max_tokens = 16;
  std::string id;  // "cmpl-..."
  int64_t created = 0;
};

struct PreparedChat {
  ChatRequest request;
  std::vector<int32_t> prompt_ids;
  int32_t max_tokens = 0;
  std::string id;  // "chatcmpl-..."
  int64_t created = 0;
};

class ModelService {
 public:
  // `model` and `metrics` must outlive the service.
  ModelService(const engine::LocalModel& model, Metrics& metrics);

  Parsed<PreparedCompletion> PrepareCompletion(CompletionRequest request) const;
  Parsed<PreparedChat> PrepareChat(ChatRequest request) const;

  // Run on a worker's session. With `sink` (streaming requests) the reply's
  // body is unused and chunks go to the sink; an error after the first chunk
  // is sent as a chunk {"error": ...}.
  Reply RunCompletion(const PreparedCompletion& job, engine::Session& session,
                      const ChunkSink* sink) const;
  Reply RunChat(const PreparedChat& job, engine::Session& session, const ChunkSink* sink) const;

  Reply Models() const;
  Reply Tokenize(const TokenizeRequest& request) const;
  Reply Detokenize(const DetokenizeRequest& request) const;

 private:
  // 404 unless `model` is empty or the id we serve.
  std::optional<ApiError> CheckModel(const std::string& model) const;
  // 400 when the prompt, alone or with max_tokens, does not fit the context.
  std::optional<ApiError> CheckLength(size_t n_prompt, int64_t max_tokens, const char* param) const;
  std::optional<ApiError> CheckIds(const std::vector<int32_t>& ids, const char* param) const;

  const engine::LocalModel& model_;
  Metrics& metrics_;
};

}  // namespace dokja::serve
