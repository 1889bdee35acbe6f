#include "bench/internal/filters.h"

#include <algorithm>
#include <map>

namespace dokja::bench::internal {
namespace {

bool IsSpaceAt(std::string_view s, size_t i, size_t* len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f)) {
    *len = 1;
    return true;
  }
  // U+00A0, U+3000 (ideographic space, common in Korean text), U+2000-200A, U+2028/9, U+202F, U+205F.
  static const char* kWide[] = {"\xC2\xA0", "\xE3\x80\x80", "\xE2\x80\xA8", "\xE2\x80\xA9",
                                "\xE2\x80\xAF", "\xE2\x81\x9F", "\xC2\x85"};
  for (const char* w : kWide) {
    std::string_view wv(w);
    if (s.substr(i, wv.size()) == wv) {
      *len = wv.size();
      return true;
    }
  }
  if (s.size() >= i + 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      static_cast<unsigned char>(s[i + 2]) >= 0x80 && static_cast<unsigned char>(s[i + 2]) <= 0x8A) {
    *len = 3;
    return true;
  }
  return false;
}

std::string_view LStrip(std::string_view s) {
  size_t i = 0, len = 0;
  while (i < s.size() && IsSpaceAt(s, i, &len)) i += len;
  return s.substr(i);
}

}  // namespace

std::string StripSpace(std::string_view s) {
  s = LStrip(s);
  // Strip from the right by scanning for the last non-space code point.
  size_t end = 0, i = 0, len = 0;
  while (i < s.size()) {
    if (IsSpaceAt(s, i, &len)) {
      i += len;
    } else {
      ++i;
      while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
      end = i;
    }
  }
  return std::string(s.substr(0, end));
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string StripReasoning(std::string_view text, std::string_view start, std::string_view end) {
  if (end.empty()) return std::string(text);
  size_t last_end = text.rfind(end);
  if (last_end != std::string_view::npos) return std::string(text.substr(last_end + end.size()));
  if (!start.empty() && text.find(start) != std::string_view::npos) return std::string();
  return std::string(text);
}

Result<CompiledFilter> CompiledFilter::Compile(const FilterPipeline& pipeline) {
  CompiledFilter out(pipeline);
  for (const FilterStep& step : pipeline.steps) {
    if (step.function != "regex") continue;
    Result<Regex> r = Regex::Compile(step.regex_pattern);
    if (!r.ok()) return r.status().WithPrefix("filter '" + pipeline.name + "'");
    out.regexes_.push_back(std::move(*r));
  }
  return out;
}

Result<std::string> CompiledFilter::Extract(const Regex& regex, const FilterStep& step,
                                            const std::string& text) const {
  DOKJA_ASSIGN_OR_RETURN(auto matches, regex.FindAll(text));
  if (matches.empty()) return step.fallback;
  const int64_t n = static_cast<int64_t>(matches.size());
  int64_t idx = step.group_select < 0 ? n + step.group_select : step.group_select;
  if (idx < 0 || idx >= n) return step.fallback;
  // With several groups, the first group that matched (lm-eval's RegexFilter).
  for (const std::string& g : matches[static_cast<size_t>(idx)]) {
    if (!g.empty()) return StripSpace(g);
  }
  return step.fallback;
}

Result<std::string> CompiledFilter::Apply(std::vector<std::string> answers) const {
  size_t regex_idx = 0;
  for (const FilterStep& step : pipeline_.steps) {
    const std::string& fn = step.function;
    if (fn == "take_first") {
      answers.resize(std::min<size_t>(answers.size(), 1));
    } else if (fn == "majority_vote") {
      std::map<std::string, size_t> counts;
      for (const std::string& a : answers) ++counts[a];
      std::string best;
      size_t best_count = 0;
      for (const std::string& a : answers) {
        if (counts[a] > best_count) best = a, best_count = counts[a];
      }
      answers = {best};
    } else {
      const Regex* regex = fn == "regex" ? &regexes_[regex_idx++] : nullptr;
      for (std::string& a : answers) {
        if (regex != nullptr) {
          DOKJA_ASSIGN_OR_RETURN(a, Extract(*regex, step, a));
        } else if (fn == "lowercase") {
          a = AsciiLower(a);
        } else if (fn == "uppercase") {
          a = AsciiUpper(a);
        } else if (fn == "strip") {
          a = StripSpace(a);
        } else if (fn == "remove_whitespace") {
          a = std::string(LStrip(a));
        }
      }
    }
  }
  return answers.empty() ? std::string() : answers.front();
}

}  // namespace dokja::bench::internal
