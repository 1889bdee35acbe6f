#include "text/chat/internal/lexer.h"

#include <charconv>
#include <cstring>

#include "text/chat/internal/utf8.h"

namespace dokja::text::jinja {

Status ErrorAt(SourcePos pos, StatusCode code, std::string_view message) {
  return Status(code, "chat template line " + std::to_string(pos.line) + ", column " +
                          std::to_string(pos.column) + ": " + std::string(message));
}

namespace {

// What the end of the previous tag asks of the text after it.
enum class TrimAfter { kNone, kOneNewline, kAllWhitespace };

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// "\r\n" and "\r" become "\n"; one trailing newline goes (keep_trailing_newline=False).
std::string NormalizeNewlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  Lexer(std::string source, const LexOptions& options)
      : src_(std::move(source)), options_(options) {}

  Result<std::vector<Token>> Run();

 private:
  // Line and column of byte offset `offset`; offsets must not decrease between calls.
  SourcePos PosAt(size_t offset);
  size_t FindTagStart(size_t from) const;
  // Drops what the previous tag's end consumes from the front of `text`.
  std::string_view ApplyTrimAfter(std::string_view text);
  // Applies `{%-` / lstrip_blocks to the text before a tag at `tag`.
  std::string_view ApplyTagLeft(std::string_view text, size_t tag);
  void EmitText(std::string_view text, size_t offset);
  Status LexComment(size_t tag);
  Status LexTag(size_t tag);
  Status LexRawBody();
  Status LexExpressionToken(size_t& p);
  Status LexNumber(size_t& p);
  Status LexString(size_t& p);
  // Sets trim_after_ from the sign before a tag's closing `}}`, `%}` or `#}`.
  void SetTrimAfter(char sign, bool is_block_or_comment);

  std::string src_;
  LexOptions options_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  bool line_starting_ = true;
  TrimAfter trim_after_ = TrimAfter::kNone;
  size_t pos_offset_ = 0;
  SourcePos pos_cursor_;
};

SourcePos Lexer::PosAt(size_t offset) {
  for (; pos_offset_ < offset && pos_offset_ < src_.size(); ++pos_offset_) {
    const auto c = static_cast<unsigned char>(src_[pos_offset_]);
    if (c == '\n') {
      ++pos_cursor_.line;
      pos_cursor_.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++pos_cursor_.column;
    }
  }
  return pos_cursor_;
}

size_t Lexer::FindTagStart(size_t from) const {
  for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1)) {
    if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) {
      return i;
    }
  }
  return std::string::npos;
}

std::string_view Lexer::ApplyTrimAfter(std::string_view text) {
  size_t n = 0;
  if (trim_after_ == TrimAfter::kAllWhitespace) {
    while (n < text.size() && IsSpace(text[n])) ++n;
  } else if (trim_after_ == TrimAfter::kOneNewline && !text.empty() && text[0] == '\n') {
    n = 1;
  }
  // jinja2 asks "did the previous match end with a newline?" to allow lstrip
  // of a tag that has no newline of its own before it.
  if (trim_after_ != TrimAfter::kNone) line_starting_ = n > 0 && text[n - 1] == '\n';
  trim_after_ = TrimAfter::kNone;
  return text.substr(n);
}

std::string_view Lexer::ApplyTagLeft(std::string_view text, size_t tag) {
  const char kind = src_[tag + 1];
  const char sign = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
  if (sign == '-') {
    size_t end = text.size();
    while (end > 0 && IsSpace(text[end - 1])) --end;
    return text.substr(0, end);
  }
  if (sign == '+' || kind == '{' || !options_.lstrip_blocks) return text;
  const size_t nl = text.rfind('\n');
  const size_t line_start = nl == std::string_view::npos ? 0 : nl + 1;
  if (line_start == 0 && !line_starting_) return text;
  for (size_t i = line_start; i < text.size(); ++i) {
    if (!IsSpace(text[i])) return text;
  }
  return text.substr(0, line_start);
}

void Lexer::EmitText(std::string_view text, size_t offset) {
  if (text.empty()) return;
  Token t;
  t.kind = TokenKind::kText;
  t.text = std::string(text);
  t.pos = PosAt(offset);
  tokens_.push_back(std::move(t));
}

void Lexer::SetTrimAfter(char sign, bool is_block_or_comment) {
  if (sign == '-') {
    trim_after_ = TrimAfter::kAllWhitespace;
  } else if (sign != '+' && is_block_or_comment && options_.trim_blocks) {
    trim_after_ = TrimAfter::kOneNewline;
  } else {
    trim_after_ = TrimAfter::kNone;
    line_starting_ = false;
  }
}

Result<std::vector<Token>> Lexer::Run() {
  while (true) {
    const size_t tag = FindTagStart(pos_);
    const size_t text_end = tag == std::string::npos ? src_.size() : tag;
    std::string_view text(src_.data() + pos_, text_end - pos_);
    const size_t before_trim = text.size();
    text = ApplyTrimAfter(text);
    const size_t text_offset = pos_ + (before_trim - text.size());
    if (tag == std::string::npos) {
      EmitText(text, text_offset);
      break;
    }
    EmitText(ApplyTagLeft(text, tag), text_offset);
    line_starting_ = false;
    if (src_[tag + 1] == '#') {
      DOKJA_RETURN_IF_ERROR(LexComment(tag));
    } else {
      DOKJA_RETURN_IF_ERROR(LexTag(tag));
    }
  }
  Token eof;
  eof.pos = PosAt(src_.size());
  tokens_.push_back(std::move(eof));
  return std::move(tokens_);
}

Status Lexer::LexComment(size_t tag) {
  const size_t body = tag + 2 + ((tag + 2 < src_.size() && src_[tag + 2] == '-') ? 1 : 0);
  const size_t end = src_.find("#}", body);
  if (end == std::string::npos) {
    return ErrorAt(PosAt(tag), StatusCode::kInvalidArgument, "comment '{#' is never closed");
  }
  SetTrimAfter(end > body ? src_[end - 1] : '\0', true);
  pos_ = end + 2;
  return Status::OK();
}

Status Lexer::LexTag(size_t tag) {
  const bool is_block = src_[tag + 1] == '%';
  const SourcePos open_pos = PosAt(tag);
  Token begin;
  begin.kind = is_block ? TokenKind::kBlockBegin : TokenKind::kVarBegin;
  begin.text = is_block ? "{%" : "{{";
  begin.pos = open_pos;
  tokens_.push_back(std::move(begin));
  const size_t first_token = tokens_.size();
  size_t p = tag + 2;
  if (p < src_.size() && (src_[p] == '-' || (is_block && src_[p] == '+'))) ++p;
  const char closer = is_block ? '%' : '}';
  int depth = 0;
  while (true) {
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    if (p >= src_.size()) {
      return ErrorAt(open_pos, StatusCode::kInvalidArgument,
                     std::string("tag '") + (is_block ? "{%" : "{{") + "' is never closed");
    }
    char sign = '\0';
    size_t q = p;
    if (src_[q] == '-' || (is_block && src_[q] == '+')) sign = src_[q++];
    if (depth == 0 && src_.compare(q, 2, std::string{closer, '}'}) == 0) {
      Token end;
      end.kind = is_block ? TokenKind::kBlockEnd : TokenKind::kVarEnd;
      end.text = is_block ? "%}" : "}}";
      end.pos = PosAt(p);
      tokens_.push_back(std::move(end));
      pos_ = q + 2;
      SetTrimAfter(sign, is_block);
      break;
    }
    const char c = src_[p];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    DOKJA_RETURN_IF_ERROR(LexExpressionToken(p));
  }
  const bool is_raw = is_block && tokens_.size() == first_token + 2 &&
                      tokens_[first_token].kind == TokenKind::kName &&
                      tokens_[first_token].text == "raw";
  if (!is_raw) return Status::OK();
  tokens_.resize(first_token - 1);  // {% raw %} itself leaves no tokens
  return LexRawBody();
}

// Finds `{% endraw %}` (any whitespace control) and emits what lies before it as text.
Status Lexer::LexRawBody() {
  const size_t body = pos_;
  for (size_t tag = src_.find("{%", body); tag != std::string::npos;
       tag = src_.find("{%", tag + 1)) {
    size_t p = tag + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    if (src_.compare(p, 6, "endraw") != 0) continue;
    p += 6;
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    char sign = '\0';
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) sign = src_[p++];
    if (src_.compare(p, 2, "%}") != 0) continue;
    std::string_view text(src_.data() + body, tag - body);
    const size_t before_trim = text.size();
    text = ApplyTrimAfter(text);
    EmitText(ApplyTagLeft(text, tag), body + (before_trim - text.size()));
    pos_ = p + 2;
    SetTrimAfter(sign, true);
    return Status::OK();
  }
  return ErrorAt(PosAt(body), StatusCode::kInvalidArgument,
                 "'{% raw %}' has no matching '{% endraw %}'");
}

Status Lexer::LexExpressionToken(size_t& p) {
  const char c = src_[p];
  if (IsNameStart(c)) {
    Token t;
    t.kind = TokenKind::kName;
    t.pos = PosAt(p);
    const size_t start = p;
    while (p < src_.size() && IsNameChar(src_[p])) ++p;
    t.text = src_.substr(start, p - start);
    tokens_.push_back(std::move(t));
    return Status::OK();
  }
  if (IsDigit(c)) return LexNumber(p);
  if (c == '\'' || c == '"') return LexString(p);
  static constexpr const char* kTwoCharOps[] = {"//", "**", "==", "!=", "<=", ">="};
  Token t;
  t.kind = TokenKind::kOperator;
  t.pos = PosAt(p);
  for (const char* op : kTwoCharOps) {
    if (src_.compare(p, 2, op) == 0) {
      t.text = op;
      p += 2;
      tokens_.push_back(std::move(t));
      return Status::OK();
    }
  }
  if (std::strchr("+-*/%~<>()[]{},.:|=", c) != nullptr && c != '\0') {
    t.text = std::string(1, c);
    ++p;
    tokens_.push_back(std::move(t));
    return Status::OK();
  }
  std::string shown;
  AppendUtf8(DecodeUtf8(std::string_view(src_).substr(p, 4)).front(), shown);
  return ErrorAt(t.pos, StatusCode::kInvalidArgument, "unexpected character '" + shown + "'");
}

Status Lexer::LexNumber(size_t& p) {
  Token t;
  t.pos = PosAt(p);
  std::string digits;
  auto take_digits = [&] {
    while (p < src_.size() && (IsDigit(src_[p]) || src_[p] == '_')) {
      if (src_[p] != '_') digits.push_back(src_[p]);
      ++p;
    }
  };
  take_digits();
  bool is_float = false;
  if (p + 1 < src_.size() && src_[p] == '.' && IsDigit(src_[p + 1])) {
    is_float = true;
    digits.push_back(src_[p++]);
    take_digits();
  }
  if (p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
    size_t q = p + 1;
    if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
    if (q < src_.size() && IsDigit(src_[q])) {
      is_float = true;
      digits.append(src_, p, q - p);
      p = q;
      take_digits();
    }
  }
  const char* first = digits.data();
  const char* last = digits.data() + digits.size();
  if (is_float) {
    t.kind = TokenKind::kFloat;
    std::from_chars(first, last, t.float_value);
  } else {
    t.kind = TokenKind::kInt;
    if (std::from_chars(first, last, t.int_value).ec != std::errc()) {
      return ErrorAt(t.pos, StatusCode::kUnsupported, "integer literal " + digits +
                                                          " does not fit in 64 bits");
    }
  }
  t.text = std::move(digits);
  tokens_.push_back(std::move(t));
  return Status::OK();
}

// Reads `n` hex digits at p; false if they are not all hex.
bool ReadHex(std::string_view s, size_t p, size_t n, char32_t& out) {
  if (p + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[p + i];
    int v = 0;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      return false;
    }
    out = out * 16 + static_cast<char32_t>(v);
  }
  return true;
}

// Decodes the escape at s[p] (just after a backslash) like Python's unicode-escape.
// Returns the bytes consumed after the backslash; 0 means "keep the backslash".
size_t DecodeEscape(std::string_view s, size_t p, std::string& out) {
  static constexpr std::string_view kSimple = "\\\\''\"\"a\ab\bf\fn\nr\rt\tv\v";
  const char c = s[p];
  for (size_t i = 0; i < kSimple.size(); i += 2) {
    if (kSimple[i] == c) {
      out.push_back(kSimple[i + 1]);
      return 1;
    }
  }
  if (c == '\n') return 1;  // line continuation
  char32_t cp = 0;
  const size_t hex_len = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
  if (hex_len > 0 && ReadHex(s, p + 1, hex_len, cp) && cp <= 0x10FFFF) {
    AppendUtf8(cp, out);
    return 1 + hex_len;
  }
  if (c >= '0' && c <= '7') {
    size_t n = 0;
    for (; n < 3 && p + n < s.size() && s[p + n] >= '0' && s[p + n] <= '7'; ++n) {
      cp = cp * 8 + static_cast<char32_t>(s[p + n] - '0');
    }
    AppendUtf8(cp, out);
    return n;
  }
  return 0;
}

Status Lexer::LexString(size_t& p) {
  Token t;
  t.kind = TokenKind::kString;
  t.pos = PosAt(p);
  const char quote = src_[p++];
  while (p < src_.size() && src_[p] != quote) {
    if (src_[p] == '\\' && p + 1 < src_.size()) {
      const size_t used = DecodeEscape(src_, p + 1, t.text);
      if (used == 0) {
        t.text.push_back('\\');
        ++p;
      } else {
        p += 1 + used;
      }
      continue;
    }
    t.text.push_back(src_[p++]);
  }
  if (p >= src_.size()) {
    return ErrorAt(t.pos, StatusCode::kInvalidArgument, "string literal is never closed");
  }
  ++p;
  tokens_.push_back(std::move(t));
  return Status::OK();
}

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view source, const LexOptions& options) {
  Lexer lexer(NormalizeNewlines(source), options);
  return lexer.Run();
}

}  // namespace dokja::text::jinja
