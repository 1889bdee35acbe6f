// Backends over an OpenAI-compatible HTTP server (vLLM, SGLang, `dokja
// serve-model`, hosted APIs).
//
//   completions: POST {base_url}/completions. Log-likelihoods come from the
//     prompt log-probs the server echoes (echo: true, logprobs: 1,
//     max_tokens: 0), split as bench/internal/echo_score.h describes;
//     generation sends the context as the prompt. Chat-message requests
//     are refused (use the chat backend).
//   chat: POST {base_url}/chat/completions. Generation only; the server's
//     `reasoning_content` goes to Response::reasoning. With `stream`, reads
//     server-sent events and treats a stream that ends early as a failure.
//
// Errors: connection refused or reset, timeouts, truncated bodies and
// streams, 429, 5xx and unparsable JSON are Unavailable (worth retrying);
// other 4xx are InvalidArgument with the server's message.
//
// Transport: http:// over dokja's own HTTP/1.1 client (one write per
// request, no poll per read; bench/internal/http_client.h), https:// over
// cpp-httplib with OpenSSL.
//
// Thread-safe: Complete and Probe run concurrently, each on its own pooled
// keep-alive connection.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "bench/backend.h"

namespace dokja::bench {

enum class OpenAIEndpoint { kCompletions, kChat };

struct OpenAIBackendOptions {
  OpenAIEndpoint endpoint = OpenAIEndpoint::kCompletions;
  std::string base_url;          // e.g. "http://127.0.0.1:8000/v1"
  std::string model;             // the "model" field; empty: not sent
  std::string api_key;           // sent as "Authorization: Bearer ..."; empty: none
  double timeout_s = 600;        // per request: read and write timeouts
  double connect_timeout_s = 10;
  bool stream = false;           // chat: use server-sent events
};

// InvalidArgument when base_url is not http(s)://host[:port][/path].
Result<std::unique_ptr<Backend>> MakeOpenAIBackend(const OpenAIBackendOptions& options);

}  // namespace dokja::bench
