// The seam between benchmark tasks and the models they query.
//
// Tasks (task.h) turn documents into Requests; a Runner (runner.h) sends
// them to a Backend with bounded concurrency, a durable cache and retries,
// and hands back one Response per Request in order; tasks score the
// Responses. Backends: OpenAI-compatible completions and chat completions
// over HTTP (openai_backend.h, which alone includes the HTTP library), and
// the embedded engine in process (engine_backend.h).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dokja::bench {

enum class RequestKind : uint8_t {
  // log p(continuation | context), summed over the continuation's tokens,
  // plus whether every continuation token was the greedy choice.
  kLoglikelihood,
  // log p(text) summed over all its tokens (perplexity-style; the text is in
  // `context`, the first token conditioned on BOS when the model has one).
  kLoglikelihoodRolling,
  // Text generated after the prompt until a stop string or max_tokens.
  kGenerate,
};
std::string_view RequestKindName(RequestKind kind);  // "loglikelihood", ...

struct Message {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct GenerationParams {
  int32_t max_tokens = 256;
  double temperature = 0.0;  // 0: greedy
  double top_p = 1.0;
  uint64_t seed = 0;
  std::vector<std::string> until;  // stop strings; none of them is output
};

// One query. Plain-text requests carry the prompt in `context`; chat
// requests carry `messages` (non-empty), which the backend renders with the
// model's chat template (the server does it for chat completions, the
// engine backend locally). For kLoglikelihood with messages, the rendered
// chat prompt is the context and `continuation` follows it.
struct Request {
  RequestKind kind = RequestKind::kGenerate;
  std::string context;
  std::string continuation;  // kLoglikelihood only
  std::vector<Message> messages;
  GenerationParams gen;  // kGenerate only

  // Every field that can change the answer, as canonical JSON (sorted keys,
  // no whitespace): the request's part of a cache key.
  std::string CanonicalJson() const;
};

struct Response {
  double logprob = 0;        // kLoglikelihood / kLoglikelihoodRolling: the sum
  bool is_greedy = false;    // kLoglikelihood: every continuation token was argmax
  int32_t n_tokens = 0;      // tokens scored, or generated
  std::string text;          // kGenerate: the answer text
  std::string reasoning;     // kGenerate: reasoning the server returned separately
  std::string finish_reason; // kGenerate: "stop", "length", ...

  std::string ToJson() const;
  void AppendJson(std::string& out) const;  // appends ToJson()
  static Result<Response> FromJson(std::string_view json);
};

// A model behind some transport.
// Thread-safety: Complete and Probe may be called concurrently.
class Backend {
 public:
  virtual ~Backend() = default;

  // Answers one request. Unavailable for failures worth retrying (dead
  // server, 429, 5xx, timeout, broken stream); other codes are final.
  virtual Result<Response> Complete(const Request& request) = 0;

  // As Complete, and for kGenerate calls `on_delta` with each piece of the
  // answer text as it is produced (the pieces concatenate to
  // Response::text); `on_delta` runs on the calling thread and must not
  // block for long. The default calls Complete and passes the whole text
  // once; backends that generate token by token override it.
  virtual Result<Response> CompleteStream(const Request& request,
                                          const std::function<void(std::string_view delta)>& on_delta);

  // Checks, before a run, that this backend can answer requests of `kinds`
  // correctly. E.g. a server that returns no prompt log-probs cannot score
  // multiple choice: Unsupported, with a message that says so and why.
  virtual Status Probe(std::span<const RequestKind> kinds) = 0;

  // Bounds each later Complete call to about `seconds` (the runner's
  // per-attempt timeout); a call that runs out returns Unavailable.
  // Backends that cannot bound a call keep the default, which ignores it.
  virtual void SetTimeout(double seconds) { (void)seconds; }

  // Canonical JSON of what identifies the answers: backend type, model id,
  // endpoint, settings that change outputs. The backend's part of a cache
  // key, and recorded in the run manifest. Never contains secrets.
  virtual std::string Identity() const = 0;
};

}  // namespace dokja::bench
