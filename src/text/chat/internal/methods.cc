// Python methods on str and dict that chat templates call: `s.strip()`,
// `s.split('</think>')`, `d.get('k')`, `d.items()`, ...
#include "text/chat/internal/builtins.h"
#include "text/chat/internal/operators.h"
#include "text/chat/internal/py_str.h"
#include "text/chat/internal/utf8.h"

namespace dokja::text::jinja {
namespace {

constexpr std::string_view kStringMethods[] = {
    "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "rsplit", "upper", "lower",
    "title", "capitalize", "replace", "find", "count", "join", "removeprefix", "removesuffix",
    "isdigit", "isalpha", "isspace", "islower", "isupper", "splitlines"};
constexpr std::string_view kDictMethods[] = {"get", "items", "keys", "values"};

template <size_t N>
bool Contains(const std::string_view (&names)[N], std::string_view name) {
  for (std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

std::optional<std::string> OptionalStr(const Value* v) {
  if (v == nullptr || v->is_none()) return std::nullopt;
  return v->Str();
}

// startswith/endswith take a str or a tuple (list) of str.
Result<Value> AffixTest(const std::string& s, const Value* affix, bool prefix) {
  if (affix == nullptr) return Status::InvalidArgument("startswith/endswith need an argument");
  ValueList options = affix->is_list() ? affix->as_list() : ValueList{*affix};
  for (const Value& option : options) {
    if (!option.is_string()) {
      return Status::InvalidArgument("startswith/endswith need str or a tuple of str");
    }
    const std::string& a = option.as_string();
    if (a.size() > s.size()) continue;
    if (prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0) {
      return Value::Bool(true);
    }
  }
  return Value::Bool(false);
}

Value StringList(const std::vector<std::string>& parts) {
  ValueList items;
  for (const std::string& p : parts) items.push_back(Value::String(p));
  return Value::List(std::move(items));
}

// True when every code point passes `pred` and there is at least one.
template <typename Pred>
Value AllCodePoints(const std::string& s, Pred pred) {
  const std::u32string cps = DecodeUtf8(s);
  bool all = !cps.empty();
  for (char32_t cp : cps) all = all && pred(cp);
  return Value::Bool(all);
}

Result<Value> SplitMethod(const std::string& s, std::string_view name, const CallArgs& args,
                          const BuiltinContext& ctx) {
  ArgBinder b("str." + std::string(name), args, {"sep", "maxsplit"});
  DOKJA_RETURN_IF_ERROR(b.status());
  const std::optional<std::string> sep = OptionalStr(b.Get(0));
  if (sep && sep->empty()) return Status::InvalidArgument("empty separator");
  const Value maxsplit = b.GetOr(1, Value::Int(-1));
  const auto parts = PySplitCapped(s, sep, maxsplit.is_int() ? maxsplit.as_int() : -1,
                                   name == "rsplit", ctx.max_result_bytes / sizeof(Value));
  if (!parts) return Status::InvalidArgument("str." + std::string(name) + ": too many parts");
  return StringList(*parts);
}

Result<Value> StringMethod(const std::string& s, std::string_view name, const CallArgs& args,
                           const BuiltinContext& ctx) {
  ArgBinder b("str." + std::string(name), args, {"a", "b", "c"});
  DOKJA_RETURN_IF_ERROR(b.status());
  if (name == "strip") return Value::String(PyStrip(s, OptionalStr(b.Get(0)), StripSide::kBoth));
  if (name == "lstrip") return Value::String(PyStrip(s, OptionalStr(b.Get(0)), StripSide::kLeft));
  if (name == "rstrip") return Value::String(PyStrip(s, OptionalStr(b.Get(0)), StripSide::kRight));
  if (name == "startswith") return AffixTest(s, b.Get(0), true);
  if (name == "endswith") return AffixTest(s, b.Get(0), false);
  if (name == "split" || name == "rsplit") return SplitMethod(s, name, args, ctx);
  if (name == "upper") return Value::String(PyUpper(s));
  if (name == "lower") return Value::String(PyLower(s));
  if (name == "title") return Value::String(PyTitle(s));
  if (name == "capitalize") return Value::String(PyCapitalize(s));
  if (name == "splitlines") {
    CallArgs newline{{Value::String("\n")}, {}};
    return SplitMethod(s, "split", newline, ctx);
  }
  if (name == "isdigit") return AllCodePoints(s, [](char32_t c) { return c >= '0' && c <= '9'; });
  if (name == "isspace") return AllCodePoints(s, IsPyWhitespace);
  if (name == "isalpha") {
    return AllCodePoints(s, [](char32_t c) { return ToUpperCp(c) != ToLowerCp(c) || c >= 0xAC00; });
  }
  if (name == "islower") return Value::Bool(s != PyUpper(s) && s == PyLower(s));
  if (name == "isupper") return Value::Bool(s != PyLower(s) && s == PyUpper(s));
  if (name == "join") {
    if (b.Get(0) == nullptr) return Status::InvalidArgument("str.join needs an iterable");
    DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(*b.Get(0), ctx.max_result_bytes));
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) return Status::InvalidArgument("str.join expects str items");
      if (i > 0) out += s;
      out += items[i].as_string();
      if (out.size() > ctx.max_result_bytes) return Status::InvalidArgument("str.join: result too large");
    }
    return Value::String(std::move(out));
  }
  if (b.Get(0) == nullptr || !b.Get(0)->is_string()) {
    return Status::InvalidArgument("str." + std::string(name) + " needs a string argument");
  }
  const std::string& a = b.Get(0)->as_string();
  if (name == "removeprefix") return Value::String(s.rfind(a, 0) == 0 ? s.substr(a.size()) : s);
  if (name == "removesuffix") {
    const bool has = a.size() <= s.size() && s.compare(s.size() - a.size(), a.size(), a) == 0;
    return Value::String(has && !a.empty() ? s.substr(0, s.size() - a.size()) : s);
  }
  if (name == "find") {
    const size_t at = s.find(a);
    return Value::Int(at == std::string::npos ? -1 : static_cast<int64_t>(Utf8Length(s.substr(0, at))));
  }
  if (name == "count") {
    if (a.empty()) return Value::Int(static_cast<int64_t>(Utf8Length(s) + 1));
    int64_t n = 0;
    for (size_t at = s.find(a); at != std::string::npos; at = s.find(a, at + a.size())) ++n;
    return Value::Int(n);
  }
  // replace(old, new, count=-1)
  if (b.Get(1) == nullptr || !b.Get(1)->is_string()) {
    return Status::InvalidArgument("str.replace needs two string arguments");
  }
  const Value count = b.GetOr(2, Value::Int(-1));
  const int64_t n = count.is_int() ? count.as_int() : -1;
  if (PyReplaceSize(s, a, b.Get(1)->as_string(), n) > ctx.max_result_bytes) {
    return Status::InvalidArgument("str.replace: result too large");
  }
  return Value::String(PyReplace(s, a, b.Get(1)->as_string(), n));
}

Result<Value> DictMethod(const ValueDict& d, std::string_view name, const CallArgs& args) {
  ArgBinder b("dict." + std::string(name), args, {"key", "default"});
  DOKJA_RETURN_IF_ERROR(b.status());
  if (name == "get") {
    if (b.Get(0) == nullptr) return Status::InvalidArgument("dict.get needs a key");
    const Value* found = b.Get(0)->is_string() ? d.Find(b.Get(0)->as_string()) : nullptr;
    return found != nullptr ? *found : b.GetOr(1, Value::None());
  }
  if (b.Get(0) != nullptr) {
    return Status::InvalidArgument("dict." + std::string(name) + " takes no arguments");
  }
  ValueList out;
  for (const auto& [key, value] : d.entries()) {
    if (name == "items") out.push_back(Value::Tuple({Value::String(key), value}));
    else if (name == "keys") out.push_back(Value::String(key));
    else out.push_back(value);
  }
  return Value::List(std::move(out));
}

}  // namespace

bool HasMethod(const Value& obj, std::string_view name) {
  if (obj.is_string()) return Contains(kStringMethods, name);
  if (obj.is_dict() && !obj.is_namespace()) return Contains(kDictMethods, name);
  return false;
}

Result<Value> CallMethod(const Value& obj, std::string_view name, const CallArgs& args,
                         const BuiltinContext& ctx) {
  if (obj.is_string() && Contains(kStringMethods, name)) {
    return StringMethod(obj.as_string(), name, args, ctx);
  }
  if (obj.is_dict() && Contains(kDictMethods, name)) return DictMethod(obj.as_dict(), name, args);
  return Status::InvalidArgument("'" + std::string(obj.TypeName()) + "' has no method '" +
                                 std::string(name) + "'");
}

}  // namespace dokja::text::jinja
