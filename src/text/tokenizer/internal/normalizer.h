// HF tokenizer.json normalizers we support: Unicode normal forms (ICU),
// Prepend and literal Replace, in sequence. Applied to each raw-text fragment
// between added tokens, before pre-tokenization.
//
// Invalid UTF-8 policy: normal forms are applied to each maximal valid run;
// invalid bytes pass through unchanged, so no byte is lost.
// Thread-safe: Apply() is const.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dokja::text::internal {

struct NormalizerStep {
  enum class Kind { kNfc, kNfd, kNfkc, kNfkd, kPrepend, kReplace };
  Kind kind = Kind::kNfc;
  std::string pattern;  // kReplace: the literal to find
  std::string content;  // kPrepend: the prefix; kReplace: the replacement
};

class Normalizer {
 public:
  // InvalidArgument when ICU lacks a normal form's data or a Replace has an
  // empty pattern.
  static Result<Normalizer> Create(std::vector<NormalizerStep> steps);
  Normalizer() = default;

  std::string Apply(std::string_view text) const;
  bool empty() const { return steps_.empty(); }

 private:
  std::vector<NormalizerStep> steps_;
};

}  // namespace dokja::text::internal
