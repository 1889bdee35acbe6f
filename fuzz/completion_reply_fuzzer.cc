// Differential fuzzing of the completions reply reader: whatever the
// one-pass reader accepts, the tree-based parser must read the same; what it
// refuses, ParseCompletionReply must answer as the tree does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bench/internal/openai_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dokja::Result;
  using dokja::bench::Response;
  namespace internal = dokja::bench::internal;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  Response fast;
  const bool one_pass = internal::ReadCompletionReplyOnePass(body, &fast);
  const Result<Response> tree = internal::ParseCompletionReplyTree(body);
  if (one_pass) {
    if (!tree.ok() || tree->ToJson() != fast.ToJson()) std::abort();
  } else {
    const Result<Response> both = internal::ParseCompletionReply(body);
    if (both.ok() != tree.ok()) std::abort();
    if (!both.ok() && both.status().ToString() != tree.status().ToString()) std::abort();
  }
  return 0;
}
