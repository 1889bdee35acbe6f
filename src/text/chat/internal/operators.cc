#include "text/chat/internal/operators.h"

#include <cmath>
#include <string>

#include "text/chat/internal/utf8.h"

namespace dokja::text::jinja {
namespace {

Status TypeError(std::string_view op, const Value& a, const Value& b) {
  return Status::InvalidArgument("unsupported operand type(s) for " + std::string(op) + ": '" +
                                 std::string(PyTypeName(a)) + "' and '" +
                                 std::string(PyTypeName(b)) + "'");
}

Status TooLarge(uint64_t max_bytes) {
  return Status::InvalidArgument("result would exceed the " + std::to_string(max_bytes) +
                                 "-byte limit");
}

// Python floor division and modulo on ints; REQUIRES: b != 0.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
int64_t FloorMod(int64_t a, int64_t b) {
  int64_t m = a % b;
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

Result<Value> IntPow(int64_t base, int64_t exp) {
  if (exp < 0) return Value::Float(std::pow(static_cast<double>(base), static_cast<double>(exp)));
  int64_t result = 1;
  for (int64_t i = 0; i < exp; ++i) {
    if (__builtin_mul_overflow(result, base, &result)) {
      return Status::Unsupported("integer power overflows 64 bits");
    }
    if (result == 0 || result == 1) break;
  }
  return Value::Int(result);
}

Result<Value> IntArithmetic(std::string_view op, int64_t a, int64_t b) {
  int64_t r = 0;
  bool overflow = false;
  if (op == "+") {
    overflow = __builtin_add_overflow(a, b, &r);
  } else if (op == "-") {
    overflow = __builtin_sub_overflow(a, b, &r);
  } else if (op == "*") {
    overflow = __builtin_mul_overflow(a, b, &r);
  } else if (op == "**") {
    return IntPow(a, b);
  } else if (b == 0) {
    return Status::InvalidArgument(op == "%" ? "integer modulo by zero" : "division by zero");
  } else if (op == "/") {
    return Value::Float(static_cast<double>(a) / static_cast<double>(b));
  } else if (op == "//") {
    if (a == INT64_MIN && b == -1) return Status::Unsupported("integer division overflows");
    r = FloorDiv(a, b);
  } else {
    if (b == -1) return Value::Int(0);
    r = FloorMod(a, b);
  }
  if (overflow) return Status::Unsupported("integer arithmetic overflows 64 bits");
  return Value::Int(r);
}

Result<Value> FloatArithmetic(std::string_view op, double a, double b) {
  if (op == "+") return Value::Float(a + b);
  if (op == "-") return Value::Float(a - b);
  if (op == "*") return Value::Float(a * b);
  if (op == "**") return Value::Float(std::pow(a, b));
  if (b == 0) return Status::InvalidArgument("float division by zero");
  if (op == "/") return Value::Float(a / b);
  if (op == "//") return Value::Float(std::floor(a / b));
  double m = std::fmod(a, b);
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return Value::Float(m);
}

// seq * n for a str or list; n <= 0 gives an empty sequence.
Result<Value> Repeat(const Value& seq, int64_t n, uint64_t max_bytes) {
  if (n <= 0) return seq.is_string() ? Value::String("") : Value::List({});
  const uint64_t unit = seq.is_string() ? seq.as_string().size() : seq.Stats().weight;
  if (unit != 0 && static_cast<uint64_t>(n) > max_bytes / unit) return TooLarge(max_bytes);
  if (seq.is_string()) {
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += seq.as_string();
    return Value::String(std::move(out));
  }
  ValueList out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.as_list().begin(), seq.as_list().end());
  return Value::List(std::move(out));
}

}  // namespace

std::string_view PyTypeName(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return "Undefined";
    case Value::Kind::kNone: return "NoneType";
    case Value::Kind::kBool: return "bool";
    case Value::Kind::kInt: return "int";
    case Value::Kind::kFloat: return "float";
    case Value::Kind::kString: return "str";
    case Value::Kind::kList: return v.is_tuple() ? "tuple" : "list";
    case Value::Kind::kDict: return v.is_namespace() ? "Namespace" : "dict";
    case Value::Kind::kMacro: return "Macro";
  }
  return "object";
}

Status UndefinedError(const Value& v) {
  return Status::InvalidArgument(v.undefined_hint().empty() ? "value is undefined"
                                                            : v.undefined_hint());
}

Result<Value> Arithmetic(std::string_view op, const Value& a, const Value& b, uint64_t max_bytes) {
  if (a.is_undefined()) return UndefinedError(a);
  if (b.is_undefined()) return UndefinedError(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float() || (op == "**" && b.as_int() < 0)) {
      return FloatArithmetic(op, a.as_float(), b.as_float());
    }
    return IntArithmetic(op, a.as_int(), b.as_int());
  }
  if (op == "+" && a.kind() == b.kind() && (a.is_string() || a.is_list())) {
    if (a.is_string()) {
      if (a.as_string().size() + b.as_string().size() > max_bytes) return TooLarge(max_bytes);
      return Value::String(a.as_string() + b.as_string());
    }
    if (a.Stats().weight + b.Stats().weight > max_bytes) return TooLarge(max_bytes);
    ValueList out = a.as_list();
    out.insert(out.end(), b.as_list().begin(), b.as_list().end());
    return Value::List(std::move(out));
  }
  if (op == "*") {
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) {
      return Repeat(a, b.as_int(), max_bytes);
    }
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) {
      return Repeat(b, a.as_int(), max_bytes);
    }
  }
  if (op == "%" && a.is_string()) {
    return Status::Unsupported("printf-style '%' formatting of strings is not supported");
  }
  return TypeError(op, a, b);
}

Result<int> Order(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.as_float(), y = b.as_float();
    if (!a.is_float() && !b.is_float()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_list() && b.is_list()) {
    const ValueList& x = a.as_list();
    const ValueList& y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (Equals(x[i], y[i])) continue;
      return Order(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.is_undefined()) return UndefinedError(a);
  if (b.is_undefined()) return UndefinedError(b);
  return Status::InvalidArgument("'<' not supported between instances of '" +
                                 std::string(PyTypeName(a)) + "' and '" +
                                 std::string(PyTypeName(b)) + "'");
}

Result<bool> Compare(std::string_view op, const Value& a, const Value& b) {
  if (op == "==") return Equals(a, b);
  if (op == "!=") return !Equals(a, b);
  if (op == "in") return Contains(b, a);
  if (op == "not in") {
    DOKJA_ASSIGN_OR_RETURN(bool in, Contains(b, a));
    return !in;
  }
  DOKJA_ASSIGN_OR_RETURN(int order, Order(a, b));
  if (op == "<") return order < 0;
  if (op == "<=") return order <= 0;
  if (op == ">") return order > 0;
  return order >= 0;
}

Result<bool> Contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string()) {
      return Status::InvalidArgument("'in <string>' requires string as left operand, not " +
                                     std::string(PyTypeName(item)));
    }
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_list()) {
    for (const Value& v : container.as_list()) {
      if (Equals(v, item)) return true;
    }
    return false;
  }
  if (container.is_dict()) {
    return item.is_string() && container.as_dict().Find(item.as_string()) != nullptr;
  }
  if (container.is_undefined()) return UndefinedError(container);
  return Status::InvalidArgument("argument of type '" + std::string(PyTypeName(container)) +
                                 "' is not iterable");
}

Result<Value> GetItem(const Value& obj, const Value& key) {
  if (obj.is_undefined()) return UndefinedError(obj);
  if (obj.is_dict() && key.is_string()) {
    if (const Value* v = obj.as_dict().Find(key.as_string())) return *v;
  }
  if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    const bool is_list = obj.is_list();
    std::u32string chars = is_list ? std::u32string() : DecodeUtf8(obj.as_string());
    const auto size = static_cast<int64_t>(is_list ? obj.as_list().size() : chars.size());
    int64_t index = key.as_int();
    if (index < 0) index += size;
    if (index >= 0 && index < size) {
      if (is_list) return obj.as_list()[static_cast<size_t>(index)];
      return Value::String(EncodeUtf8(std::u32string_view(chars).substr(index, 1)));
    }
  }
  if (key.is_string()) return GetAttr(obj, key.as_string());
  return Value::Undefined(std::string("'") + std::string(obj.TypeName()) +
                          "' has no attribute '" + key.Str() + "'");
}

Result<Value> GetAttr(const Value& obj, std::string_view name) {
  if (obj.is_undefined()) return UndefinedError(obj);
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().Find(name)) return *v;
  }
  return Value::Undefined("'" + std::string(obj.TypeName()) + "' has no attribute '" +
                          std::string(name) + "'");
}

namespace {

// Python's slice.indices(): clamps bounds for a sequence of `size` items.
Status SliceIndices(int64_t size, const Value& start, const Value& stop, const Value& step,
                    int64_t& lo, int64_t& hi, int64_t& by) {
  for (const Value* v : {&start, &stop, &step}) {
    if (!v->is_none() && !v->is_undefined() && !v->is_int() && !v->is_bool()) {
      return Status::InvalidArgument("slice indices must be integers or None");
    }
  }
  by = step.is_int() || step.is_bool() ? step.as_int() : 1;
  if (by == 0) return Status::InvalidArgument("slice step cannot be zero");
  const bool back = by < 0;
  auto clamp = [&](const Value& v, int64_t fallback) {
    if (!v.is_int() && !v.is_bool()) return fallback;
    int64_t i = v.as_int();
    if (i < 0) i += size;
    if (i < 0) return back ? int64_t{-1} : int64_t{0};
    if (i >= size) return back ? size - 1 : size;
    return i;
  };
  lo = clamp(start, back ? size - 1 : 0);
  hi = clamp(stop, back ? -1 : size);
  return Status::OK();
}

}  // namespace

Result<Value> Slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  if (obj.is_undefined()) return UndefinedError(obj);
  if (!obj.is_list() && !obj.is_string()) {
    return Status::InvalidArgument("'" + std::string(PyTypeName(obj)) +
                                   "' object is not subscriptable");
  }
  const std::u32string chars = obj.is_string() ? DecodeUtf8(obj.as_string()) : std::u32string();
  const auto size = static_cast<int64_t>(obj.is_list() ? obj.as_list().size() : chars.size());
  int64_t lo = 0, hi = 0, by = 1;
  DOKJA_RETURN_IF_ERROR(SliceIndices(size, start, stop, step, lo, hi, by));
  ValueList items;
  std::u32string picked;
  for (int64_t i = lo; by > 0 ? i < hi : i > hi; i += by) {
    if (obj.is_list()) {
      items.push_back(obj.as_list()[static_cast<size_t>(i)]);
    } else {
      picked.push_back(chars[static_cast<size_t>(i)]);
    }
  }
  if (obj.is_string()) return Value::String(EncodeUtf8(picked));
  if (obj.is_tuple()) return Value::Tuple(std::move(items));
  return Value::List(std::move(items));
}

Result<ValueList> Iterate(const Value& v, uint64_t max_bytes) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return ValueList{};
    case Value::Kind::kList:
      return v.as_list();
    case Value::Kind::kDict: {
      ValueList keys;
      for (const auto& entry : v.as_dict().entries()) keys.push_back(Value::String(entry.first));
      return keys;
    }
    case Value::Kind::kString: {
      if (v.as_string().size() > max_bytes / sizeof(Value)) return TooLarge(max_bytes);
      ValueList chars;
      for (char32_t cp : DecodeUtf8(v.as_string())) {
        std::string s;
        AppendUtf8(cp, s);
        chars.push_back(Value::String(std::move(s)));
      }
      return chars;
    }
    default:
      return Status::InvalidArgument("'" + std::string(PyTypeName(v)) +
                                     "' object is not iterable");
  }
}

}  // namespace dokja::text::jinja
