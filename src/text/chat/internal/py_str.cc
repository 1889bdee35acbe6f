#include "text/chat/internal/py_str.h"

#include <algorithm>

#include "text/chat/internal/utf8.h"

namespace dokja::text::jinja {

std::string PyStrip(std::string_view s, const std::optional<std::string>& chars, StripSide side) {
  const std::u32string cps = DecodeUtf8(s);
  const std::u32string set = chars ? DecodeUtf8(*chars) : std::u32string();
  auto strip = [&](char32_t cp) {
    return chars ? set.find(cp) != std::u32string::npos : IsPyWhitespace(cp);
  };
  size_t begin = 0, end = cps.size();
  if (side != StripSide::kRight) {
    while (begin < end && strip(cps[begin])) ++begin;
  }
  if (side != StripSide::kLeft) {
    while (end > begin && strip(cps[end - 1])) --end;
  }
  return EncodeUtf8(std::u32string_view(cps).substr(begin, end - begin));
}

namespace {

// split() with no separator: runs of whitespace separate, ends are ignored.
std::vector<std::string> SplitWhitespace(std::string_view s, int64_t maxsplit, bool from_right) {
  std::u32string cps = DecodeUtf8(s);
  if (from_right) std::reverse(cps.begin(), cps.end());
  std::vector<std::string> parts;
  size_t i = 0;
  while (true) {
    while (i < cps.size() && IsPyWhitespace(cps[i])) ++i;
    if (i == cps.size()) break;
    size_t j = i;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
      j = cps.size();  // Python keeps the remainder's trailing whitespace
    } else {
      while (j < cps.size() && !IsPyWhitespace(cps[j])) ++j;
    }
    std::u32string part = cps.substr(i, j - i);
    if (from_right) std::reverse(part.begin(), part.end());
    parts.push_back(EncodeUtf8(part));
    if (j == cps.size() || (maxsplit >= 0 && static_cast<int64_t>(parts.size()) > maxsplit)) break;
    i = j;
  }
  if (from_right) std::reverse(parts.begin(), parts.end());
  return parts;
}

}  // namespace

std::vector<std::string> PySplit(std::string_view s, const std::optional<std::string>& sep,
                                 int64_t maxsplit, bool from_right) {
  if (!sep) return SplitWhitespace(s, maxsplit, from_right);
  if (sep->empty()) return {std::string(s)};
  std::vector<std::string> parts;
  if (!from_right) {
    size_t start = 0;
    for (size_t hit = s.find(*sep); hit != std::string_view::npos; hit = s.find(*sep, start)) {
      if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) break;
      parts.emplace_back(s.substr(start, hit - start));
      start = hit + sep->size();
    }
    parts.emplace_back(s.substr(start));
    return parts;
  }
  size_t end = s.size();
  while (true) {
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) break;
    if (end < sep->size()) break;
    const size_t hit = s.rfind(*sep, end - sep->size());
    if (hit == std::string_view::npos) break;
    parts.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
    end = hit;
  }
  parts.emplace_back(s.substr(0, end));
  std::reverse(parts.begin(), parts.end());
  return parts;
}

uint64_t PyReplaceSize(std::string_view s, std::string_view old_text, std::string_view new_text,
                       int64_t count) {
  uint64_t hits = 0;
  if (old_text.empty()) {
    hits = Utf8Length(s) + 1;
  } else {
    for (size_t at = s.find(old_text); at != std::string_view::npos;
         at = s.find(old_text, at + old_text.size())) {
      ++hits;
    }
  }
  if (count >= 0) hits = std::min<uint64_t>(hits, static_cast<uint64_t>(count));
  return s.size() - hits * old_text.size() + hits * new_text.size();
}

std::optional<std::vector<std::string>> PySplitCapped(std::string_view s,
                                                      const std::optional<std::string>& sep,
                                                      int64_t maxsplit, bool from_right,
                                                      size_t max_parts) {
  const auto cap = static_cast<int64_t>(std::max<size_t>(max_parts, 1));
  const bool capped = maxsplit < 0 || maxsplit >= cap;
  std::vector<std::string> parts = PySplit(s, sep, capped ? cap : maxsplit, from_right);
  if (capped && static_cast<int64_t>(parts.size()) > cap) return std::nullopt;
  return parts;
}

std::string PyReplace(std::string_view s, std::string_view old_text, std::string_view new_text,
                      int64_t count) {
  std::string out;
  if (old_text.empty()) {  // Python inserts `new` around every code point
    const std::u32string cps = DecodeUtf8(s);
    int64_t done = 0;
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || done < count) {
        out += new_text;
        ++done;
      }
      if (i < cps.size()) AppendUtf8(cps[i], out);
    }
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  for (size_t hit = s.find(old_text); hit != std::string_view::npos && (count < 0 || done < count);
       hit = s.find(old_text, start), ++done) {
    out.append(s.substr(start, hit - start));
    out.append(new_text);
    start = hit + old_text.size();
  }
  out.append(s.substr(start));
  return out;
}

}  // namespace dokja::text::jinja
