// The JSON side of the OpenAI-compatible backends: request bodies and the
// parsing of replies, kept apart from HTTP so it can be tested on strings.
// Every parser names what was wrong; none throws.
//
// Thread-safety: free functions over values; an SseChatReader is used by one
// thread.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "bench/backend.h"

namespace dokja::bench::internal {

// Request bodies. `model` may be empty (then not sent).
std::string EchoBody(const std::string& model, const std::string& prompt);
std::string CompletionBody(const std::string& model, const Request& request);
std::string ChatBody(const std::string& model, const Request& request, bool stream);

// A reply to EchoBody scored for `request`. Unsupported when the reply has no
// prompt log-probs (llama.cpp's server); Unavailable for malformed JSON.
Result<Response> ParseEchoReply(std::string_view body, const Request& request);
Result<Response> ParseCompletionReply(std::string_view body);
// ParseCompletionReply's two halves (exposed for tests): the one-pass reader
// takes a well-formed success (true, `out` filled) and refuses anything else
// or anything it is unsure of; the tree-based parser then reads or words it.
bool ReadCompletionReplyOnePass(std::string_view body, Response* out);
Result<Response> ParseCompletionReplyTree(std::string_view body);
Result<Response> ParseChatReply(std::string_view body);
// ParseChatReply's two halves, as for completions.
bool ReadChatReplyOnePass(std::string_view body, Response* out);
Result<Response> ParseChatReplyTree(std::string_view body);

// The "error.message" of an error reply, else the body's first 300 bytes.
std::string ErrorMessage(std::string_view body);

// Assembles a streamed chat completion from server-sent events.
class SseChatReader {
 public:
  // Takes the next bytes of the stream (events may be split anywhere).
  Status Feed(std::string_view bytes);
  // The answer, once the stream is over. Unavailable when it ended before a
  // finish_reason and "data: [DONE]" arrived (a truncated stream).
  Result<Response> Finish();

 private:
  Status Event(std::string_view data);
  std::string pending_;
  Response response_;
  bool finished_ = false;
  bool done_ = false;
};

}  // namespace dokja::bench::internal
