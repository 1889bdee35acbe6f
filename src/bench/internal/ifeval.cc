#include "bench/internal/ifeval.h"

#include <functional>
#include <map>

#include "bench/internal/filters.h"
#include "bench/internal/metrics.h"

namespace dokja::bench::internal {
namespace {

using Json = nlohmann::json;
using Checker = std::function<Result<bool>(const Json& kwargs, std::string_view text)>;

Result<int64_t> IntArg(const Json& kw, const char* name) {
  auto it = kw.find(name);
  if (it == kw.end() || !it->is_number_integer()) {
    return Status::InvalidArgument(std::string("kwargs.") + name + ": expected an integer");
  }
  return it->get<int64_t>();
}

Result<std::string> StrArg(const Json& kw, const char* name) {
  auto it = kw.find(name);
  if (it == kw.end() || !it->is_string()) {
    return Status::InvalidArgument(std::string("kwargs.") + name + ": expected a string");
  }
  return it->get<std::string>();
}

Result<std::vector<std::string>> ListArg(const Json& kw, const char* name) {
  auto it = kw.find(name);
  if (it == kw.end() || !it->is_array()) {
    return Status::InvalidArgument(std::string("kwargs.") + name + ": expected a list of strings");
  }
  std::vector<std::string> out;
  for (const Json& v : *it) {
    if (!v.is_string()) return Status::InvalidArgument(std::string("kwargs.") + name + ": expected strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

// "less than" N or "at least" N.
Result<bool> Compare(const Json& kw, int64_t count, const char* n_name) {
  DOKJA_ASSIGN_OR_RETURN(std::string relation, StrArg(kw, "relation"));
  DOKJA_ASSIGN_OR_RETURN(int64_t n, IntArg(kw, n_name));
  if (relation == "less than") return count < n;
  if (relation == "at least") return count >= n;
  return Status::InvalidArgument("kwargs.relation: expected 'less than' or 'at least', got '" + relation + "'");
}

int64_t CountSentences(std::string_view s) {
  int64_t n = 0;
  bool in_sentence = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool end = c == '.' || c == '!' || c == '?' || s.substr(i, 3) == "\xE3\x80\x82";
    if (end && in_sentence) {
      ++n;
      in_sentence = false;
    } else if (!end && !std::isspace(static_cast<unsigned char>(c))) {
      in_sentence = true;
    }
  }
  return n + (in_sentence ? 1 : 0);
}

int64_t CountOccurrences(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return 0;
  int64_t n = 0;
  for (size_t pos = hay.find(needle); pos != std::string_view::npos; pos = hay.find(needle, pos + needle.size())) ++n;
  return n;
}

std::vector<std::string_view> Lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool JsonFormat(std::string_view text) {
  std::string s = StripSpace(text);
  for (const char* prefix : {"```json", "```Json", "```JSON", "```"}) {
    if (s.rfind(prefix, 0) == 0) {
      s = s.substr(std::string_view(prefix).size());
      break;
    }
  }
  if (s.size() >= 3 && s.compare(s.size() - 3, 3, "```") == 0) s.resize(s.size() - 3);
  return !Json::parse(StripSpace(s), nullptr, false).is_discarded();
}

// Paragraphs split by "***" (IFEval): empty ends are dropped, an empty
// paragraph in the middle makes the count -1 (never a valid answer).
int64_t CountParagraphs(std::string_view text) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t pos = text.find("***", start);
    parts.push_back(StripSpace(text.substr(start, pos == std::string_view::npos ? pos : pos - start)));
    if (pos == std::string_view::npos) break;
    start = pos + 3;
  }
  int64_t n = static_cast<int64_t>(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!parts[i].empty()) continue;
    if (i == 0 || i + 1 == parts.size()) {
      --n;
    } else {
      return -1;
    }
  }
  return n;
}

int64_t CountBullets(std::string_view text) {
  int64_t n = 0;
  for (std::string_view line : Lines(text)) {
    std::string t = StripSpace(line);
    if ((t.size() >= 2 && t[0] == '*' && t[1] != '*') || (!t.empty() && t[0] == '-')) ++n;
  }
  return n;
}

const std::map<std::string, Checker>& Checkers() {
  static const auto* kCheckers = new std::map<std::string, Checker>{
      {"length_constraints:number_words",
       [](const Json& kw, std::string_view t) { return Compare(kw, CountWords(t), "num_words"); }},
      {"length_constraints:number_sentences",
       [](const Json& kw, std::string_view t) { return Compare(kw, CountSentences(t), "num_sentences"); }},
      {"length_constraints:number_paragraphs",
       [](const Json& kw, std::string_view t) -> Result<bool> {
         DOKJA_ASSIGN_OR_RETURN(int64_t n, IntArg(kw, "num_paragraphs"));
         return CountParagraphs(t) == n;
       }},
      {"keywords:existence",
       [](const Json& kw, std::string_view t) -> Result<bool> {
         DOKJA_ASSIGN_OR_RETURN(std::vector<std::string> words, ListArg(kw, "keywords"));
         std::string lower = AsciiLower(t);
         for (const std::string& w : words) {
           if (lower.find(AsciiLower(w)) == std::string::npos) return false;
         }
         return true;
       }},
      {"keywords:forbidden_words",
       [](const Json& kw, std::string_view t) -> Result<bool> {
         DOKJA_ASSIGN_OR_RETURN(std::vector<std::string> words, ListArg(kw, "forbidden_words"));
         std::string lower = AsciiLower(t);
         for (const std::string& w : words) {
           if (lower.find(AsciiLower(w)) != std::string::npos) return false;
         }
         return true;
       }},
      {"keywords:frequency",
       [](const Json& kw, std::string_view t) -> Result<bool> {
         DOKJA_ASSIGN_OR_RETURN(std::string word, StrArg(kw, "keyword"));
         return Compare(kw, CountOccurrences(AsciiLower(t), AsciiLower(word)), "frequency");
       }},
      {"punctuation:no_comma",
       [](const Json&, std::string_view t) -> Result<bool> { return t.find(',') == std::string_view::npos; }},
      {"detectable_format:json_format",
       [](const Json&, std::string_view t) -> Result<bool> { return JsonFormat(t); }},
      {"detectable_format:number_bullet_lists",
       [](const Json& kw, std::string_view t) -> Result<bool> {
         DOKJA_ASSIGN_OR_RETURN(int64_t n, IntArg(kw, "num_bullets"));
         return CountBullets(t) == n;
       }},
      {"detectable_format:title",
       [](const Json&, std::string_view t) -> Result<bool> {
         size_t open = t.find("<<");
         size_t close = open == std::string_view::npos ? open : t.find(">>", open + 2);
         return close != std::string_view::npos && !StripSpace(t.substr(open + 2, close - open - 2)).empty();
       }},
      {"detectable_content:postscript",
       [](const Json& kw, std::string_view t) -> Result<bool> {
         DOKJA_ASSIGN_OR_RETURN(std::string marker, StrArg(kw, "postscript_marker"));
         return AsciiLower(t).find(AsciiLower(marker)) != std::string::npos;
       }},
      {"startend:end_checker",
       [](const Json& kw, std::string_view t) -> Result<bool> {
         DOKJA_ASSIGN_OR_RETURN(std::string end, StrArg(kw, "end_phrase"));
         std::string s = AsciiLower(StripSpace(t)), e = AsciiLower(StripSpace(end));
         return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
       }},
      {"startend:quotation",
       [](const Json&, std::string_view t) -> Result<bool> {
         std::string s = StripSpace(t);
         return s.size() >= 2 && s.front() == '"' && s.back() == '"';
       }},
      {"language:response_language",
       [](const Json& kw, std::string_view t) -> Result<bool> {
         DOKJA_ASSIGN_OR_RETURN(std::string lang, StrArg(kw, "language"));
         if (lang == "ko") return HangulRatio(t) >= 0.9;
         if (lang == "en") return HangulRatio(t) <= 0.1 && CountWords(t) > 0;
         return Status::InvalidArgument("kwargs.language: only 'ko' and 'en' are supported, got '" + lang + "'");
       }},
  };
  return *kCheckers;
}

// IFEval's lenient variants: without markdown asterisks, without the first
// and/or last line.
std::vector<std::string> LooseVariants(std::string_view text) {
  std::vector<std::string_view> lines = Lines(text);
  auto join = [&](size_t from, size_t to) {
    std::string out;
    for (size_t i = from; i < to; ++i) out += std::string(lines[i]) + (i + 1 < to ? "\n" : "");
    return out;
  };
  const size_t n = lines.size();
  std::vector<std::string> base = {std::string(text), join(std::min<size_t>(1, n), n),
                                   join(0, n > 0 ? n - 1 : 0),
                                   join(std::min<size_t>(1, n), n > 1 ? n - 1 : std::min<size_t>(1, n))};
  std::vector<std::string> out = base;
  for (const std::string& b : base) {
    std::string no_stars;
    for (char c : b) {
      if (c != '*') no_stars.push_back(c);
    }
    out.push_back(no_stars);
  }
  return out;
}

}  // namespace

double HangulRatio(std::string_view text) {
  int64_t hangul = 0, letters = 0;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0 && i + 3 < text.size()) {
      cp = ((c & 0x07u) << 18) | ((text[i + 1] & 0x3Fu) << 12) | ((text[i + 2] & 0x3Fu) << 6) | (text[i + 3] & 0x3Fu), len = 4;
    } else if (c >= 0xE0 && i + 2 < text.size()) {
      cp = ((c & 0x0Fu) << 12) | ((text[i + 1] & 0x3Fu) << 6) | (text[i + 2] & 0x3Fu), len = 3;
    } else if (c >= 0xC0 && i + 1 < text.size()) {
      cp = ((c & 0x1Fu) << 6) | (text[i + 1] & 0x3Fu), len = 2;
    }
    i += len;
    const bool is_hangul = (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x1100 && cp <= 0x11FF) ||
                           (cp >= 0x3130 && cp <= 0x318F);
    const bool is_latin = (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= 0xC0 && cp <= 0x24F);
    const bool is_other_letter = (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3040 && cp <= 0x30FF) ||
                                 (cp >= 0x0400 && cp <= 0x04FF);
    hangul += is_hangul;
    letters += is_hangul || is_latin || is_other_letter;
  }
  return letters == 0 ? 0.0 : static_cast<double>(hangul) / static_cast<double>(letters);
}

Status ValidateInstructions(const Json& doc) {
  auto ids = doc.find("instruction_id_list");
  auto kwargs = doc.find("kwargs");
  if (ids == doc.end() || !ids->is_array()) return Status::InvalidArgument("instruction_id_list: expected a list");
  if (kwargs == doc.end() || !kwargs->is_array() || kwargs->size() != ids->size()) {
    return Status::InvalidArgument("kwargs: expected a list with one object per instruction");
  }
  for (size_t i = 0; i < ids->size(); ++i) {
    const Json& id = (*ids)[i];
    const Json& kw = (*kwargs)[i];
    if (!id.is_string()) return Status::InvalidArgument("instruction_id_list: expected strings");
    auto it = Checkers().find(id.get<std::string>());
    if (it == Checkers().end()) return Status::InvalidArgument("unknown instruction '" + id.get<std::string>() + "'");
    if (!kw.is_object() && !kw.is_null()) return Status::InvalidArgument("kwargs: expected objects");
    Result<bool> probe = it->second(kw.is_null() ? Json::object() : kw, "");
    if (!probe.ok()) return probe.status().WithPrefix("instruction '" + id.get<std::string>() + "'");
  }
  return Status::OK();
}

Result<InstructionOutcome> CheckInstructions(const Json& doc, std::string_view answer) {
  const Json& ids = doc.at("instruction_id_list");
  const Json& kwargs = doc.at("kwargs");
  std::vector<std::string> variants = LooseVariants(answer);
  InstructionOutcome out;
  for (size_t i = 0; i < ids.size(); ++i) {
    const Checker& check = Checkers().at(ids[i].get<std::string>());
    const Json kw = kwargs[i].is_null() ? Json::object() : kwargs[i];
    bool loose = false;
    DOKJA_ASSIGN_OR_RETURN(bool strict, check(kw, answer));
    for (const std::string& v : variants) {
      if (loose) break;
      DOKJA_ASSIGN_OR_RETURN(loose, check(kw, v));
    }
    out.strict.push_back(strict && !answer.empty());
    out.loose.push_back((loose || strict) && !answer.empty());
  }
  return out;
}

}  // namespace dokja::bench::internal
