#include "text/tokenizer/internal/added_tokens.h"

#include <algorithm>

#include "text/tokenizer/internal/unicode_util.h"

namespace dokja::text::internal {
namespace {

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : by_first_byte_(256) {
  for (AddedToken& t : tokens) {
    if (!t.text.empty() && t.id >= 0) tokens_.push_back(std::move(t));
  }
  std::stable_sort(tokens_.begin(), tokens_.end(), [](const AddedToken& a, const AddedToken& b) {
    return a.text.size() > b.text.size();
  });
  for (size_t i = 0; i < tokens_.size(); ++i) {
    by_first_byte_[static_cast<unsigned char>(tokens_[i].text[0])].push_back(static_cast<int>(i));
  }
}

int AddedTokenMatcher::FindAt(std::string_view text, size_t pos, bool parse_special) const {
  for (int index : by_first_byte_[static_cast<unsigned char>(text[pos])]) {
    const AddedToken& t = tokens_[index];
    if (t.special && !parse_special) continue;
    if (text.compare(pos, t.text.size(), t.text) == 0) return index;
  }
  return -1;
}

std::vector<Fragment> AddedTokenMatcher::Partition(std::string_view text, bool parse_special) const {
  std::vector<Fragment> out;
  size_t raw_begin = 0;
  size_t pos = 0;
  while (!tokens_.empty() && pos < text.size()) {
    const int index = FindAt(text, pos, parse_special);
    if (index < 0) {
      pos += Utf8CharLength(text, pos);  // tokens never start mid-character
      continue;
    }
    const AddedToken& t = tokens_[index];
    size_t raw_end = pos;
    if (t.lstrip) {
      while (raw_end > raw_begin && IsAsciiSpace(text[raw_end - 1])) --raw_end;
    }
    if (raw_end > raw_begin) out.push_back({raw_begin, raw_end, -1});
    out.push_back({pos, pos + t.text.size(), t.id});
    pos += t.text.size();
    if (t.rstrip) {
      while (pos < text.size() && IsAsciiSpace(text[pos])) ++pos;
    }
    raw_begin = pos;
  }
  if (text.size() > raw_begin) out.push_back({raw_begin, text.size(), -1});
  return out;
}

}  // namespace dokja::text::internal
