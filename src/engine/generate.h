// Text-level operations over the engine: a loaded model bundle (engine,
// tokenizer, chat template), log-likelihood scoring of continuations, prompt
// log-probs for echo, and generation with stop strings and streaming.
//
// Example:
//   DOKJA_ASSIGN_OR_RETURN(auto model, LoadLocalModel("models/stories260K/stories260K.gguf"));
//   auto session = model->engine().NewSession();
//   GenerateOptions options;
//   options.max_tokens = 64;
//   DOKJA_ASSIGN_OR_RETURN(GenerateResult out,
//                          Generate(*model, *session, model->EncodePrompt("Once upon a time"), options));
//
// Thread-safety: a LocalModel is immutable after LoadLocalModel and may be
// shared across threads; every function here mutates only the Session it is
// given, so one Session per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"
#include "engine/sampler.h"
#include "text/chat/chat_template.h"
#include "text/tokenizer/tokenizer.h"

namespace dokja::engine {

struct LocalModelOptions {
  // A GGUF file or a tokenizer.json whose tokenizer to use; empty: the
  // model's own (tokenizer.json beside the weights, else GGUF metadata).
  std::string tokenizer_path;
  // Jinja2 source that replaces the model's chat template; empty: the
  // model's own (tokenizer_config.json `chat_template`, else GGUF
  // `tokenizer.chat_template`, else none).
  std::string chat_template_source;
  // The id the model answers to; empty: the path as given (vLLM's default).
  std::string model_id;
  int32_t n_ctx = 0;      // 0: the model's training context, capped at 4096
  int32_t n_threads = 0;  // BLAS threads; 0: one per core
};

// A model ready to serve: engine, tokenizer, optional chat template, id.
// Thread-safe: immutable after LoadLocalModel.
class LocalModel {
 public:
  LocalModel(std::unique_ptr<Engine> engine, std::unique_ptr<text::Tokenizer> tokenizer,
             std::optional<text::ChatTemplate> chat_template, std::string id);
  LocalModel(const LocalModel&) = delete;
  LocalModel& operator=(const LocalModel&) = delete;

  const Engine& engine() const { return *engine_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  // Null when the model has no chat template.
  const text::ChatTemplate* chat_template() const {
    return chat_template_ ? &*chat_template_ : nullptr;
  }
  const std::string& id() const { return id_; }
  int32_t n_ctx() const { return engine_->config().n_ctx; }

  // Token ids for a plain-text prompt: BOS first when the model asks for it,
  // special tokens in the text tokenized as text (as vLLM does).
  std::vector<int32_t> EncodePrompt(std::string_view text) const;
  // Renders `messages` with the chat template (generation prompt appended)
  // and tokenizes the result with special tokens parsed and no extra BOS.
  // InvalidArgument when there is no template or the template fails.
  Result<std::vector<int32_t>> EncodeChat(const std::vector<text::ChatMessage>& messages) const;
  // The text of a chat prompt before tokenization.
  Result<std::string> RenderChat(const std::vector<text::ChatMessage>& messages) const;
  // The text one token shows in logprob listings: its decoded bytes, with
  // invalid UTF-8 replaced by U+FFFD; control tokens show their vocabulary
  // text (e.g. "<s>").
  std::string TokenDisplay(int32_t id) const;

 private:
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::optional<text::ChatTemplate> chat_template_;
  std::string id_;
};

// Opens `path` (folder, safetensors or GGUF), loads the engine and finds the
// tokenizer and chat template. NotFound when no tokenizer can be found (the
// message suggests --tokenizer); other errors as OpenModel and Engine::Load.
Result<std::unique_ptr<LocalModel>> LoadLocalModel(const std::string& path,
                                                   const LocalModelOptions& options = {});

// One alternative at a position: token id and its log-probability.
struct TokenLogprob {
  int32_t id = 0;
  float logprob = 0.0f;
};

// The log-probability of each continuation token given everything before it.
struct LoglikelihoodResult {
  std::vector<float> logprobs;  // one per continuation token
  std::vector<bool> greedy;     // whether each was the argmax
  double sum = 0;
  bool all_greedy = true;
};

// Scores `continuation` after `context` on a fresh pass through `session`
// (which is reset first). REQUIRES: context is non-empty (put BOS there).
// InvalidArgument when the total exceeds n_ctx or an id is out of range.
Result<LoglikelihoodResult> Loglikelihood(Session& session, std::span<const int32_t> context,
                                          std::span<const int32_t> continuation);

// Prompt log-probs for echo: position 0 has none (nullopt, empty top);
// position t > 0 has log p(ids[t] | ids[0..t)) and the `top_n` most likely
// tokens at that position, best first.
struct PromptLogprobs {
  std::vector<std::optional<float>> logprobs;
  std::vector<std::vector<TokenLogprob>> top;
};

// Evaluates `ids` on `session` (reset first), leaving them in its KV cache.
// `last_logits`, if given, receives the raw logits after the last token, so
// generation can continue without evaluating the prompt again.
Result<PromptLogprobs> ScorePrompt(Session& session, std::span<const int32_t> ids, int32_t top_n,
                                   std::vector<float>* last_logits = nullptr);

// The `n` largest entries of a log-prob row, best first (lowest id on ties).
std::vector<TokenLogprob> TopLogprobs(std::span<const float> logprobs, int32_t n);

enum class FinishReason { kStop, kLength };
std::string_view FinishReasonName(FinishReason reason);  // "stop", "length"

// A generated token with its log-probability under the model (before
// temperature or truncation) and, when asked, the top alternatives.
struct GeneratedToken {
  int32_t id = 0;
  float logprob = 0.0f;
  std::vector<TokenLogprob> top;
};

// What the stream callback receives: newly released text (possibly empty
// while text is held back for a stop string) and the tokens generated since
// the previous call. Return false to cancel generation.
struct GeneratedPiece {
  std::string_view text;  // valid only during the callback
  std::span<const GeneratedToken> tokens;
};
using PieceCallback = std::function<bool(const GeneratedPiece& piece)>;

struct GenerateOptions {
  int32_t max_tokens = 16;
  SamplingParams sampling;
  // Generation ends before the first occurrence of any of these (matched on
  // the decoded text, across token boundaries); the stop string is not output.
  std::vector<std::string> stop;
  // End at an end-of-generation token (EOS, <|im_end|>, ...); it is not output.
  bool stop_on_eog = true;
  // How many top alternatives to record per generated token (0: none).
  int32_t top_logprobs = 0;
  // Called whenever text is released; may be empty.
  PieceCallback on_piece = nullptr;
};

struct GenerateResult {
  std::string text;                    // the continuation, stop string excluded
  std::vector<GeneratedToken> tokens;  // every sampled token, EOG excluded
  FinishReason finish_reason = FinishReason::kLength;
  bool cancelled = false;              // the callback returned false
  int32_t n_prompt = 0;
};

// Evaluates `prompt` on `session` (reset first) and samples up to
// options.max_tokens tokens. Stops early at an EOG token or a stop string
// (finish_reason stop) or when the context is full (length). InvalidArgument
// when the prompt is empty, longer than n_ctx or has ids out of range.
Result<GenerateResult> Generate(const LocalModel& model, Session& session,
                                std::span<const int32_t> prompt, const GenerateOptions& options);

// As Generate, but with `prompt` already evaluated on `session` and
// `last_logits` its final row (from ScorePrompt).
Result<GenerateResult> GenerateFrom(const LocalModel& model, Session& session,
                                    std::span<const float> last_logits, int32_t n_prompt,
                                    const GenerateOptions& options);

// Length of the longest suffix of `text` that is a proper prefix of one of
// `stops` (text to hold back while streaming). Exposed for tests.
size_t StopPrefixOverlap(std::string_view text, const std::vector<std::string>& stops);

}  // namespace dokja::engine
