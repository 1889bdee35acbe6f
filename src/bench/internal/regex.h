// Regex for task filters and metrics, on ICU (Unicode-aware, so Hangul and
// `\d`, `\w` work per code point; no recursion, so long answers cannot blow
// the stack; a time limit stops catastrophic backtracking).
// Syntax: ICU's, which covers Python `re` as tasks use it, except (?P<name>).
//
// Thread-safety: immutable after Compile; FindAll / RemoveAll may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dokja::bench::internal {

class Regex {
 public:
  // InvalidArgument naming the pattern and ICU's error.
  static Result<Regex> Compile(std::string_view pattern, bool ignore_case = false);

  // Python re.findall: per match, its groups ("" for a group that did not
  // take part), or the whole match when the pattern has no groups.
  // InvalidArgument when a match runs past the time limit.
  Result<std::vector<std::vector<std::string>>> FindAll(std::string_view text) const;
  // Python re.sub(pattern, "", text).
  Result<std::string> RemoveAll(std::string_view text) const;

 private:
  struct Impl;  // holds the compiled ICU pattern (regex.cc)
  Regex(std::shared_ptr<const Impl> impl, std::string source)
      : impl_(std::move(impl)), source_(std::move(source)) {}
  std::shared_ptr<const Impl> impl_;
  std::string source_;
};

}  // namespace dokja::bench::internal
