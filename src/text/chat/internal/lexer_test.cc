#include "text/chat/internal/lexer.h"

#include <gtest/gtest.h>

#include "text/chat/internal/parser.h"

namespace dokja::text::jinja {
namespace {

// "kind:text" for each token, for compact comparisons.
std::vector<std::string> Spell(std::string_view source) {
  auto tokens = Tokenize(source);
  if (!tokens.ok()) return {"ERROR " + tokens.status().message()};
  std::vector<std::string> out;
  for (const Token& t : *tokens) {
    switch (t.kind) {
      case TokenKind::kText: out.push_back("T:" + t.text); break;
      case TokenKind::kName: out.push_back("N:" + t.text); break;
      case TokenKind::kString: out.push_back("S:" + t.text); break;
      case TokenKind::kInt: out.push_back("I:" + std::to_string(t.int_value)); break;
      case TokenKind::kFloat: out.push_back("F:" + t.text); break;
      case TokenKind::kEof: out.push_back("EOF"); break;
      default: out.push_back(t.text);
    }
  }
  return out;
}

using V = std::vector<std::string>;

TEST(Lexer, SplitsTextAndTagsAndKeepsOperatorsWhole) {
  EXPECT_EQ(Spell("a{{ x.y[0] // 2 ** 3 }}b"),
            (V{"T:a", "{{", "N:x", ".", "N:y", "[", "I:0", "]", "//", "I:2", "**", "I:3", "}}",
               "T:b", "EOF"}));
  EXPECT_EQ(Spell("{% if a != 1.5e3 %}"), (V{"{%", "N:if", "N:a", "!=", "F:1.5e3", "%}", "EOF"}));
}

TEST(Lexer, DecodesPythonStringEscapes) {
  EXPECT_EQ(Spell(R"({{ 'a\n\t\'\\\x41\u00e9\q' "d\"q" }})"),
            (V{"{{", "S:a\n\t'\\Aé\\q", "S:d\"q", "}}", "EOF"}));
}

TEST(Lexer, BraceInsideDictLiteralDoesNotCloseTheTag) {
  EXPECT_EQ(Spell("{{ {'a': {'b': 1}} }}"),
            (V{"{{", "{", "S:a", ":", "{", "S:b", ":", "I:1", "}", "}", "}}", "EOF"}));
}

TEST(Lexer, AppliesWhitespaceControlToText) {
  EXPECT_EQ(Spell("a \n {%- x -%} \n b"), (V{"T:a", "{%", "N:x", "%}", "T:b", "EOF"}));
  EXPECT_EQ(Spell("  {% x %}\n  y"), (V{"{%", "N:x", "%}", "T:  y", "EOF"}));
  EXPECT_EQ(Spell("z {% x %}"), (V{"T:z ", "{%", "N:x", "%}", "EOF"}));
  EXPECT_EQ(Spell("a{# c #}\n  {% x %}b"), (V{"T:a", "{%", "N:x", "%}", "T:b", "EOF"}));
}

TEST(Lexer, ReportsLineAndCodePointColumn) {
  auto tokens = Tokenize("한국\n  {{ x }}");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[1].pos.line, 2u);
  EXPECT_EQ((*tokens)[1].pos.column, 3u);
  EXPECT_EQ((*tokens)[2].pos.column, 6u);
  auto bad = Tokenize("한국 {{ 'x }}");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 1, column 7"), std::string::npos)
      << bad.status().message();
}

TEST(Parser, GivesFiltersPrecedenceOverBinaryOperators) {
  auto tokens = Tokenize("{{ 'a' + x | trim }}");
  ASSERT_TRUE(tokens.ok());
  auto body = Parse(std::move(*tokens));
  ASSERT_TRUE(body.ok());
  const Expr& e = *(*body)[0]->expr;
  ASSERT_EQ(e.kind, ExprKind::kBinary);
  EXPECT_EQ(e.name, "+");
  EXPECT_EQ(e.children[1]->kind, ExprKind::kFilter);
}

TEST(Parser, ForLoopTrailingIfIsAFilterNotATernary) {
  auto tokens = Tokenize("{% for m in xs if m %}{% endfor %}");
  ASSERT_TRUE(tokens.ok());
  auto body = Parse(std::move(*tokens));
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ((*body)[0]->kind, StmtKind::kFor);
  EXPECT_NE((*body)[0]->condition, nullptr);
  EXPECT_EQ((*body)[0]->expr->kind, ExprKind::kName);
}

}  // namespace
}  // namespace dokja::text::jinja
