// Lexer: template source to a flat token stream, whitespace control applied.
//
// Text between tags becomes kText tokens, already trimmed the way jinja2 trims
// it with trim_blocks=True and lstrip_blocks=True (Hugging Face's settings):
//   - `{%-`, `{{-`, `{#-` strip all whitespace before the tag; `-%}`, `-}}`,
//     `-#}` strip all whitespace after it.
//   - trim_blocks: one newline right after `%}` or `#}` is dropped; `+%}` keeps it.
//   - lstrip_blocks: spaces and tabs between a line start and `{%` or `{#` are
//     dropped; `{%+` keeps them. Variable tags `{{` are never lstripped.
// Newlines are normalized to "\n" and one trailing newline is removed, as
// jinja2 does with keep_trailing_newline=False. Comments vanish; the body of
// `{% raw %}...{% endraw %}` is text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "text/chat/internal/source_pos.h"

namespace dokja::text::jinja {

enum class TokenKind : uint8_t {
  kText,        // literal output
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,        // identifier or keyword
  kString,      // string literal, escapes decoded
  kInt,
  kFloat,
  kOperator,    // + - * / // % ** ~ == != < <= > >= ( ) [ ] { } , . : | =
  kEof,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  // Text, name, operator spelling or decoded string contents.
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
  SourcePos pos;
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Tokens of `source`, ending with one kEof. InvalidArgument with line and
// column for unterminated tags, comments and strings or stray characters.
Result<std::vector<Token>> Tokenize(std::string_view source, const LexOptions& options = {});

}  // namespace dokja::text::jinja
