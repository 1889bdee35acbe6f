// Value: the dynamic type our Jinja evaluator computes with.
//
// Mirrors the Python objects a chat template sees under jinja2: Undefined,
// None, bool, int, float, str, list and dict (insertion-ordered, string keys),
// plus tuples, namespace() objects and macros. Lists and dicts are shared, like Python
// references; only namespaces are ever mutated after construction.
//
// Thread-safety: a Value is safe to read from many threads as long as nobody
// mutates a namespace it reaches. Renders never share Values across threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace dokja::text::jinja {

class Value;
struct Stmt;

using ValueList = std::vector<Value>;

// An insertion-ordered map from string keys to values (a Python dict).
class ValueDict {
 public:
  // The value under `key`, or nullptr.
  const Value* Find(std::string_view key) const;
  Value* Find(std::string_view key);
  // Inserts or overwrites, keeping the first insertion's position.
  void Set(std::string key, Value value);
  const std::vector<std::pair<std::string, Value>>& entries() const;
  size_t size() const;

 private:
  std::vector<std::pair<std::string, Value>> entries_;
};

// A {% macro %} definition; the Stmt lives in the parsed template.
struct MacroRef {
  const Stmt* stmt = nullptr;
};

// Size facts about a value, so hostile templates cannot build values that
// take unbounded memory or time to print, compare or serialize.
struct ValueStats {
  // Approximate bytes of memory the value holds, children included.
  uint64_t weight = 0;
  // Container nesting: 0 for scalars, 1 for a flat list, ...
  uint32_t depth = 0;
  // Some element (not the value itself) is a namespace. The evaluator
  // forbids this, so namespaces (the only mutable values) are never shared
  // inside other values and the cached stats of lists and dicts stay exact.
  bool contains_namespace = false;
};

// Deepest container nesting the evaluator lets a template build.
inline constexpr uint32_t kMaxValueDepth = 100;

// jinja2's default Undefined: knows the name it stands for, for messages.
struct UndefinedTag {
  std::string hint;  // e.g. "'x' is undefined"
};
struct NoneTag {};

class Value {
 public:
  enum class Kind : uint8_t { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kMacro };

  Value() : v_(UndefinedTag{}) {}
  static Value Undefined(std::string hint) { return Value(UndefinedTag{std::move(hint)}); }
  static Value None() { return Value(NoneTag{}); }
  static Value Bool(bool b) { return Value(b); }
  static Value Int(int64_t i) { return Value(i); }
  static Value Float(double d) { return Value(d); }
  static Value String(std::string s) {
    return Value(std::make_shared<const std::string>(std::move(s)));
  }
  static Value List(ValueList items);
  // A Python tuple: a list that prints as (a, b). dict.items() yields these.
  static Value Tuple(ValueList items);
  static Value Dict(ValueDict dict);
  // A namespace(): a dict whose attributes `set ns.x = ...` may assign.
  static Value Namespace(ValueDict dict);
  static Value Macro(const Stmt* stmt) { return Value(MacroRef{stmt}); }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  // int, float or bool: Python's numbers (bool is an int subclass).
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_tuple() const { return is_list() && is_tuple_; }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_namespace() const { return is_dict() && is_namespace_; }
  bool is_macro() const { return kind() == Kind::kMacro; }

  // REQUIRES: the matching is_*() is true.
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return is_bool() ? (as_bool() ? 1 : 0) : std::get<int64_t>(v_); }
  double as_float() const { return is_float() ? std::get<double>(v_) : static_cast<double>(as_int()); }
  const std::string& as_string() const {
    return *std::get<std::shared_ptr<const std::string>>(v_);
  }
  const ValueList& as_list() const;
  const ValueDict& as_dict() const;
  // REQUIRES: is_namespace(). Mutates the object every copy shares.
  ValueDict& mutable_namespace() const;
  const Stmt* as_macro() const { return std::get<MacroRef>(v_).stmt; }
  const std::string& undefined_hint() const { return std::get<UndefinedTag>(v_).hint; }

  // Python truthiness: empty strings, lists, dicts, 0, None and Undefined are false.
  bool Truthy() const;
  // Python str(): what {{ value }} prints. Undefined prints as "".
  std::string Str() const;
  // Python repr(): strings quoted, as inside a printed list.
  std::string Repr() const;
  // jinja2's type name for messages: "str object", "dict object", ...
  std::string_view TypeName() const;
  // O(1), except O(attributes) for a namespace.
  ValueStats Stats() const;

 private:
  // Containers cache their stats when built; they never change afterwards.
  struct ListRep;
  struct DictRep;
  // Strings are shared like containers, so copying any Value is O(1).
  using Storage = std::variant<UndefinedTag, NoneTag, bool, int64_t, double,
                               std::shared_ptr<const std::string>,
                               std::shared_ptr<ListRep>, std::shared_ptr<DictRep>, MacroRef>;
  template <typename T>
  explicit Value(T v) : v_(std::move(v)) {}

  Storage v_;
  bool is_namespace_ = false;
  bool is_tuple_ = false;
};

struct Value::ListRep {
  ValueList items;
  ValueStats stats;
};

struct Value::DictRep {
  ValueDict dict;
  ValueStats stats;  // unused for namespaces, which are mutable
};

inline const std::vector<std::pair<std::string, Value>>& ValueDict::entries() const {
  return entries_;
}
inline size_t ValueDict::size() const { return entries_.size(); }
inline const ValueList& Value::as_list() const {
  return std::get<std::shared_ptr<ListRep>>(v_)->items;
}
inline const ValueDict& Value::as_dict() const {
  return std::get<std::shared_ptr<DictRep>>(v_)->dict;
}
inline ValueDict& Value::mutable_namespace() const {
  return std::get<std::shared_ptr<DictRep>>(v_)->dict;
}

// Python ==: 1 == 1.0 == True; lists and dicts compare by content.
bool Equals(const Value& a, const Value& b);

// Python repr() of a float: shortest round-trip digits, "1.0", "1e+16", "nan", "inf".
std::string FormatPyFloat(double d);

// Python repr() of a str: single quotes unless the text has ' and no ".
std::string ReprString(std::string_view s);

}  // namespace dokja::text::jinja
