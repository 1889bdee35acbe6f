// AST: what the parser builds and the evaluator walks.
//
// Nodes are "fat": one struct per family (Expr, Stmt) with a kind and the
// fields that kind uses, documented beside each kind. The tree owns its
// children through unique_ptr; a parsed template never changes.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "text/chat/internal/source_pos.h"
#include "text/chat/internal/value.h"

namespace dokja::text::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind : uint8_t {
  kLiteral,    // literal
  kName,       // name
  kList,       // children: items
  kTuple,      // children: items
  kDict,       // children: key0, value0, key1, value1, ...
  kUnary,      // name: "not", "-", "+"; children[0]
  kBinary,     // name: operator ("+", "and", "~", "in", ...); children[0], children[1]
  kCompare,    // children[0] ops[0] children[1] ops[1] ... (chained, like Python)
  kCondition,  // children: value_if_true, condition, value_if_false (may be null)
  kGetAttr,    // children[0].name
  kGetItem,    // children[0][children[1]]
  kSlice,      // children[0][children[1]:children[2]:children[3]], any bound may be null
  kCall,       // children[0](children[1..], kwargs)
  kFilter,     // children[0] | name(children[1..], kwargs)
  kTest,       // children[0] is [not] name(children[1..]); negated
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  SourcePos pos;
  Value literal;
  std::string name;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
  bool negated = false;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class StmtKind : uint8_t {
  kText,      // text
  kOutput,    // {{ expr }}
  kIf,        // conditions[i] guards bodies[i]; an extra body is the else branch
  kFor,       // for targets in expr [if condition]: bodies[0]; bodies[1] is the else branch
  kSet,       // set targets = expr, or set targets[0].attr = expr (namespace)
  kSetBlock,  // {% set targets[0] %}bodies[0]{% endset %}
  kMacro,     // macro name(params = param_defaults): bodies[0]
  kBreak,
  kContinue,
  kScope,     // bodies[0], rendered in place (e.g. HF's {% generation %})
};

struct Stmt {
  StmtKind kind = StmtKind::kText;
  SourcePos pos;
  std::string text;
  ExprPtr expr;
  ExprPtr condition;
  std::vector<ExprPtr> conditions;
  std::vector<Body> bodies;
  std::vector<std::string> targets;
  // kSet on a namespace: the attribute after the dot; empty otherwise.
  std::string attr;
  std::string name;
  std::vector<std::string> params;
  std::vector<ExprPtr> param_defaults;  // parallel to params; null when none
};

}  // namespace dokja::text::jinja
