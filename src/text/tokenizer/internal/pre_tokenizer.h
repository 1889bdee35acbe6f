// Pre-tokenization: cutting text into words before BPE, by a sequence of
// regex (or literal) split rules with Hugging Face `Split` semantics.
//
// Patterns use the Oniguruma/Rust syntax of tokenizer.json and llama.cpp
// (\p{L}, \p{N}, (?i:...), (?!\S)); we run them on ICU's regex engine over
// UTF-8 directly, after rewriting \s and \S to Unicode White_Space so they
// match exactly what Oniguruma matches (ICU's \s lacks U+000B and U+0085).
// Invalid UTF-8 bytes are seen by the regex as U+FFFD (not a letter, number
// or space) and stay in the pieces byte for byte.
//
// Thread-safe: Run() is const; each call makes its own matchers.
#pragma once

#include <memory>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dokja::text::internal {

// What happens to the matched parts (HF SplitDelimiterBehavior).
enum class SplitBehavior {
  kIsolated,            // matches and the text between become separate pieces
  kRemoved,             // matches are dropped
  kMergedWithPrevious,  // a match joins the piece before it
  kMergedWithNext,      // a match joins the piece after it
  kContiguous,          // adjacent matches join into one piece
};

struct SplitRule {
  std::string pattern;
  // False: `pattern` is a literal string, not a regex.
  bool is_regex = true;
  SplitBehavior behavior = SplitBehavior::kIsolated;
  // Treat the text between matches as the "matches".
  bool invert = false;
};

// HF `ByteLevel`: optionally prepend a space, optionally split with GPT-2's
// pattern, then map every byte through the GPT-2 byte/unicode table.
struct ByteLevelStep {
  bool add_prefix_space = false;
  bool use_regex = true;
};

// HF `Metaspace`: spaces become `replacement` (U+2581), which is prepended
// per `prepend`; with `split`, each word starts at a replacement character.
struct MetaspaceStep {
  enum class Prepend { kAlways, kFirst, kNever };
  std::string replacement = "\xE2\x96\x81";
  Prepend prepend = Prepend::kAlways;
  bool split = true;
};

// One pre-tokenizer step; only the member named by `kind` is used.
struct PreTokenizerStep {
  enum class Kind { kSplit, kByteLevel, kMetaspace };
  Kind kind = Kind::kSplit;
  SplitRule split;
  ByteLevelStep byte_level;
  MetaspaceStep metaspace;

  static PreTokenizerStep Split(SplitRule rule) {
    PreTokenizerStep step;
    step.split = std::move(rule);
    return step;
  }
  static PreTokenizerStep ByteLevel(bool add_prefix_space, bool use_regex) {
    PreTokenizerStep step;
    step.kind = Kind::kByteLevel;
    step.byte_level = {add_prefix_space, use_regex};
    return step;
  }
  static PreTokenizerStep Metaspace(MetaspaceStep meta) {
    PreTokenizerStep step;
    step.kind = Kind::kMetaspace;
    step.metaspace = std::move(meta);
    return step;
  }
};

class PreTokenizer {
 public:
  // Compiles the steps; InvalidArgument naming the pattern when one does not
  // compile. No steps: the text is one word.
  static Result<std::unique_ptr<PreTokenizer>> Create(std::vector<PreTokenizerStep> steps);
  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  // Cuts `text` into non-empty words, applying each step to every word of the
  // previous step. `at_input_start`: `text` begins the whole input (for
  // Metaspace's "first" scheme).
  std::vector<std::string> Run(std::string_view text, bool at_input_start) const;

  // True when a ByteLevel step maps bytes (so words are GPT-2 unicode).
  bool byte_level() const { return byte_level_; }

 private:
  struct Compiled;
  struct Step;
  explicit PreTokenizer(std::vector<Step> steps);
  std::vector<Step> steps_;
  bool byte_level_ = false;
};

// The split rules llama.cpp uses for a GGUF `tokenizer.ggml.pre` name, plus
// whether that pre-type sets ignore_merges. Unsupported for unknown names.
struct GgufPreTokenizerSpec {
  std::vector<SplitRule> rules;
  bool ignore_merges = false;
};
Result<GgufPreTokenizerSpec> GgufPreTokenizerRules(std::string_view pre_name);

// GPT-2's pattern as HF's ByteLevel pre-tokenizer uses it (with use_regex).
extern const char kGpt2Pattern[];

}  // namespace dokja::text::internal
