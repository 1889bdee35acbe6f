// The OpenAI-compatible API's request types, their JSON parsers and the
// error body. Parsers check every field's type and range and name the field
// at fault; they never throw (JSON library exceptions are caught here).
//
// Thread-safe: free functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/sampler.h"
#include "text/chat/chat_template.h"

namespace dokja::serve {

// An error in OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
struct ApiError {
  int http_status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param;  // empty: null
  std::string code;   // empty: null
};
std::string ErrorBody(const ApiError& error);
ApiError InvalidRequest(std::string message, std::string param = "", std::string code = "");

template <typename T>
using Parsed = std::variant<T, ApiError>;

// One prompt of a completion request: text, or token ids as given.
struct PromptInput {
  bool is_ids = false;
  std::string text;
  std::vector<int32_t> ids;
};

// Sampling and stopping fields shared by completions and chat.
struct GenerationFields {
  std::optional<int32_t> max_tokens;  // nullopt: the endpoint's default
  engine::SamplingParams sampling;
  bool seed_given = false;
  std::vector<std::string> stop;
  bool ignore_eos = false;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct CompletionRequest {
  std::string model;  // empty: not given
  std::vector<PromptInput> prompts;
  GenerationFields gen;
  bool echo = false;
  std::optional<int32_t> logprobs;  // top-N alternatives per token
};

struct ChatRequest {
  std::string model;
  std::vector<text::ChatMessage> messages;
  GenerationFields gen;
  bool logprobs = false;
  int32_t top_logprobs = 0;
};

struct TokenizeRequest {
  std::string model;
  bool has_messages = false;
  std::string prompt;
  std::vector<text::ChatMessage> messages;
  bool add_special_tokens = true;
  bool return_token_strs = false;
};

struct DetokenizeRequest {
  std::string model;
  std::vector<int32_t> tokens;
};

// The most top alternatives a request may ask for (vLLM's default limit).
inline constexpr int32_t kMaxTopLogprobs = 20;

Parsed<CompletionRequest> ParseCompletionRequest(std::string_view body);
Parsed<ChatRequest> ParseChatRequest(std::string_view body);
Parsed<TokenizeRequest> ParseTokenizeRequest(std::string_view body);
Parsed<DetokenizeRequest> ParseDetokenizeRequest(std::string_view body);

}  // namespace dokja::serve
