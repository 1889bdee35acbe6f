// jinja2's builtin filters that chat templates use, plus Hugging Face's tojson.
#include <algorithm>
#include <cmath>
#include <charconv>

#include "text/chat/internal/builtins.h"
#include "text/chat/internal/json.h"
#include "text/chat/internal/operators.h"
#include "text/chat/internal/py_str.h"
#include "text/chat/internal/utf8.h"

namespace dokja::text::jinja {
namespace {

using FilterFn = Result<Value> (*)(const Value&, const CallArgs&, const BuiltinContext&);

#define DOKJA_BIND_ARGS(binder, name, ...)            \
  ArgBinder binder(name, args, {__VA_ARGS__});         \
  DOKJA_RETURN_IF_ERROR(binder.status())

std::optional<std::string> OptionalString(const Value* v) {
  if (v == nullptr || v->is_none() || v->is_undefined()) return std::nullopt;
  return v->Str();
}

// Follows jinja2's attribute paths: "a.b" and "0" (an index) for map/sort/join.
Result<Value> LookupPath(const Value& item, const Value& path) {
  if (path.is_int()) return GetItem(item, path);
  Value current = item;
  for (const std::string& part : PySplit(path.Str(), std::string("."), 64, false)) {
    int64_t index = 0;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
    if (ec == std::errc() && ptr == part.data() + part.size()) {
      DOKJA_ASSIGN_OR_RETURN(current, GetItem(current, Value::Int(index)));
    } else {
      DOKJA_ASSIGN_OR_RETURN(current, GetItem(current, Value::String(part)));
    }
  }
  return current;
}

// Most pieces a split may produce before its Values would exceed the size cap.
size_t MaxParts(const BuiltinContext& ctx) { return ctx.max_result_bytes / sizeof(Value); }

Result<Value> Trim(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'trim'", "chars");
  return Value::String(PyStrip(v.Str(), OptionalString(b.Get(0)), StripSide::kBoth));
}

Result<Value> Length(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'length'");
  if (v.is_string()) return Value::Int(static_cast<int64_t>(Utf8Length(v.as_string())));
  if (v.is_list()) return Value::Int(static_cast<int64_t>(v.as_list().size()));
  if (v.is_dict()) return Value::Int(static_cast<int64_t>(v.as_dict().size()));
  if (v.is_undefined()) return Value::Int(0);
  return Status::InvalidArgument("object of type '" + std::string(PyTypeName(v)) +
                                 "' has no len()");
}

Result<Value> ToJsonFilter(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'tojson'", "indent", "separators", "sort_keys", "ensure_ascii");
  JsonFormat format;
  if (const Value* indent = b.Get(0); indent != nullptr && !indent->is_none()) {
    if (!indent->is_int()) return Status::InvalidArgument("tojson: indent must be an integer");
    format.indent = static_cast<int>(std::clamp<int64_t>(indent->as_int(), 0, 64));
  }
  if (const Value* seps = b.Get(1); seps != nullptr && !seps->is_none()) {
    if (!seps->is_list() || seps->as_list().size() != 2) {
      return Status::InvalidArgument("tojson: separators must be a pair of strings");
    }
    format.item_separator = seps->as_list()[0].Str();
    format.key_separator = seps->as_list()[1].Str();
  }
  format.sort_keys = b.GetOr(2, Value::Bool(false)).Truthy();
  if (b.GetOr(3, Value::Bool(false)).Truthy()) {
    return Status::Unsupported("tojson: ensure_ascii=True is not supported");
  }
  DOKJA_ASSIGN_OR_RETURN(std::string json, ToJson(v, format));
  return Value::String(std::move(json));
}

Result<Value> Upper(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'upper'");
  return Value::String(PyUpper(v.Str()));
}

Result<Value> Lower(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'lower'");
  return Value::String(PyLower(v.Str()));
}

Result<Value> Capitalize(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'capitalize'");
  return Value::String(PyCapitalize(v.Str()));
}

// jinja2's title: words start after runs of whitespace, '-', '(', '{', '[' or '<'.
Result<Value> Title(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'title'");
  std::u32string cps = DecodeUtf8(v.Str());
  bool word_start = true;
  for (char32_t& cp : cps) {
    const bool separator = IsPyWhitespace(cp) || cp == '-' || cp == '(' || cp == '{' ||
                           cp == '[' || cp == '<';
    cp = word_start ? ToUpperCp(cp) : ToLowerCp(cp);
    word_start = separator;
  }
  return Value::String(EncodeUtf8(cps));
}

Result<Value> Default(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'default'", "default_value", "boolean");
  const bool use_default = v.is_undefined() || (b.GetOr(1, Value::Bool(false)).Truthy() && !v.Truthy());
  return use_default ? b.GetOr(0, Value::String("")) : v;
}

Result<Value> First(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'first'");
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  if (items.empty()) return Value::Undefined("No first item, sequence was empty.");
  return items.front();
}

Result<Value> Last(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'last'");
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  if (items.empty()) return Value::Undefined("No last item, sequence was empty.");
  return items.back();
}

Result<Value> Join(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'join'", "d", "attribute");
  const std::string sep = b.GetOr(0, Value::String("")).Str();
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    Value item = items[i];
    if (const Value* attr = b.Get(1); attr != nullptr && !attr->is_none()) {
      DOKJA_ASSIGN_OR_RETURN(item, LookupPath(item, *attr));
    }
    out += item.Str();
    if (out.size() > ctx.max_result_bytes) {
      return Status::InvalidArgument("join: result exceeds the size limit");
    }
  }
  return Value::String(std::move(out));
}

Result<Value> Replace(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'replace'", "old", "new", "count");
  if (b.Get(0) == nullptr || b.Get(1) == nullptr) {
    return Status::InvalidArgument("filter 'replace' needs old and new strings");
  }
  const Value count = b.GetOr(2, Value::None());
  const std::string s = v.Str(), old_text = b.Get(0)->Str(), new_text = b.Get(1)->Str();
  const int64_t n = count.is_int() ? count.as_int() : -1;
  if (PyReplaceSize(s, old_text, new_text, n) > ctx.max_result_bytes) {
    return Status::InvalidArgument("replace: result exceeds the size limit");
  }
  return Value::String(PyReplace(s, old_text, new_text, n));
}

Result<Value> String(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'string'");
  return Value::String(v.Str());
}

Result<Value> Int(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'int'", "default", "base");
  const Value fallback = b.GetOr(0, Value::Int(0));
  if (v.is_int() || v.is_bool()) return Value::Int(v.as_int());
  if (v.is_float()) {
    if (!std::isfinite(v.as_float()) || std::fabs(v.as_float()) > 9.2e18) return fallback;
    return Value::Int(static_cast<int64_t>(v.as_float()));
  }
  if (!v.is_string()) return fallback;
  const std::string s = PyStrip(v.as_string(), std::nullopt, StripSide::kBoth);
  const int base = static_cast<int>(b.GetOr(1, Value::Int(10)).as_int());
  int64_t i = 0;
  const char* first = s.data() + (s.size() > 0 && s[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), i, base >= 2 && base <= 36 ? base : 10);
  if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) return Value::Int(i);
  double d = 0;
  auto [dptr, dec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (dec == std::errc() && dptr == s.data() + s.size() && std::fabs(d) < 9.2e18) {
    return Value::Int(static_cast<int64_t>(d));
  }
  return fallback;
}

Result<Value> Float(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'float'", "default");
  if (v.is_number()) return Value::Float(v.as_float());
  if (v.is_string()) {
    const std::string s = PyStrip(v.as_string(), std::nullopt, StripSide::kBoth);
    double d = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) return Value::Float(d);
  }
  return b.GetOr(0, Value::Float(0.0));
}

Result<Value> List(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'list'");
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  return Value::List(std::move(items));
}

Result<Value> Items(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'items'");
  if (v.is_undefined()) return Value::List({});
  if (!v.is_dict()) return Status::InvalidArgument("filter 'items' can only be used on a mapping");
  ValueList pairs;
  for (const auto& [key, value] : v.as_dict().entries()) {
    pairs.push_back(Value::Tuple({Value::String(key), value}));
  }
  return Value::List(std::move(pairs));
}

// select/reject/selectattr/rejectattr: keep items whose (attribute's) test is `keep`.
Result<Value> SelectImpl(const Value& v, const CallArgs& args, const BuiltinContext& ctx,
                         bool by_attr, bool keep) {
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  size_t next = 0;
  const Value* attr = nullptr;
  if (by_attr) {
    if (args.positional.empty()) return Status::InvalidArgument("selectattr needs an attribute");
    attr = &args.positional[next++];
  }
  std::string test;
  if (next < args.positional.size()) test = args.positional[next++].Str();
  if (!test.empty() && !IsKnownTest(test)) {
    return Status::InvalidArgument("unknown test '" + test + "'");
  }
  CallArgs test_args;
  test_args.positional.assign(args.positional.begin() + static_cast<ptrdiff_t>(next),
                              args.positional.end());
  ValueList out;
  for (const Value& item : items) {
    Value subject = item;
    if (attr != nullptr) {
      DOKJA_ASSIGN_OR_RETURN(subject, LookupPath(item, *attr));
    }
    bool passed = subject.Truthy();
    if (!test.empty()) {
      DOKJA_ASSIGN_OR_RETURN(passed, ApplyTest(test, subject, test_args));
    }
    if (passed == keep) out.push_back(item);
  }
  return Value::List(std::move(out));
}

Result<Value> Select(const Value& v, const CallArgs& a, const BuiltinContext& ctx) {
  return SelectImpl(v, a, ctx, false, true);
}
Result<Value> Reject(const Value& v, const CallArgs& a, const BuiltinContext& ctx) {
  return SelectImpl(v, a, ctx, false, false);
}
Result<Value> SelectAttr(const Value& v, const CallArgs& a, const BuiltinContext& ctx) {
  return SelectImpl(v, a, ctx, true, true);
}
Result<Value> RejectAttr(const Value& v, const CallArgs& a, const BuiltinContext& ctx) {
  return SelectImpl(v, a, ctx, true, false);
}

// map(attribute='x', default=...) or map('filter', args...).
Result<Value> Map(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  const Value* attribute = nullptr;
  const Value* fallback = nullptr;
  for (const auto& [key, value] : args.keyword) {
    if (key == "attribute") attribute = &value;
    else if (key == "default") fallback = &value;
    else return Status::InvalidArgument("filter 'map': unexpected keyword '" + key + "'");
  }
  if (attribute == nullptr && args.positional.empty()) {
    return Status::InvalidArgument("filter 'map' needs a filter name or attribute=");
  }
  CallArgs filter_args;
  if (attribute == nullptr) {
    filter_args.positional.assign(args.positional.begin() + 1, args.positional.end());
    if (!IsKnownFilter(args.positional[0].Str())) {
      return Status::InvalidArgument("unknown filter '" + args.positional[0].Str() + "'");
    }
  }
  ValueList out;
  for (const Value& item : items) {
    Value mapped;
    if (attribute != nullptr) {
      DOKJA_ASSIGN_OR_RETURN(mapped, LookupPath(item, *attribute));
      if (mapped.is_undefined() && fallback != nullptr) mapped = *fallback;
    } else {
      DOKJA_ASSIGN_OR_RETURN(mapped, ApplyFilter(args.positional[0].Str(), item, filter_args, ctx));
    }
    out.push_back(std::move(mapped));
  }
  return Value::List(std::move(out));
}

Result<Value> Abs(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'abs'");
  if (v.is_float()) return Value::Float(std::fabs(v.as_float()));
  if (v.is_int() || v.is_bool()) {
    if (v.as_int() == INT64_MIN) return Status::Unsupported("abs overflows 64 bits");
    return Value::Int(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  return Status::InvalidArgument("bad operand type for abs(): '" + std::string(PyTypeName(v)) + "'");
}

Result<Value> Round(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'round'", "precision", "method");
  if (!v.is_number()) return Status::InvalidArgument("filter 'round' needs a number");
  const double scale = std::pow(10.0, static_cast<double>(b.GetOr(0, Value::Int(0)).as_int()));
  const std::string method = b.GetOr(1, Value::String("common")).Str();
  double x = v.as_float() * scale;
  if (method == "common") x = std::nearbyint(x);  // Python rounds half to even
  else if (method == "floor") x = std::floor(x);
  else if (method == "ceil") x = std::ceil(x);
  else return Status::InvalidArgument("round: method must be common, ceil or floor");
  return Value::Float(x / scale);
}

// A sort key: the (attribute of the) item, lowercased unless case-sensitive.
Result<Value> SortKey(const Value& item, const Value* attribute, bool case_sensitive) {
  Value key = item;
  if (attribute != nullptr && !attribute->is_none()) {
    DOKJA_ASSIGN_OR_RETURN(key, LookupPath(item, *attribute));
  }
  if (!case_sensitive && key.is_string()) key = Value::String(PyLower(key.as_string()));
  return key;
}

// Stable sort of `items` by keys; Python's TypeError for incomparable keys.
Status SortByKeys(ValueList& items, ValueList keys, bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  Status error;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    Result<int> c = reverse ? Order(keys[b], keys[a]) : Order(keys[a], keys[b]);
    if (!c.ok() && error.ok()) error = c.status();
    return c.ok() && *c < 0;
  });
  DOKJA_RETURN_IF_ERROR(error);
  ValueList sorted;
  for (size_t i : order) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
  return Status::OK();
}

Result<Value> Sort(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'sort'", "reverse", "case_sensitive", "attribute");
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  ValueList keys;
  for (const Value& item : items) {
    DOKJA_ASSIGN_OR_RETURN(Value key, SortKey(item, b.Get(2), b.GetOr(1, Value::Bool(false)).Truthy()));
    keys.push_back(std::move(key));
  }
  DOKJA_RETURN_IF_ERROR(SortByKeys(items, std::move(keys), b.GetOr(0, Value::Bool(false)).Truthy()));
  return Value::List(std::move(items));
}

Result<Value> DictSort(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'dictsort'", "case_sensitive", "by", "reverse");
  if (!v.is_dict()) return Status::InvalidArgument("filter 'dictsort' needs a mapping");
  const bool by_value = b.GetOr(1, Value::String("key")).Str() == "value";
  ValueList pairs, keys;
  for (const auto& [key, value] : v.as_dict().entries()) {
    pairs.push_back(Value::Tuple({Value::String(key), value}));
    DOKJA_ASSIGN_OR_RETURN(Value sort_key, SortKey(by_value ? value : Value::String(key), nullptr,
                                                   b.GetOr(0, Value::Bool(false)).Truthy()));
    keys.push_back(std::move(sort_key));
  }
  DOKJA_RETURN_IF_ERROR(SortByKeys(pairs, std::move(keys), b.GetOr(2, Value::Bool(false)).Truthy()));
  return Value::List(std::move(pairs));
}

// min/max: the first extreme item by (case-insensitive) key; Undefined when empty.
Result<Value> Extreme(const Value& v, const CallArgs& args, const BuiltinContext& ctx,
                      bool want_max) {
  DOKJA_BIND_ARGS(b, want_max ? "filter 'max'" : "filter 'min'", "case_sensitive", "attribute");
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  if (items.empty()) return Value::Undefined("No aggregated item, sequence was empty.");
  const bool case_sensitive = b.GetOr(0, Value::Bool(false)).Truthy();
  size_t best = 0;
  DOKJA_ASSIGN_OR_RETURN(Value best_key, SortKey(items[0], b.Get(1), case_sensitive));
  for (size_t i = 1; i < items.size(); ++i) {
    DOKJA_ASSIGN_OR_RETURN(Value key, SortKey(items[i], b.Get(1), case_sensitive));
    DOKJA_ASSIGN_OR_RETURN(int c, Order(key, best_key));
    if (want_max ? c > 0 : c < 0) {
      best = i;
      best_key = std::move(key);
    }
  }
  return items[best];
}

Result<Value> Min(const Value& v, const CallArgs& a, const BuiltinContext& ctx) {
  return Extreme(v, a, ctx, false);
}
Result<Value> Max(const Value& v, const CallArgs& a, const BuiltinContext& ctx) {
  return Extreme(v, a, ctx, true);
}

Result<Value> Sum(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'sum'", "attribute", "start");
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  Value total = b.GetOr(1, Value::Int(0));
  for (const Value& item : items) {
    Value term = item;
    if (const Value* attr = b.Get(0); attr != nullptr && !attr->is_none()) {
      DOKJA_ASSIGN_OR_RETURN(term, LookupPath(item, *attr));
    }
    DOKJA_ASSIGN_OR_RETURN(total, Arithmetic("+", total, term, ctx.max_result_bytes));
  }
  return total;
}

Result<Value> Reverse(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'reverse'");
  if (v.is_string()) {
    std::u32string cps = DecodeUtf8(v.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value::String(EncodeUtf8(cps));
  }
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  std::reverse(items.begin(), items.end());
  return Value::List(std::move(items));
}

Result<Value> Unique(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'unique'", "case_sensitive", "attribute");
  DOKJA_ASSIGN_OR_RETURN(ValueList items, Iterate(v, ctx.max_result_bytes));
  ValueList out, seen;
  for (const Value& item : items) {
    DOKJA_ASSIGN_OR_RETURN(Value key, SortKey(item, b.Get(1), b.GetOr(0, Value::Bool(false)).Truthy()));
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return Equals(s, key); })) {
      seen.push_back(std::move(key));
      out.push_back(item);
    }
  }
  return Value::List(std::move(out));
}

Result<Value> Safe(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'safe'");
  return v;
}

Result<Value> Escape(const Value& v, const CallArgs& args, const BuiltinContext&) {
  DOKJA_BIND_ARGS(b, "filter 'escape'");
  std::string out;
  for (char c : v.Str()) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return Value::String(std::move(out));
}

// jinja2's indent: lines after the first get `width` spaces (the first too if first=True).
Result<Value> Indent(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'indent'", "width", "first", "blank");
  const Value width = b.GetOr(0, Value::Int(4));
  const std::string pad = width.is_string() ? width.as_string()
                                            : std::string(static_cast<size_t>(std::clamp<int64_t>(width.as_int(), 0, 1024)), ' ');
  const bool first = b.GetOr(1, Value::Bool(false)).Truthy();
  const bool blank = b.GetOr(2, Value::Bool(false)).Truthy();
  const auto lines = PySplitCapped(v.Str(), std::string("\n"), -1, false, MaxParts(ctx));
  if (!lines) return Status::InvalidArgument("indent: too many lines");
  std::string out;
  for (size_t i = 0; i < lines->size(); ++i) {
    if (i > 0) out.push_back('\n');
    const std::string& line = (*lines)[i];
    const bool indent = (i > 0 || first) && (blank || !PyStrip(line, std::nullopt, StripSide::kBoth).empty());
    if (indent) out += pad;
    out += line;
    if (out.size() > ctx.max_result_bytes) return Status::InvalidArgument("indent: result too large");
  }
  return Value::String(std::move(out));
}

Result<Value> WordCount(const Value& v, const CallArgs& args, const BuiltinContext& ctx) {
  DOKJA_BIND_ARGS(b, "filter 'wordcount'");
  const auto words = PySplitCapped(v.Str(), std::nullopt, -1, false, MaxParts(ctx));
  if (!words) return Status::InvalidArgument("wordcount: too many words");
  return Value::Int(static_cast<int64_t>(words->size()));
}

struct FilterEntry {
  std::string_view name;
  FilterFn fn;
};

constexpr FilterEntry kFilters[] = {
    {"abs", Abs},           {"capitalize", Capitalize}, {"count", Length},
    {"d", Default},         {"default", Default},       {"dictsort", DictSort},
    {"e", Escape},          {"escape", Escape},         {"first", First},
    {"float", Float},       {"indent", Indent},         {"int", Int},
    {"items", Items},       {"join", Join},             {"last", Last},
    {"length", Length},     {"list", List},             {"lower", Lower},
    {"map", Map},           {"max", Max},               {"min", Min},
    {"reject", Reject},     {"rejectattr", RejectAttr}, {"replace", Replace},
    {"reverse", Reverse},   {"round", Round},           {"safe", Safe},
    {"select", Select},     {"selectattr", SelectAttr}, {"sort", Sort},
    {"string", String},     {"sum", Sum},               {"title", Title},
    {"tojson", ToJsonFilter}, {"trim", Trim},           {"unique", Unique},
    {"upper", Upper},       {"wordcount", WordCount},
};

FilterFn FindFilter(std::string_view name) {
  for (const FilterEntry& entry : kFilters) {
    if (entry.name == name) return entry.fn;
  }
  return nullptr;
}

}  // namespace

bool IsKnownFilter(std::string_view name) { return FindFilter(name) != nullptr; }

Result<Value> ApplyFilter(std::string_view name, const Value& input, const CallArgs& args,
                          const BuiltinContext& ctx) {
  const FilterFn fn = FindFilter(name);
  if (fn == nullptr) return Status::InvalidArgument("unknown filter '" + std::string(name) + "'");
  return fn(input, args, ctx);
}

}  // namespace dokja::text::jinja
