#include "text/chat/internal/evaluator.h"

#include <algorithm>
#include <vector>

#include "text/chat/internal/operators.h"

namespace dokja::text::jinja {
namespace {

// Bytes of string or list processing that count as one step of work.
constexpr uint64_t kBytesPerStep = 4096;

// How a statement list finished: normally, or by {% break %} / {% continue %}.
enum class Flow { kNormal, kBreak, kContinue };

// Gives a position-less Status from operators and builtins its template position.
Status Locate(SourcePos pos, const Status& status) {
  return ErrorAt(pos, status.code(), status.message());
}

template <typename T>
Result<T> At(SourcePos pos, Result<T> result) {
  if (result.ok()) return result;
  return Locate(pos, result.status());
}

class Evaluator {
 public:
  Evaluator(ValueDict context, const BuiltinContext& builtins, const RenderLimits& limits)
      : builtins_(builtins), limits_(limits) {
    builtins_.max_result_bytes = limits.max_output_bytes;
    frames_.emplace_back();
    for (const auto& [key, value] : context.entries()) frames_[0].emplace_back(key, value);
  }

  Result<std::string> Run(const Body& body) {
    std::string out;
    DOKJA_ASSIGN_OR_RETURN(Flow flow, ExecBody(body, out));
    (void)flow;  // the parser rejects break/continue outside loops
    return out;
  }

 private:
  // A scope's names; small, so a flat vector beats a hash map here.
  using Frame = std::vector<std::pair<std::string, Value>>;
  static Value* Find(Frame& frame, std::string_view name);
  static const Value* Find(const Frame& frame, std::string_view name);

  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  };
  Status CheckDepth(SourcePos pos) const;
  // Counts work against max_steps: one step per loop iteration or macro
  // call, plus one per kBytesPerStep of strings and lists an operation reads
  // or builds, so quadratic string building in a loop stops early.
  Status CountStep(SourcePos pos) { return Charge(pos, 1, 0); }
  Status Charge(SourcePos pos, uint64_t steps, uint64_t bytes);
  Status ChargeValues(SourcePos pos, const Value& a, const Value& b) {
    return Charge(pos, 0, Cost(a) + Cost(b));
  }
  static uint64_t Cost(const Value& v) {
    return v.is_string() || v.is_list() || v.is_dict() ? v.Stats().weight : 0;
  }
  Status Append(SourcePos pos, std::string& out, std::string_view text) const;

  Value Lookup(const std::string& name) const;
  void Assign(const std::string& name, Value value);
  // Fails for values too large or deep, or holding a namespace (see ValueStats).
  Status CheckValue(SourcePos pos, const Value& v) const;
  Status AssignTargets(const Stmt& stmt, const std::vector<std::string>& targets, Value value);

  Result<Flow> ExecBody(const Body& body, std::string& out);
  Result<Flow> ExecStmt(const Stmt& stmt, std::string& out);
  Result<Flow> ExecIf(const Stmt& stmt, std::string& out);
  Result<Flow> ExecFor(const Stmt& stmt, std::string& out);
  Result<ValueList> LoopItems(const Stmt& stmt);
  Status ExecSet(const Stmt& stmt);

  Result<Value> Eval(const Expr& expr);
  // Eval without the depth and value checks.
  Result<Value> EvalChecked(const Expr& expr);
  Result<Value> EvalUnary(const Expr& expr);
  Result<Value> EvalBinary(const Expr& expr);
  Result<Value> EvalCompare(const Expr& expr);
  Result<Value> EvalDict(const Expr& expr);
  Result<Value> EvalSlice(const Expr& expr);
  Result<CallArgs> EvalArgs(const Expr& expr, size_t first_positional);
  Result<Value> EvalCall(const Expr& expr);
  Result<Value> CallMacro(const Stmt& macro, const CallArgs& args, SourcePos pos);

  BuiltinContext builtins_;
  RenderLimits limits_;
  std::vector<Frame> frames_;  // frames_[0] holds the context and top-level sets
  // Lookups search frames_[scope_base_..] and then frames_[0]; a macro call
  // raises the base so the caller's loop frames stay invisible.
  size_t scope_base_ = 0;
  int depth_ = 0;
  uint64_t steps_ = 0;
  uint64_t work_bytes_ = 0;  // bytes of strings and lists processed
};

Status Evaluator::CheckDepth(SourcePos pos) const {
  if (depth_ <= limits_.max_depth) return Status::OK();
  return ErrorAt(pos, StatusCode::kInvalidArgument,
                 "render recursed deeper than " + std::to_string(limits_.max_depth) + " levels");
}

Status Evaluator::Charge(SourcePos pos, uint64_t steps, uint64_t bytes) {
  steps_ += steps;
  work_bytes_ += bytes;
  if (steps_ + work_bytes_ / kBytesPerStep <= limits_.max_steps) return Status::OK();
  return ErrorAt(pos, StatusCode::kInvalidArgument,
                 "render exceeded " + std::to_string(limits_.max_steps) +
                     " steps of work (loop iterations, macro calls and data processed)");
}

Status Evaluator::Append(SourcePos pos, std::string& out, std::string_view text) const {
  if (out.size() + text.size() > limits_.max_output_bytes) {
    return ErrorAt(pos, StatusCode::kInvalidArgument,
                   "output exceeds " + std::to_string(limits_.max_output_bytes) + " bytes");
  }
  out.append(text);
  return Status::OK();
}

Value* Evaluator::Find(Frame& frame, std::string_view name) {
  for (auto& [key, value] : frame) {
    if (key == name) return &value;
  }
  return nullptr;
}

const Value* Evaluator::Find(const Frame& frame, std::string_view name) {
  for (const auto& [key, value] : frame) {
    if (key == name) return &value;
  }
  return nullptr;
}

void Evaluator::Assign(const std::string& name, Value value) {
  if (Value* existing = Find(frames_.back(), name)) {
    *existing = std::move(value);
  } else {
    frames_.back().emplace_back(name, std::move(value));
  }
}

Value Evaluator::Lookup(const std::string& name) const {
  for (size_t i = frames_.size(); i-- > std::max<size_t>(scope_base_, 1);) {
    if (const Value* v = Find(frames_[i], name)) return *v;
  }
  if (const Value* v = Find(frames_[0], name)) return *v;
  return Value::Undefined("'" + name + "' is undefined");
}

Status Evaluator::CheckValue(SourcePos pos, const Value& v) const {
  if (!v.is_list() && !v.is_dict() && !v.is_string()) return Status::OK();
  const ValueStats stats = v.Stats();
  if (stats.weight > limits_.max_output_bytes) {
    return ErrorAt(pos, StatusCode::kInvalidArgument,
                   "value of about " + std::to_string(stats.weight) + " bytes exceeds the " +
                       std::to_string(limits_.max_output_bytes) + "-byte limit");
  }
  if (stats.depth > kMaxValueDepth) {
    return ErrorAt(pos, StatusCode::kInvalidArgument,
                   "value nests deeper than " + std::to_string(kMaxValueDepth) + " levels");
  }
  if (stats.contains_namespace) {
    return ErrorAt(pos, StatusCode::kUnsupported,
                   "namespace objects cannot be stored inside lists, dicts or namespaces");
  }
  return Status::OK();
}

Status Evaluator::AssignTargets(const Stmt& stmt, const std::vector<std::string>& targets,
                                Value value) {
  if (targets.size() == 1) {
    Assign(targets[0], std::move(value));
    return Status::OK();
  }
  DOKJA_ASSIGN_OR_RETURN(ValueList items, At(stmt.pos, Iterate(value, limits_.max_output_bytes)));
  if (items.size() != targets.size()) {
    return ErrorAt(stmt.pos, StatusCode::kInvalidArgument,
                   "cannot unpack " + std::to_string(items.size()) + " values into " +
                       std::to_string(targets.size()) + " names");
  }
  for (size_t i = 0; i < targets.size(); ++i) Assign(targets[i], std::move(items[i]));
  return Status::OK();
}

Result<Flow> Evaluator::ExecBody(const Body& body, std::string& out) {
  for (const StmtPtr& stmt : body) {
    DOKJA_ASSIGN_OR_RETURN(Flow flow, ExecStmt(*stmt, out));
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Result<Flow> Evaluator::ExecStmt(const Stmt& stmt, std::string& out) {
  DepthGuard guard(depth_);
  DOKJA_RETURN_IF_ERROR(CheckDepth(stmt.pos));
  switch (stmt.kind) {
    case StmtKind::kText:
      DOKJA_RETURN_IF_ERROR(Append(stmt.pos, out, stmt.text));
      return Flow::kNormal;
    case StmtKind::kOutput: {
      DOKJA_ASSIGN_OR_RETURN(Value v, Eval(*stmt.expr));
      if (v.is_undefined() && limits_.strict_undefined) return Locate(stmt.pos, UndefinedError(v));
      DOKJA_RETURN_IF_ERROR(Append(stmt.pos, out, v.Str()));
      return Flow::kNormal;
    }
    case StmtKind::kIf:
      return ExecIf(stmt, out);
    case StmtKind::kFor:
      return ExecFor(stmt, out);
    case StmtKind::kSet:
      DOKJA_RETURN_IF_ERROR(ExecSet(stmt));
      return Flow::kNormal;
    case StmtKind::kSetBlock: {
      std::string captured;
      DOKJA_ASSIGN_OR_RETURN(Flow flow, ExecBody(stmt.bodies[0], captured));
      Assign(stmt.targets[0], Value::String(std::move(captured)));
      return flow;
    }
    case StmtKind::kMacro:
      Assign(stmt.name, Value::Macro(&stmt));
      return Flow::kNormal;
    case StmtKind::kBreak:
      return Flow::kBreak;
    case StmtKind::kContinue:
      return Flow::kContinue;
    case StmtKind::kScope:
      return ExecBody(stmt.bodies[0], out);
  }
  return Status::Internal("unknown statement kind");
}

Result<Flow> Evaluator::ExecIf(const Stmt& stmt, std::string& out) {
  for (size_t i = 0; i < stmt.conditions.size(); ++i) {
    DOKJA_ASSIGN_OR_RETURN(Value cond, Eval(*stmt.conditions[i]));
    if (cond.Truthy()) return ExecBody(stmt.bodies[i], out);
  }
  if (stmt.bodies.size() > stmt.conditions.size()) return ExecBody(stmt.bodies.back(), out);
  return Flow::kNormal;
}

// The items a for loop visits, after its `if` filter (which sees each item bound).
Result<ValueList> Evaluator::LoopItems(const Stmt& stmt) {
  DOKJA_ASSIGN_OR_RETURN(Value iterable, Eval(*stmt.expr));
  DOKJA_ASSIGN_OR_RETURN(ValueList items,
                         At(stmt.expr->pos, Iterate(iterable, limits_.max_output_bytes)));
  if (stmt.condition == nullptr) return items;
  ValueList kept;
  for (Value& item : items) {
    DOKJA_RETURN_IF_ERROR(CountStep(stmt.pos));
    frames_.emplace_back();
    Status bound = AssignTargets(stmt, stmt.targets, item);
    Result<Value> keep = bound.ok() ? Eval(*stmt.condition) : Result<Value>(bound);
    frames_.pop_back();
    if (!keep.ok()) return keep.status();
    if (keep->Truthy()) kept.push_back(std::move(item));
  }
  return kept;
}

Value LoopInfo(const ValueList& items, size_t i) {
  const auto n = static_cast<int64_t>(items.size());
  const auto index = static_cast<int64_t>(i);
  ValueDict loop;
  loop.Set("index", Value::Int(index + 1));
  loop.Set("index0", Value::Int(index));
  loop.Set("revindex", Value::Int(n - index));
  loop.Set("revindex0", Value::Int(n - index - 1));
  loop.Set("first", Value::Bool(i == 0));
  loop.Set("last", Value::Bool(index == n - 1));
  loop.Set("length", Value::Int(n));
  loop.Set("depth", Value::Int(1));
  loop.Set("depth0", Value::Int(0));
  if (i > 0) loop.Set("previtem", items[i - 1]);
  if (index + 1 < n) loop.Set("nextitem", items[i + 1]);
  return Value::Dict(std::move(loop));
}

Result<Flow> Evaluator::ExecFor(const Stmt& stmt, std::string& out) {
  DOKJA_ASSIGN_OR_RETURN(ValueList items, LoopItems(stmt));
  for (size_t i = 0; i < items.size(); ++i) {
    DOKJA_RETURN_IF_ERROR(CountStep(stmt.pos));
    frames_.emplace_back();
    frames_.back().emplace_back("loop", LoopInfo(items, i));
    Status bound = AssignTargets(stmt, stmt.targets, items[i]);
    Result<Flow> flow = bound.ok() ? ExecBody(stmt.bodies[0], out) : Result<Flow>(bound);
    frames_.pop_back();
    if (!flow.ok()) return flow.status();
    if (*flow == Flow::kBreak) break;
  }
  if (items.empty() && stmt.bodies.size() > 1) return ExecBody(stmt.bodies[1], out);
  return Flow::kNormal;
}

Status Evaluator::ExecSet(const Stmt& stmt) {
  DOKJA_ASSIGN_OR_RETURN(Value value, Eval(*stmt.expr));
  if (stmt.attr.empty()) return AssignTargets(stmt, stmt.targets, std::move(value));
  const Value target = Lookup(stmt.targets[0]);
  if (!target.is_namespace()) {
    return ErrorAt(stmt.pos, StatusCode::kInvalidArgument,
                   "cannot assign attribute on non-namespace object '" + stmt.targets[0] + "'");
  }
  if (value.is_namespace()) {
    return ErrorAt(stmt.pos, StatusCode::kUnsupported,
                   "namespace objects cannot be stored inside lists, dicts or namespaces");
  }
  target.mutable_namespace().Set(stmt.attr, std::move(value));
  return Status::OK();
}

Result<Value> Evaluator::Eval(const Expr& expr) {
  DepthGuard guard(depth_);
  DOKJA_RETURN_IF_ERROR(CheckDepth(expr.pos));
  DOKJA_ASSIGN_OR_RETURN(Value v, EvalChecked(expr));
  DOKJA_RETURN_IF_ERROR(CheckValue(expr.pos, v));
  return v;
}

Result<Value> Evaluator::EvalChecked(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kLiteral:
      return expr.literal;
    case ExprKind::kName:
      return Lookup(expr.name);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      ValueList items;
      for (const ExprPtr& child : expr.children) {
        DOKJA_ASSIGN_OR_RETURN(Value item, Eval(*child));
        items.push_back(std::move(item));
      }
      if (expr.kind == ExprKind::kTuple) return Value::Tuple(std::move(items));
      return Value::List(std::move(items));
    }
    case ExprKind::kDict:
      return EvalDict(expr);
    case ExprKind::kUnary:
      return EvalUnary(expr);
    case ExprKind::kBinary:
      return EvalBinary(expr);
    case ExprKind::kCompare:
      return EvalCompare(expr);
    case ExprKind::kCondition: {
      DOKJA_ASSIGN_OR_RETURN(Value cond, Eval(*expr.children[1]));
      if (cond.Truthy()) return Eval(*expr.children[0]);
      if (expr.children[2] == nullptr) return Value::Undefined("conditional expression had no else");
      return Eval(*expr.children[2]);
    }
    case ExprKind::kGetAttr: {
      DOKJA_ASSIGN_OR_RETURN(Value obj, Eval(*expr.children[0]));
      return At(expr.pos, GetAttr(obj, expr.name));
    }
    case ExprKind::kGetItem: {
      DOKJA_ASSIGN_OR_RETURN(Value obj, Eval(*expr.children[0]));
      DOKJA_ASSIGN_OR_RETURN(Value key, Eval(*expr.children[1]));
      if (obj.is_string()) DOKJA_RETURN_IF_ERROR(ChargeValues(expr.pos, obj, key));
      return At(expr.pos, GetItem(obj, key));
    }
    case ExprKind::kSlice:
      return EvalSlice(expr);
    case ExprKind::kCall:
      return EvalCall(expr);
    case ExprKind::kFilter: {
      DOKJA_ASSIGN_OR_RETURN(Value input, Eval(*expr.children[0]));
      DOKJA_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr, 1));
      DOKJA_ASSIGN_OR_RETURN(Value out, At(expr.pos, ApplyFilter(expr.name, input, args, builtins_)));
      DOKJA_RETURN_IF_ERROR(ChargeValues(expr.pos, input, out));
      return out;
    }
    case ExprKind::kTest: {
      DOKJA_ASSIGN_OR_RETURN(Value input, Eval(*expr.children[0]));
      DOKJA_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr, 1));
      DOKJA_ASSIGN_OR_RETURN(bool passed, At(expr.pos, ApplyTest(expr.name, input, args)));
      return Value::Bool(passed != expr.negated);
    }
  }
  return Status::Internal("unknown expression kind");
}

Result<Value> Evaluator::EvalUnary(const Expr& expr) {
  DOKJA_ASSIGN_OR_RETURN(Value v, Eval(*expr.children[0]));
  if (expr.name == "not") return Value::Bool(!v.Truthy());
  if (v.is_undefined()) return Locate(expr.pos, UndefinedError(v));
  if (!v.is_number()) {
    return ErrorAt(expr.pos, StatusCode::kInvalidArgument,
                   "bad operand type for unary " + expr.name + ": '" +
                       std::string(PyTypeName(v)) + "'");
  }
  if (expr.name == "+") return v.is_bool() ? Value::Int(v.as_int()) : v;
  if (v.is_float()) return Value::Float(-v.as_float());
  return At(expr.pos, Arithmetic("-", Value::Int(0), v, limits_.max_output_bytes));
}

Result<Value> Evaluator::EvalBinary(const Expr& expr) {
  DOKJA_ASSIGN_OR_RETURN(Value lhs, Eval(*expr.children[0]));
  if (expr.name == "and") return lhs.Truthy() ? Eval(*expr.children[1]) : lhs;
  if (expr.name == "or") return lhs.Truthy() ? lhs : Eval(*expr.children[1]);
  DOKJA_ASSIGN_OR_RETURN(Value rhs, Eval(*expr.children[1]));
  DOKJA_RETURN_IF_ERROR(ChargeValues(expr.pos, lhs, rhs));
  if (expr.name == "~") {
    std::string joined = lhs.Str();
    DOKJA_RETURN_IF_ERROR(Append(expr.pos, joined, rhs.Str()));
    return Value::String(std::move(joined));
  }
  return At(expr.pos, Arithmetic(expr.name, lhs, rhs, limits_.max_output_bytes));
}

Result<Value> Evaluator::EvalCompare(const Expr& expr) {
  DOKJA_ASSIGN_OR_RETURN(Value lhs, Eval(*expr.children[0]));
  for (size_t i = 0; i < expr.ops.size(); ++i) {
    DOKJA_ASSIGN_OR_RETURN(Value rhs, Eval(*expr.children[i + 1]));
    DOKJA_RETURN_IF_ERROR(ChargeValues(expr.pos, lhs, rhs));
    DOKJA_ASSIGN_OR_RETURN(bool holds, At(expr.pos, Compare(expr.ops[i], lhs, rhs)));
    if (!holds) return Value::Bool(false);
    lhs = std::move(rhs);
  }
  return Value::Bool(true);
}

Result<Value> Evaluator::EvalDict(const Expr& expr) {
  ValueDict dict;
  for (size_t i = 0; i + 1 < expr.children.size(); i += 2) {
    DOKJA_ASSIGN_OR_RETURN(Value key, Eval(*expr.children[i]));
    if (!key.is_string()) {
      return ErrorAt(expr.children[i]->pos, StatusCode::kUnsupported,
                     "dict keys must be strings, got " + std::string(PyTypeName(key)));
    }
    DOKJA_ASSIGN_OR_RETURN(Value value, Eval(*expr.children[i + 1]));
    dict.Set(key.as_string(), std::move(value));
  }
  return Value::Dict(std::move(dict));
}

Result<Value> Evaluator::EvalSlice(const Expr& expr) {
  DOKJA_ASSIGN_OR_RETURN(Value obj, Eval(*expr.children[0]));
  Value bounds[3] = {Value::None(), Value::None(), Value::None()};
  for (size_t i = 0; i < 3; ++i) {
    if (expr.children[i + 1] != nullptr) {
      DOKJA_ASSIGN_OR_RETURN(bounds[i], Eval(*expr.children[i + 1]));
    }
  }
  DOKJA_RETURN_IF_ERROR(ChargeValues(expr.pos, obj, Value()));
  return At(expr.pos, Slice(obj, bounds[0], bounds[1], bounds[2]));
}

Result<CallArgs> Evaluator::EvalArgs(const Expr& expr, size_t first_positional) {
  CallArgs args;
  for (size_t i = first_positional; i < expr.children.size(); ++i) {
    DOKJA_ASSIGN_OR_RETURN(Value v, Eval(*expr.children[i]));
    args.positional.push_back(std::move(v));
  }
  for (const auto& [key, value_expr] : expr.kwargs) {
    DOKJA_ASSIGN_OR_RETURN(Value v, Eval(*value_expr));
    args.keyword.emplace_back(key, std::move(v));
  }
  return args;
}

Result<Value> Evaluator::EvalCall(const Expr& expr) {
  const Expr& callee = *expr.children[0];
  DOKJA_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr, 1));
  if (callee.kind == ExprKind::kGetAttr) {  // obj.method(...)
    DOKJA_ASSIGN_OR_RETURN(Value obj, Eval(*callee.children[0]));
    if (obj.is_undefined()) return Locate(expr.pos, UndefinedError(obj));
    if (HasMethod(obj, callee.name)) {
      DOKJA_ASSIGN_OR_RETURN(Value out, At(expr.pos, CallMethod(obj, callee.name, args, builtins_)));
      DOKJA_RETURN_IF_ERROR(ChargeValues(expr.pos, obj, out));
      return out;
    }
    DOKJA_ASSIGN_OR_RETURN(Value member, At(expr.pos, GetAttr(obj, callee.name)));
    if (member.is_macro()) return CallMacro(*member.as_macro(), args, expr.pos);
    return ErrorAt(expr.pos, StatusCode::kInvalidArgument,
                   "'" + std::string(obj.TypeName()) + "' has no method '" + callee.name + "'");
  }
  Value fn;
  if (callee.kind == ExprKind::kName) {
    fn = Lookup(callee.name);
    if (fn.is_undefined()) {
      if (callee.name == "raise_exception") {
        const std::string message = args.positional.empty() ? "" : args.positional[0].Str();
        return ErrorAt(expr.pos, StatusCode::kInvalidArgument, "raise_exception: " + message);
      }
      if (IsGlobalFunction(callee.name)) return At(expr.pos, CallGlobal(callee.name, args, builtins_));
      return Locate(expr.pos, UndefinedError(fn));
    }
  } else {
    DOKJA_ASSIGN_OR_RETURN(fn, Eval(callee));
  }
  if (fn.is_macro()) return CallMacro(*fn.as_macro(), args, expr.pos);
  if (fn.is_undefined()) return Locate(expr.pos, UndefinedError(fn));
  return ErrorAt(expr.pos, StatusCode::kInvalidArgument,
                 "'" + std::string(fn.TypeName()) + "' is not callable");
}

Result<Value> Evaluator::CallMacro(const Stmt& macro, const CallArgs& args, SourcePos pos) {
  DOKJA_RETURN_IF_ERROR(CountStep(pos));
  if (args.positional.size() > macro.params.size()) {
    return ErrorAt(pos, StatusCode::kInvalidArgument,
                   "macro '" + macro.name + "' takes " + std::to_string(macro.params.size()) +
                       " argument(s), got " + std::to_string(args.positional.size()));
  }
  const size_t saved_base = scope_base_;
  scope_base_ = frames_.size();
  frames_.emplace_back();
  Status status;
  for (const auto& [key, value] : args.keyword) {
    if (std::find(macro.params.begin(), macro.params.end(), key) == macro.params.end()) {
      status = ErrorAt(pos, StatusCode::kInvalidArgument,
                       "macro '" + macro.name + "' has no parameter '" + key + "'");
    }
  }
  for (size_t i = 0; i < macro.params.size() && status.ok(); ++i) {
    const auto keyword = std::find_if(args.keyword.begin(), args.keyword.end(),
                                      [&](const auto& kv) { return kv.first == macro.params[i]; });
    Value value = Value::Undefined("'" + macro.params[i] + "' is undefined");
    if (i < args.positional.size()) {
      value = args.positional[i];
    } else if (keyword != args.keyword.end()) {
      value = keyword->second;
    } else if (macro.param_defaults[i] != nullptr) {
      Result<Value> v = Eval(*macro.param_defaults[i]);
      if (!v.ok()) status = v.status();
      else value = std::move(v).value();
    }
    Assign(macro.params[i], std::move(value));
  }
  std::string out;
  if (status.ok()) {
    Result<Flow> flow = ExecBody(macro.bodies[0], out);
    if (!flow.ok()) status = flow.status();
  }
  frames_.pop_back();
  scope_base_ = saved_base;
  DOKJA_RETURN_IF_ERROR(status);
  return Value::String(std::move(out));
}

}  // namespace

Result<std::string> Render(const Body& body, ValueDict context, const BuiltinContext& builtins,
                           const RenderLimits& limits) {
  Evaluator evaluator(std::move(context), builtins, limits);
  return evaluator.Run(body);
}

}  // namespace dokja::text::jinja
