// Scoring from echoed prompt log-probs, shared by the OpenAI completions
// backend (which reads them from the server's JSON) and the engine backend
// (which computes them in process), so both split a continuation from its
// context the same way and give bit-identical sums.
//
// The split: context + continuation is tokenized as one text; the tokens
// whose characters reach into the last len(continuation) characters of the
// echoed text are the continuation (a token straddling the boundary counts
// as continuation). Counting from the end keeps the split right when the
// server shows characters the text does not have at its start (a BOS shown
// as "<s>", SentencePiece's dummy-prefix space).
//
// Thread-safety: free functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "bench/backend.h"

namespace dokja::bench::internal {

// vLLM clamps -inf log-probs to this, so the JSON stays finite.
inline constexpr float kMinLogprob = -9999.0f;

// One echoed prompt token, as the legacy completions `logprobs` object shows it.
struct EchoToken {
  int64_t text_offset = 0;          // characters (code points) before it
  int64_t n_chars = 0;              // characters it shows
  std::optional<double> logprob;    // none for the first token
  bool greedy = false;              // its log-prob is the best at its position
};

// Characters in UTF-8 text (code points), as Python's len() counts text_offset.
int64_t CharCount(std::string_view utf8);

// Answers a kLoglikelihood or kLoglikelihoodRolling request from the echoed
// prompt tokens (prompt only: generated tokens removed). Corrupt when the
// tokens do not cover the text, or a continuation token has no log-prob.
Result<Response> ScoreEcho(const std::vector<EchoToken>& tokens, const Request& request);

}  // namespace dokja::bench::internal
