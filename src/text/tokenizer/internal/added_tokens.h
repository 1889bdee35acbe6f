// Added and special tokens: texts that become one token before any
// normalisation or pre-tokenization (HF `added_tokens`, GGUF control and
// user-defined tokens).
//
// Matching is leftmost-longest, as HF tokenizers does: scanning from the left,
// the first position where any token matches wins, and the longest token
// matching there. Thread-safe after construction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dokja::text::internal {

struct AddedToken {
  std::string text;
  int32_t id = -1;
  // Special tokens match only when the caller asks to parse special tokens;
  // others always match.
  bool special = true;
  // Absorb the whitespace to the left / right of a match (HF lstrip/rstrip).
  bool lstrip = false;
  bool rstrip = false;
};

// A run of the input: either raw text [begin, end) or one token.
struct Fragment {
  size_t begin = 0;
  size_t end = 0;
  int32_t token = -1;  // -1 for raw text
};

class AddedTokenMatcher {
 public:
  // Tokens with empty text are ignored.
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);
  AddedTokenMatcher() = default;

  // Cuts `text` into raw-text fragments and token fragments, in order.
  // Whitespace absorbed by lstrip/rstrip is left out of every fragment.
  std::vector<Fragment> Partition(std::string_view text, bool parse_special) const;

  bool empty() const { return tokens_.empty(); }

 private:
  // Index into tokens_ of the longest token matching at `pos`, or -1.
  int FindAt(std::string_view text, size_t pos, bool parse_special) const;

  std::vector<AddedToken> tokens_;  // longest first
  // For each first byte, indexes into tokens_ (longest first).
  std::vector<std::vector<int>> by_first_byte_;
};

}  // namespace dokja::text::internal
