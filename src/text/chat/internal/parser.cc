#include "text/chat/internal/parser.h"

#include <array>
#include <initializer_list>
#include <string_view>

#include "text/chat/internal/builtins.h"

namespace dokja::text::jinja {
namespace {

// Tags jinja2 has that our subset does not render.
constexpr std::array<std::string_view, 12> kUnsupportedTags = {
    "include", "import", "from",  "extends",    "block",     "call",
    "filter",  "with",   "do",    "autoescape", "trans",     "pluralize"};

std::string Describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEof: return "end of template";
    case TokenKind::kText: return "text";
    case TokenKind::kString: return "string '" + t.text + "'";
    default: return "'" + t.text + "'";
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Body> ParseTemplate();

 private:
  // Counts nesting; Enter() fails past kMaxParseDepth.
  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  };
  Status CheckDepth() const;

  const Token& Peek(size_t ahead = 0) const;
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool IsOp(std::string_view op, size_t ahead = 0) const;
  bool IsName(std::string_view name, size_t ahead = 0) const;
  bool SkipOp(std::string_view op);
  bool SkipName(std::string_view name);
  Status Fail(const Token& at, std::string message) const;
  Status ExpectOp(std::string_view op);
  Status ExpectBlockEnd();
  Result<std::string> ExpectName();

  // Statements. ParseBody stops before a `{%` whose tag is in `ends`, having
  // consumed the `{%` and leaving the tag name as the next token.
  Result<Body> ParseBody(std::initializer_list<std::string_view> ends);
  Status ParseStatement(Body& out);
  Result<StmtPtr> ParseIf(SourcePos pos);
  Result<StmtPtr> ParseFor(SourcePos pos);
  Result<StmtPtr> ParseSet(SourcePos pos);
  Result<StmtPtr> ParseMacro(SourcePos pos);
  Result<StmtPtr> ParseScope(SourcePos pos, std::string_view end);

  // Expressions, loosest first.
  Result<ExprPtr> ParseExpression();
  Result<ExprPtr> ParseOr();
  Result<ExprPtr> ParseAnd();
  Result<ExprPtr> ParseNot();
  Result<ExprPtr> ParseCompare();
  Result<ExprPtr> ParseMath1();
  Result<ExprPtr> ParseConcat();
  Result<ExprPtr> ParseMath2();
  Result<ExprPtr> ParsePow();
  Result<ExprPtr> ParseUnary(bool with_filter);
  Result<ExprPtr> ParsePrimary();
  Result<ExprPtr> ParseSequence(SourcePos pos, std::string_view close, ExprKind kind);
  Result<ExprPtr> ParseDict(SourcePos pos);
  Result<ExprPtr> ParsePostfix(ExprPtr node);
  Result<ExprPtr> ParseSubscript(ExprPtr node);
  // callee(args...): the call expression, positioned at the callee.
  Result<ExprPtr> ParseCall(ExprPtr callee);
  Result<ExprPtr> ParseFilterExpr(ExprPtr node);
  Result<ExprPtr> ParseFilter(ExprPtr node);
  Result<ExprPtr> ParseTest(ExprPtr node);
  Status ParseCallArgs(Expr& call);
  // Binary node `op` over lhs and rhs.
  static ExprPtr MakeBinary(std::string op, ExprPtr lhs, ExprPtr rhs, SourcePos pos);

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

const Token& Parser::Peek(size_t ahead) const {
  return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
}

bool Parser::IsOp(std::string_view op, size_t ahead) const {
  const Token& t = Peek(ahead);
  return t.kind == TokenKind::kOperator && t.text == op;
}

bool Parser::IsName(std::string_view name, size_t ahead) const {
  const Token& t = Peek(ahead);
  return t.kind == TokenKind::kName && t.text == name;
}

bool Parser::SkipOp(std::string_view op) {
  if (!IsOp(op)) return false;
  Next();
  return true;
}

bool Parser::SkipName(std::string_view name) {
  if (!IsName(name)) return false;
  Next();
  return true;
}

Status Parser::Fail(const Token& at, std::string message) const {
  return ErrorAt(at.pos, StatusCode::kInvalidArgument, message);
}

Status Parser::CheckDepth() const {
  if (depth_ <= kMaxParseDepth) return Status::OK();
  return ErrorAt(Peek().pos, StatusCode::kInvalidArgument,
                 "template nests deeper than " + std::to_string(kMaxParseDepth) + " levels");
}

Status Parser::ExpectOp(std::string_view op) {
  if (SkipOp(op)) return Status::OK();
  return Fail(Peek(), "expected '" + std::string(op) + "', found " + Describe(Peek()));
}

Status Parser::ExpectBlockEnd() {
  if (Peek().kind == TokenKind::kBlockEnd) {
    Next();
    return Status::OK();
  }
  return Fail(Peek(), "expected '%}' to end the tag, found " + Describe(Peek()));
}

Result<std::string> Parser::ExpectName() {
  if (Peek().kind != TokenKind::kName) {
    return Fail(Peek(), "expected a name, found " + Describe(Peek()));
  }
  return Next().text;
}

Result<Body> Parser::ParseTemplate() {
  DOKJA_ASSIGN_OR_RETURN(Body body, ParseBody({}));
  if (Peek().kind != TokenKind::kEof) {
    return Fail(Peek(), "unexpected '" + Peek().text + "' outside any block");
  }
  return body;
}

Result<Body> Parser::ParseBody(std::initializer_list<std::string_view> ends) {
  DepthGuard guard(depth_);
  DOKJA_RETURN_IF_ERROR(CheckDepth());
  Body body;
  while (true) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kEof) {
      if (ends.size() == 0) return body;
      return Fail(t, "template ends inside a block; expected '{% " +
                         std::string(*(ends.end() - 1)) + " %}'");
    }
    if (t.kind == TokenKind::kText) {
      auto stmt = std::make_unique<Stmt>();
      stmt->kind = StmtKind::kText;
      stmt->pos = t.pos;
      stmt->text = Next().text;
      body.push_back(std::move(stmt));
    } else if (t.kind == TokenKind::kVarBegin) {
      auto stmt = std::make_unique<Stmt>();
      stmt->kind = StmtKind::kOutput;
      stmt->pos = Next().pos;
      DOKJA_ASSIGN_OR_RETURN(stmt->expr, ParseExpression());
      if (Peek().kind != TokenKind::kVarEnd) {
        return Fail(Peek(), "expected '}}', found " + Describe(Peek()));
      }
      Next();
      body.push_back(std::move(stmt));
    } else {
      for (std::string_view end : ends) {
        if (IsName(end, 1)) {
          Next();
          return body;
        }
      }
      const Token& tag = Peek(1);
      if (tag.kind == TokenKind::kName &&
          (tag.text.rfind("end", 0) == 0 || tag.text == "elif" || tag.text == "else")) {
        if (ends.size() == 0) return Fail(tag, "unexpected '" + tag.text + "' with no open block");
        return Fail(tag, "unexpected '" + tag.text + "'; expected '{% " +
                             std::string(*(ends.end() - 1)) + " %}'");
      }
      DOKJA_RETURN_IF_ERROR(ParseStatement(body));
    }
  }
}

Status Parser::ParseStatement(Body& out) {
  Next();  // {%
  const Token& tag = Peek();
  if (tag.kind != TokenKind::kName) return Fail(tag, "expected a tag name after '{%'");
  const std::string name = Next().text;
  const SourcePos pos = tag.pos;
  Result<StmtPtr> stmt = Status::Internal("unset");
  if (name == "if") {
    stmt = ParseIf(pos);
  } else if (name == "for") {
    stmt = ParseFor(pos);
  } else if (name == "set") {
    stmt = ParseSet(pos);
  } else if (name == "macro") {
    stmt = ParseMacro(pos);
  } else if (name == "generation") {
    stmt = ParseScope(pos, "endgeneration");
  } else if (name == "break" || name == "continue") {
    if (loop_depth_ == 0) return ErrorAt(pos, StatusCode::kInvalidArgument,
                                         "'" + name + "' outside a for loop");
    auto s = std::make_unique<Stmt>();
    s->kind = name == "break" ? StmtKind::kBreak : StmtKind::kContinue;
    s->pos = pos;
    DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
    stmt = std::move(s);
  } else {
    for (std::string_view unsupported : kUnsupportedTags) {
      if (name == unsupported) {
        return ErrorAt(pos, StatusCode::kUnsupported, "tag '" + name + "' is not supported");
      }
    }
    return ErrorAt(pos, StatusCode::kInvalidArgument, "unknown tag '" + name + "'");
  }
  if (!stmt.ok()) return stmt.status();
  out.push_back(std::move(stmt).value());
  return Status::OK();
}

Result<StmtPtr> Parser::ParseIf(SourcePos pos) {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kIf;
  stmt->pos = pos;
  while (true) {
    DOKJA_ASSIGN_OR_RETURN(ExprPtr cond, ParseExpression());
    stmt->conditions.push_back(std::move(cond));
    DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
    DOKJA_ASSIGN_OR_RETURN(Body body, ParseBody({"elif", "else", "endif"}));
    stmt->bodies.push_back(std::move(body));
    const std::string tag = Next().text;
    if (tag == "elif") continue;
    DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
    if (tag == "endif") return stmt;
    DOKJA_ASSIGN_OR_RETURN(Body else_body, ParseBody({"endif"}));
    stmt->bodies.push_back(std::move(else_body));
    Next();
    DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
    return stmt;
  }
}

Result<StmtPtr> Parser::ParseFor(SourcePos pos) {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kFor;
  stmt->pos = pos;
  const bool parenthesized = SkipOp("(");
  do {
    DOKJA_ASSIGN_OR_RETURN(std::string target, ExpectName());
    stmt->targets.push_back(std::move(target));
  } while (SkipOp(","));
  if (parenthesized) DOKJA_RETURN_IF_ERROR(ExpectOp(")"));
  if (!SkipName("in")) return Fail(Peek(), "expected 'in' in for loop, found " + Describe(Peek()));
  // No ternary here: a trailing `if` filters the loop, as in jinja2.
  DOKJA_ASSIGN_OR_RETURN(stmt->expr, ParseOr());
  if (SkipName("if")) {
    DOKJA_ASSIGN_OR_RETURN(stmt->condition, ParseExpression());
  }
  if (IsName("recursive")) {
    return ErrorAt(Peek().pos, StatusCode::kUnsupported, "recursive for loops are not supported");
  }
  DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
  ++loop_depth_;
  auto body = ParseBody({"else", "endfor"});
  --loop_depth_;
  if (!body.ok()) return body.status();
  stmt->bodies.push_back(std::move(body).value());
  if (Next().text == "else") {
    DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
    DOKJA_ASSIGN_OR_RETURN(Body else_body, ParseBody({"endfor"}));
    stmt->bodies.push_back(std::move(else_body));
    Next();
  }
  DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
  return stmt;
}

Result<StmtPtr> Parser::ParseSet(SourcePos pos) {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kSet;
  stmt->pos = pos;
  DOKJA_ASSIGN_OR_RETURN(std::string first, ExpectName());
  stmt->targets.push_back(std::move(first));
  if (SkipOp(".")) {
    DOKJA_ASSIGN_OR_RETURN(stmt->attr, ExpectName());
  } else {
    while (SkipOp(",")) {
      DOKJA_ASSIGN_OR_RETURN(std::string more, ExpectName());
      stmt->targets.push_back(std::move(more));
    }
  }
  if (Peek().kind == TokenKind::kBlockEnd && stmt->attr.empty() && stmt->targets.size() == 1) {
    Next();
    stmt->kind = StmtKind::kSetBlock;
    DOKJA_ASSIGN_OR_RETURN(Body body, ParseBody({"endset"}));
    stmt->bodies.push_back(std::move(body));
    Next();
    DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
    return stmt;
  }
  DOKJA_RETURN_IF_ERROR(ExpectOp("="));
  DOKJA_ASSIGN_OR_RETURN(stmt->expr, ParseExpression());
  if (IsOp(",")) {  // `set a = x, y` builds a tuple
    auto tuple = std::make_unique<Expr>();
    tuple->kind = ExprKind::kTuple;
    tuple->pos = stmt->expr->pos;
    tuple->children.push_back(std::move(stmt->expr));
    while (SkipOp(",")) {
      DOKJA_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
      tuple->children.push_back(std::move(item));
    }
    stmt->expr = std::move(tuple);
  }
  DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
  return stmt;
}

Result<StmtPtr> Parser::ParseMacro(SourcePos pos) {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kMacro;
  stmt->pos = pos;
  DOKJA_ASSIGN_OR_RETURN(stmt->name, ExpectName());
  DOKJA_RETURN_IF_ERROR(ExpectOp("("));
  while (!IsOp(")")) {
    DOKJA_ASSIGN_OR_RETURN(std::string param, ExpectName());
    stmt->params.push_back(std::move(param));
    ExprPtr default_value;
    if (SkipOp("=")) {
      DOKJA_ASSIGN_OR_RETURN(default_value, ParseExpression());
    }
    stmt->param_defaults.push_back(std::move(default_value));
    if (!SkipOp(",")) break;
  }
  DOKJA_RETURN_IF_ERROR(ExpectOp(")"));
  DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
  const int outer_loop_depth = loop_depth_;
  loop_depth_ = 0;  // break inside a macro cannot leave the caller's loop
  auto body = ParseBody({"endmacro"});
  loop_depth_ = outer_loop_depth;
  if (!body.ok()) return body.status();
  stmt->bodies.push_back(std::move(body).value());
  Next();
  DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
  return stmt;
}

Result<StmtPtr> Parser::ParseScope(SourcePos pos, std::string_view end) {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kScope;
  stmt->pos = pos;
  DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
  DOKJA_ASSIGN_OR_RETURN(Body body, ParseBody({end}));
  stmt->bodies.push_back(std::move(body));
  Next();
  DOKJA_RETURN_IF_ERROR(ExpectBlockEnd());
  return stmt;
}

ExprPtr Parser::MakeBinary(std::string op, ExprPtr lhs, ExprPtr rhs, SourcePos pos) {
  auto node = std::make_unique<Expr>();
  node->kind = ExprKind::kBinary;
  node->pos = pos;
  node->name = std::move(op);
  node->children.push_back(std::move(lhs));
  node->children.push_back(std::move(rhs));
  return node;
}

Result<ExprPtr> Parser::ParseExpression() {
  DepthGuard guard(depth_);
  DOKJA_RETURN_IF_ERROR(CheckDepth());
  const SourcePos pos = Peek().pos;
  DOKJA_ASSIGN_OR_RETURN(ExprPtr expr, ParseOr());
  while (SkipName("if")) {
    auto node = std::make_unique<Expr>();
    node->kind = ExprKind::kCondition;
    node->pos = pos;
    DOKJA_ASSIGN_OR_RETURN(ExprPtr cond, ParseOr());
    ExprPtr otherwise;
    if (SkipName("else")) {
      DOKJA_ASSIGN_OR_RETURN(otherwise, ParseExpression());
    }
    node->children.push_back(std::move(expr));
    node->children.push_back(std::move(cond));
    node->children.push_back(std::move(otherwise));
    expr = std::move(node);
  }
  return expr;
}

Result<ExprPtr> Parser::ParseOr() {
  DOKJA_ASSIGN_OR_RETURN(ExprPtr lhs, ParseAnd());
  while (IsName("or")) {
    const SourcePos pos = Next().pos;
    DOKJA_ASSIGN_OR_RETURN(ExprPtr rhs, ParseAnd());
    lhs = MakeBinary("or", std::move(lhs), std::move(rhs), pos);
  }
  return lhs;
}

Result<ExprPtr> Parser::ParseAnd() {
  DOKJA_ASSIGN_OR_RETURN(ExprPtr lhs, ParseNot());
  while (IsName("and")) {
    const SourcePos pos = Next().pos;
    DOKJA_ASSIGN_OR_RETURN(ExprPtr rhs, ParseNot());
    lhs = MakeBinary("and", std::move(lhs), std::move(rhs), pos);
  }
  return lhs;
}

Result<ExprPtr> Parser::ParseNot() {
  if (!IsName("not")) return ParseCompare();
  DepthGuard guard(depth_);
  DOKJA_RETURN_IF_ERROR(CheckDepth());
  auto node = std::make_unique<Expr>();
  node->kind = ExprKind::kUnary;
  node->pos = Next().pos;
  node->name = "not";
  DOKJA_ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
  node->children.push_back(std::move(operand));
  return node;
}

Result<ExprPtr> Parser::ParseCompare() {
  const SourcePos pos = Peek().pos;
  DOKJA_ASSIGN_OR_RETURN(ExprPtr first, ParseMath1());
  auto node = std::make_unique<Expr>();
  node->kind = ExprKind::kCompare;
  node->pos = pos;
  node->children.push_back(std::move(first));
  while (true) {
    std::string op;
    const Token& t = Peek();
    if (t.kind == TokenKind::kOperator &&
        (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == "<=" || t.text == ">" ||
         t.text == ">=")) {
      op = Next().text;
    } else if (IsName("in")) {
      Next();
      op = "in";
    } else if (IsName("not") && IsName("in", 1)) {
      Next();
      Next();
      op = "not in";
    } else {
      break;
    }
    DOKJA_ASSIGN_OR_RETURN(ExprPtr rhs, ParseMath1());
    node->ops.push_back(std::move(op));
    node->children.push_back(std::move(rhs));
  }
  if (node->ops.empty()) return std::move(node->children[0]);
  return node;
}

Result<ExprPtr> Parser::ParseMath1() {
  DOKJA_ASSIGN_OR_RETURN(ExprPtr lhs, ParseConcat());
  while (IsOp("+") || IsOp("-")) {
    const Token& op = Next();
    DOKJA_ASSIGN_OR_RETURN(ExprPtr rhs, ParseConcat());
    lhs = MakeBinary(op.text, std::move(lhs), std::move(rhs), op.pos);
  }
  return lhs;
}

Result<ExprPtr> Parser::ParseConcat() {
  DOKJA_ASSIGN_OR_RETURN(ExprPtr lhs, ParseMath2());
  while (IsOp("~")) {
    const SourcePos pos = Next().pos;
    DOKJA_ASSIGN_OR_RETURN(ExprPtr rhs, ParseMath2());
    lhs = MakeBinary("~", std::move(lhs), std::move(rhs), pos);
  }
  return lhs;
}

Result<ExprPtr> Parser::ParseMath2() {
  DOKJA_ASSIGN_OR_RETURN(ExprPtr lhs, ParsePow());
  while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
    const Token& op = Next();
    DOKJA_ASSIGN_OR_RETURN(ExprPtr rhs, ParsePow());
    lhs = MakeBinary(op.text, std::move(lhs), std::move(rhs), op.pos);
  }
  return lhs;
}

Result<ExprPtr> Parser::ParsePow() {
  DOKJA_ASSIGN_OR_RETURN(ExprPtr lhs, ParseUnary(true));
  while (IsOp("**")) {
    const SourcePos pos = Next().pos;
    DOKJA_ASSIGN_OR_RETURN(ExprPtr rhs, ParseUnary(true));
    lhs = MakeBinary("**", std::move(lhs), std::move(rhs), pos);
  }
  return lhs;
}

Result<ExprPtr> Parser::ParseUnary(bool with_filter) {
  DepthGuard guard(depth_);
  DOKJA_RETURN_IF_ERROR(CheckDepth());
  ExprPtr node;
  if (IsOp("-") || IsOp("+")) {
    node = std::make_unique<Expr>();
    node->kind = ExprKind::kUnary;
    node->pos = Peek().pos;
    node->name = Next().text;
    DOKJA_ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary(false));
    node->children.push_back(std::move(operand));
  } else {
    DOKJA_ASSIGN_OR_RETURN(node, ParsePrimary());
  }
  DOKJA_ASSIGN_OR_RETURN(node, ParsePostfix(std::move(node)));
  if (with_filter) {
    DOKJA_ASSIGN_OR_RETURN(node, ParseFilterExpr(std::move(node)));
  }
  return node;
}

Result<ExprPtr> Parser::ParsePrimary() {
  const Token& t = Peek();
  auto node = std::make_unique<Expr>();
  node->pos = t.pos;
  switch (t.kind) {
    case TokenKind::kName: {
      const std::string& n = Next().text;
      if (n == "true" || n == "True" || n == "false" || n == "False") {
        node->literal = Value::Bool(n[0] == 't' || n[0] == 'T');
      } else if (n == "none" || n == "None") {
        node->literal = Value::None();
      } else {
        node->kind = ExprKind::kName;
        node->name = n;
      }
      return node;
    }
    case TokenKind::kString: {
      std::string s;
      while (Peek().kind == TokenKind::kString) s += Next().text;  // "a" "b" joins
      node->literal = Value::String(std::move(s));
      return node;
    }
    case TokenKind::kInt:
      node->literal = Value::Int(Next().int_value);
      return node;
    case TokenKind::kFloat:
      node->literal = Value::Float(Next().float_value);
      return node;
    default:
      break;
  }
  if (SkipOp("(")) return ParseSequence(t.pos, ")", ExprKind::kTuple);
  if (SkipOp("[")) return ParseSequence(t.pos, "]", ExprKind::kList);
  if (SkipOp("{")) return ParseDict(t.pos);
  return Fail(t, "unexpected " + Describe(t) + " in expression");
}

// After "(" or "[": items up to `close`. "(x)" is just x; "(x,)" and "()" are tuples.
Result<ExprPtr> Parser::ParseSequence(SourcePos pos, std::string_view close, ExprKind kind) {
  auto node = std::make_unique<Expr>();
  node->kind = kind;
  node->pos = pos;
  bool saw_comma = false;
  while (!IsOp(close)) {
    DOKJA_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
    node->children.push_back(std::move(item));
    if (!SkipOp(",")) break;
    saw_comma = true;
  }
  DOKJA_RETURN_IF_ERROR(ExpectOp(close));
  if (close == ")" && node->children.size() == 1 && !saw_comma) {
    return std::move(node->children[0]);
  }
  return node;
}

Result<ExprPtr> Parser::ParseDict(SourcePos pos) {
  auto node = std::make_unique<Expr>();
  node->kind = ExprKind::kDict;
  node->pos = pos;
  while (!IsOp("}")) {
    DOKJA_ASSIGN_OR_RETURN(ExprPtr key, ParseExpression());
    DOKJA_RETURN_IF_ERROR(ExpectOp(":"));
    DOKJA_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
    node->children.push_back(std::move(key));
    node->children.push_back(std::move(value));
    if (!SkipOp(",")) break;
  }
  DOKJA_RETURN_IF_ERROR(ExpectOp("}"));
  return node;
}

Result<ExprPtr> Parser::ParsePostfix(ExprPtr node) {
  while (true) {
    if (IsOp(".")) {
      const SourcePos pos = Next().pos;
      auto attr = std::make_unique<Expr>();
      attr->pos = pos;
      if (Peek().kind == TokenKind::kInt) {  // x.0 is x[0]
        attr->kind = ExprKind::kGetItem;
        auto index = std::make_unique<Expr>();
        index->literal = Value::Int(Next().int_value);
        attr->children.push_back(std::move(node));
        attr->children.push_back(std::move(index));
      } else {
        attr->kind = ExprKind::kGetAttr;
        DOKJA_ASSIGN_OR_RETURN(attr->name, ExpectName());
        attr->children.push_back(std::move(node));
      }
      node = std::move(attr);
    } else if (IsOp("[")) {
      DOKJA_ASSIGN_OR_RETURN(node, ParseSubscript(std::move(node)));
    } else if (IsOp("(")) {
      DOKJA_ASSIGN_OR_RETURN(node, ParseCall(std::move(node)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::ParseCall(ExprPtr callee) {
  auto call = std::make_unique<Expr>();
  call->kind = ExprKind::kCall;
  call->pos = callee->pos;  // report calls where the callee starts
  Next();                   // (
  call->children.push_back(std::move(callee));
  DOKJA_RETURN_IF_ERROR(ParseCallArgs(*call));
  return call;
}

Result<ExprPtr> Parser::ParseSubscript(ExprPtr node) {
  const SourcePos pos = Next().pos;  // [
  auto sub = std::make_unique<Expr>();
  sub->pos = pos;
  sub->children.push_back(std::move(node));
  std::vector<ExprPtr> parts(1);
  bool is_slice = false;
  while (!IsOp("]")) {
    if (SkipOp(":")) {
      is_slice = true;
      if (parts.size() == 3) return Fail(Peek(), "a slice takes at most three parts");
      parts.emplace_back();
      continue;
    }
    if (parts.back() != nullptr) return Fail(Peek(), "expected ':' or ']' in subscript");
    DOKJA_ASSIGN_OR_RETURN(parts.back(), ParseExpression());
  }
  DOKJA_RETURN_IF_ERROR(ExpectOp("]"));
  if (!is_slice) {
    if (parts[0] == nullptr) return ErrorAt(pos, StatusCode::kInvalidArgument, "empty subscript");
    sub->kind = ExprKind::kGetItem;
    sub->children.push_back(std::move(parts[0]));
    return sub;
  }
  sub->kind = ExprKind::kSlice;
  parts.resize(3);
  for (ExprPtr& part : parts) sub->children.push_back(std::move(part));
  return sub;
}

Result<ExprPtr> Parser::ParseFilterExpr(ExprPtr node) {
  while (true) {
    if (IsOp("|")) {
      DOKJA_ASSIGN_OR_RETURN(node, ParseFilter(std::move(node)));
    } else if (IsName("is")) {
      DOKJA_ASSIGN_OR_RETURN(node, ParseTest(std::move(node)));
    } else if (IsOp("(")) {
      DOKJA_ASSIGN_OR_RETURN(node, ParseCall(std::move(node)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::ParseFilter(ExprPtr node) {
  Next();  // |
  const Token& name_token = Peek();
  DOKJA_ASSIGN_OR_RETURN(std::string name, ExpectName());
  if (!IsKnownFilter(name)) return Fail(name_token, "unknown filter '" + name + "'");
  auto filter = std::make_unique<Expr>();
  filter->kind = ExprKind::kFilter;
  filter->pos = name_token.pos;
  filter->name = std::move(name);
  filter->children.push_back(std::move(node));
  if (SkipOp("(")) DOKJA_RETURN_IF_ERROR(ParseCallArgs(*filter));
  return filter;
}

Result<ExprPtr> Parser::ParseTest(ExprPtr node) {
  Next();  // is
  auto test = std::make_unique<Expr>();
  test->kind = ExprKind::kTest;
  test->negated = SkipName("not");
  const Token& name_token = Peek();
  test->pos = name_token.pos;
  DOKJA_ASSIGN_OR_RETURN(test->name, ExpectName());
  if (!IsKnownTest(test->name)) return Fail(name_token, "unknown test '" + test->name + "'");
  test->children.push_back(std::move(node));
  if (SkipOp("(")) {
    DOKJA_RETURN_IF_ERROR(ParseCallArgs(*test));
    return test;
  }
  // jinja2 allows one bare argument: `x is divisibleby 3`, `x is sameas none`.
  const Token& t = Peek();
  const bool starts_arg =
      t.kind == TokenKind::kString || t.kind == TokenKind::kInt || t.kind == TokenKind::kFloat ||
      IsOp("[") || IsOp("{") ||
      (t.kind == TokenKind::kName && t.text != "else" && t.text != "or" && t.text != "and" &&
       t.text != "if" && t.text != "is" && t.text != "not" && t.text != "in");
  if (starts_arg) {
    DOKJA_ASSIGN_OR_RETURN(ExprPtr arg, ParsePrimary());
    DOKJA_ASSIGN_OR_RETURN(arg, ParsePostfix(std::move(arg)));
    test->children.push_back(std::move(arg));
  }
  return test;
}

// After "(": positional then keyword arguments up to ")".
Status Parser::ParseCallArgs(Expr& call) {
  while (!IsOp(")")) {
    if (Peek().kind == TokenKind::kName && IsOp("=", 1)) {
      std::string key = Next().text;
      Next();  // =
      DOKJA_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
      call.kwargs.emplace_back(std::move(key), std::move(value));
    } else {
      if (!call.kwargs.empty()) {
        return Fail(Peek(), "positional argument after keyword argument");
      }
      DOKJA_ASSIGN_OR_RETURN(ExprPtr arg, ParseExpression());
      call.children.push_back(std::move(arg));
    }
    if (!SkipOp(",")) break;
  }
  return ExpectOp(")");
}

}  // namespace

Result<Body> Parse(std::vector<Token> tokens) {
  if (tokens.empty() || tokens.back().kind != TokenKind::kEof) {
    return Status::Internal("Parse: token stream does not end with kEof");
  }
  Parser parser(std::move(tokens));
  return parser.ParseTemplate();
}

}  // namespace dokja::text::jinja
