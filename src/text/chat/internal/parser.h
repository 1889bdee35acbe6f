// Parser: tokens to an AST, following jinja2's grammar and precedence.
//
// Precedence, loosest first: `x if c else y`, `or`, `and`, `not`, comparisons
// and `in`, `+ -`, `~`, `* / // %`, `**`, unary `- +`, then primary with
// postfix `.attr`, `[index]`, `[a:b:c]`, `(call)`, `| filter` and `is test`.
// Filters and tests bind tighter than binary operators, as in jinja2:
// `'a' + x | trim` is `'a' + (x | trim)`.
#pragma once

#include <vector>

#include "base/status.h"
#include "text/chat/internal/ast.h"
#include "text/chat/internal/lexer.h"

namespace dokja::text::jinja {

// Deepest nesting of blocks and sub-expressions Parse accepts; bounds the
// parser's and the evaluator's recursion so hostile templates cannot exhaust
// the stack.
inline constexpr int kMaxParseDepth = 128;

// The template's top-level statements. InvalidArgument with line and column
// for syntax errors, unknown filters and tests and unbalanced blocks;
// Unsupported for jinja2 features outside our subset (include, extends, ...).
Result<Body> Parse(std::vector<Token> tokens);

}  // namespace dokja::text::jinja
