#include "text/tokenizer/internal/pre_tokenizer.h"

#include <unicode/regex.h>
#include <unicode/utext.h>

#include <algorithm>
#include <utility>

#include "text/tokenizer/internal/unicode_util.h"

namespace dokja::text::internal {

const char kGpt2Pattern[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

// Oniguruma's \s is Unicode White_Space; ICU's leaves out U+000B and U+0085.
std::string RewriteWhitespaceClasses(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 32);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\' || i + 1 == pattern.size()) {
      out.push_back(pattern[i]);
      continue;
    }
    const char next = pattern[++i];
    if (next == 's') {
      out += "\\p{White_Space}";
    } else if (next == 'S') {
      out += "\\P{White_Space}";
    } else {
      out.push_back('\\');
      out.push_back(next);
    }
  }
  return out;
}

// A half-open byte range [begin, end) of a word.
struct Piece {
  size_t begin;
  size_t end;
};

struct Segment {
  size_t begin;
  size_t end;
  bool is_match;
};

struct UTextCloser {
  void operator()(UText* ut) const { utext_close(ut); }
};
using UTextPtr = std::unique_ptr<UText, UTextCloser>;

// HF's SplitDelimiterBehavior applied to match/gap segments, in order.
std::vector<Piece> ApplyBehavior(const std::vector<Segment>& segments, SplitBehavior behavior) {
  std::vector<Piece> out;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const Segment& s : segments) out.push_back({s.begin, s.end});
      break;
    case SplitBehavior::kRemoved:
      for (const Segment& s : segments) {
        if (!s.is_match) out.push_back({s.begin, s.end});
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Segment& s : segments) {
        if (s.is_match && !previous_match && !out.empty()) {
          out.back().end = s.end;
        } else {
          out.push_back({s.begin, s.end});
        }
        previous_match = s.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty()) {
          out.back().begin = it->begin;
        } else {
          out.push_back({it->begin, it->end});
        }
        previous_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
    case SplitBehavior::kContiguous:
      for (const Segment& s : segments) {
        if (s.is_match && previous_match && !out.empty()) {
          out.back().end = s.end;
        } else {
          out.push_back({s.begin, s.end});
        }
        previous_match = s.is_match;
      }
      break;
  }
  return out;
}

Result<std::unique_ptr<icu::RegexPattern>> CompileRule(const SplitRule& rule) {
  if (rule.pattern.empty()) return Status::InvalidArgument("pre-tokenizer: empty split pattern");
  const std::string source = rule.is_regex ? RewriteWhitespaceClasses(rule.pattern) : rule.pattern;
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error;
  const uint32_t flags = rule.is_regex ? 0 : UREGEX_LITERAL;
  std::unique_ptr<icu::RegexPattern> pattern(icu::RegexPattern::compile(
      icu::UnicodeString::fromUTF8(source), flags, parse_error, status));
  if (U_FAILURE(status) || pattern == nullptr) {
    return Status::InvalidArgument("pre-tokenizer: pattern '" + rule.pattern +
                                   "' does not compile: " + u_errorName(status) + " at offset " +
                                   std::to_string(parse_error.offset));
  }
  return pattern;
}

}  // namespace

struct PreTokenizer::Step {
  PreTokenizerStep spec;
  // The split pattern: the rule's, or GPT-2's for a ByteLevel step with
  // use_regex; null otherwise.
  std::unique_ptr<icu::RegexPattern> pattern;
  SplitRule rule;  // behaviour for `pattern`
};

PreTokenizer::PreTokenizer(std::vector<Step> steps) : steps_(std::move(steps)) {
  for (const Step& step : steps_) {
    if (step.spec.kind == PreTokenizerStep::Kind::kByteLevel) byte_level_ = true;
  }
}
PreTokenizer::~PreTokenizer() = default;

Result<std::unique_ptr<PreTokenizer>> PreTokenizer::Create(std::vector<PreTokenizerStep> specs) {
  std::vector<Step> steps;
  for (PreTokenizerStep& spec : specs) {
    Step step;
    if (spec.kind == PreTokenizerStep::Kind::kSplit) {
      step.rule = spec.split;
    } else if (spec.kind == PreTokenizerStep::Kind::kByteLevel && spec.byte_level.use_regex) {
      step.rule = SplitRule{kGpt2Pattern, true, SplitBehavior::kIsolated, false};
    } else if (spec.kind == PreTokenizerStep::Kind::kMetaspace && spec.metaspace.replacement.empty()) {
      return Status::InvalidArgument("pre-tokenizer: Metaspace with an empty replacement");
    }
    if (!step.rule.pattern.empty()) {
      DOKJA_ASSIGN_OR_RETURN(step.pattern, CompileRule(step.rule));
    }
    step.spec = std::move(spec);
    steps.push_back(std::move(step));
  }
  return std::unique_ptr<PreTokenizer>(new PreTokenizer(std::move(steps)));
}

namespace {

// Splits one word with `matcher` and `rule`'s behaviour, appending to
// `out`. `utext` is reused across words (utext_openUTF8 re-opens it).
void SplitWord(icu::RegexMatcher& matcher, UTextPtr& utext, const SplitRule& rule,
               std::string_view word, std::vector<std::string>* out) {
  UErrorCode status = U_ZERO_ERROR;
  UText* reopened = utext_openUTF8(utext.get(), word.data(), static_cast<int64_t>(word.size()), &status);
  if (utext == nullptr) utext.reset(reopened);
  if (U_FAILURE(status) || utext == nullptr) {
    out->emplace_back(word);  // ICU out of memory: keep the word whole
    return;
  }
  matcher.reset(utext.get());
  std::vector<Segment> segments;
  size_t previous = 0;
  while (U_SUCCESS(status) && matcher.find(status)) {
    const auto begin = static_cast<size_t>(matcher.start64(status));
    const auto end = static_cast<size_t>(matcher.end64(status));
    if (begin > previous) segments.push_back({previous, begin, false});
    if (end > begin) segments.push_back({begin, end, true});
    previous = end;
  }
  if (U_FAILURE(status)) {
    out->emplace_back(word);  // ICU out of memory: keep the word whole
    return;
  }
  if (word.size() > previous) segments.push_back({previous, word.size(), false});
  if (rule.invert) {
    for (Segment& s : segments) s.is_match = !s.is_match;
  }
  for (const Piece& p : ApplyBehavior(segments, rule.behavior)) {
    if (p.end > p.begin) out->emplace_back(word.substr(p.begin, p.end - p.begin));
  }
}

void ApplyMetaspace(const MetaspaceStep& meta, std::string_view word, bool prepend,
                    std::vector<std::string>* out) {
  std::string replaced = ReplaceAll(word, " ", meta.replacement);
  if (prepend && replaced.compare(0, meta.replacement.size(), meta.replacement) != 0) {
    replaced.insert(0, meta.replacement);
  }
  if (!meta.split) {
    out->push_back(std::move(replaced));
    return;
  }
  // Each word starts at a replacement character (MergedWithNext).
  size_t begin = 0;
  for (size_t pos = meta.replacement.size(); pos <= replaced.size(); ++pos) {
    if (pos == replaced.size() || replaced.compare(pos, meta.replacement.size(), meta.replacement) == 0) {
      if (pos > begin) out->push_back(replaced.substr(begin, pos - begin));
      begin = pos;
    }
  }
}

}  // namespace

std::vector<std::string> PreTokenizer::Run(std::string_view text, bool at_input_start) const {
  std::vector<std::string> words;
  if (text.empty()) return words;
  words.emplace_back(text);
  std::vector<std::string> next;
  UTextPtr utext;
  for (const Step& step : steps_) {
    next.clear();
    std::unique_ptr<icu::RegexMatcher> matcher;
    if (step.pattern != nullptr) {
      UErrorCode status = U_ZERO_ERROR;
      matcher.reset(step.pattern->matcher(status));
      if (U_FAILURE(status)) matcher.reset();  // ICU out of memory: this step splits nothing
      if (matcher != nullptr) matcher->setStackLimit(0, status);  // heap stack, unbounded
    }
    for (size_t word_idx = 0; word_idx < words.size(); ++word_idx) {
      std::string word = std::move(words[word_idx]);
      if (step.spec.kind == PreTokenizerStep::Kind::kMetaspace) {
        const MetaspaceStep& meta = step.spec.metaspace;
        const bool prepend = meta.prepend == MetaspaceStep::Prepend::kAlways ||
                             (meta.prepend == MetaspaceStep::Prepend::kFirst && at_input_start &&
                              word_idx == 0);
        ApplyMetaspace(meta, word, prepend, &next);
        continue;
      }
      const bool byte_level = step.spec.kind == PreTokenizerStep::Kind::kByteLevel;
      if (byte_level && step.spec.byte_level.add_prefix_space && word[0] != ' ') {
        word.insert(0, " ");
      }
      const size_t first_new = next.size();
      if (matcher != nullptr) {
        SplitWord(*matcher, utext, step.rule, word, &next);
      } else {
        next.push_back(std::move(word));
      }
      if (byte_level) {
        for (size_t i = first_new; i < next.size(); ++i) {
          std::string mapped;
          ByteUnicodeTable::Get().EncodeBytes(next[i], &mapped);
          next[i] = std::move(mapped);
        }
      }
    }
    words.swap(next);
  }
  return words;
}

}  // namespace dokja::text::internal
