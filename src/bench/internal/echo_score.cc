#include "bench/internal/echo_score.h"

#include <string>

namespace dokja::bench::internal {
namespace {

Result<Response> ScoreContinuation(const std::vector<EchoToken>& tokens, const Request& request) {
  const EchoToken& last = tokens.back();
  const int64_t end = last.text_offset + last.n_chars;
  const int64_t boundary = end - CharCount(request.continuation);
  if (boundary < 0) {
    return Status::Corrupt("echoed prompt shows " + std::to_string(end) +
                           " characters, fewer than the continuation's " +
                           std::to_string(CharCount(request.continuation)));
  }
  size_t first = tokens.size();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].text_offset + tokens[i].n_chars > boundary) {
      first = i;
      break;
    }
  }
  Response r;
  r.is_greedy = true;
  for (size_t i = first; i < tokens.size(); ++i) {
    if (!tokens[i].logprob) {
      return Status::Corrupt("echoed prompt token " + std::to_string(i) +
                             " of the continuation has no log-prob");
    }
    r.logprob += *tokens[i].logprob;
    r.is_greedy = r.is_greedy && tokens[i].greedy;
    ++r.n_tokens;
  }
  if (r.n_tokens == 0) return Status::Corrupt("no echoed token falls in the continuation");
  return r;
}

Result<Response> ScoreRolling(const std::vector<EchoToken>& tokens) {
  Response r;
  r.is_greedy = true;
  for (const EchoToken& t : tokens) {
    if (!t.logprob) continue;
    r.logprob += *t.logprob;
    r.is_greedy = r.is_greedy && t.greedy;
    ++r.n_tokens;
  }
  if (r.n_tokens == 0) return Status::Corrupt("the echoed prompt has no scored token");
  return r;
}

}  // namespace

int64_t CharCount(std::string_view utf8) {
  int64_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Result<Response> ScoreEcho(const std::vector<EchoToken>& tokens, const Request& request) {
  if (tokens.empty()) return Status::Corrupt("the echoed prompt has no tokens");
  if (request.kind == RequestKind::kLoglikelihood) return ScoreContinuation(tokens, request);
  if (request.kind == RequestKind::kLoglikelihoodRolling) return ScoreRolling(tokens);
  return Status::InvalidArgument("ScoreEcho: a generate request has no echo score");
}

}  // namespace dokja::bench::internal
