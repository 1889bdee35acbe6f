// Differential fuzzing of the completions and chat reply readers: whatever
// a one-pass reader accepts, the tree-based parser must read the same; what
// it refuses, the combined parser must answer as the tree does.
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
  struct Reader {
    bool (*one_pass)(std::string_view, Response*);
    Result<Response> (*tree)(std::string_view);
    Result<Response> (*both)(std::string_view);
  };
  const Reader readers[] = {
      {internal::ReadCompletionReplyOnePass, internal::ParseCompletionReplyTree, internal::ParseCompletionReply},
      {internal::ReadChatReplyOnePass, internal::ParseChatReplyTree, internal::ParseChatReply}};
  for (const Reader& r : readers) {
    Response fast;
    const bool one_pass = r.one_pass(body, &fast);
    const Result<Response> tree = r.tree(body);
    if (one_pass) {
      if (!tree.ok() || tree->ToJson() != fast.ToJson()) std::abort();
    } else {
      const Result<Response> both = r.both(body);
      if (both.ok() != tree.ok()) std::abort();
      if (!both.ok() && both.status().ToString() != tree.status().ToString()) std::abort();
    }
  }
  return 0;
}
