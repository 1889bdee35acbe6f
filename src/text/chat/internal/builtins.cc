// ArgBinder, jinja2's builtin tests, global functions and strftime.
#include "text/chat/internal/builtins.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "text/chat/internal/operators.h"
#include "text/chat/internal/py_str.h"
#include "text/chat/internal/utf8.h"

namespace dokja::text::jinja {

ArgBinder::ArgBinder(std::string callee, const CallArgs& args,
                     std::initializer_list<std::string_view> params)
    : bound_(params.size(), nullptr) {
  if (args.positional.size() > params.size()) {
    status_ = Status::InvalidArgument(callee + " takes at most " + std::to_string(params.size()) +
                                      " argument(s), got " + std::to_string(args.positional.size()));
    return;
  }
  for (size_t i = 0; i < args.positional.size(); ++i) bound_[i] = &args.positional[i];
  for (const auto& [key, value] : args.keyword) {
    size_t i = 0;
    for (std::string_view param : params) {
      if (param == key) break;
      ++i;
    }
    if (i == params.size()) {
      status_ = Status::InvalidArgument(callee + " got an unexpected keyword argument '" + key + "'");
      return;
    }
    if (bound_[i] != nullptr) {
      status_ = Status::InvalidArgument(callee + " got multiple values for argument '" + key + "'");
      return;
    }
    bound_[i] = &value;
  }
}

namespace {

// The one argument of a comparison test such as `is equalto(x)`.
Result<Value> TestOperand(std::string_view name, const CallArgs& args) {
  if (args.positional.size() != 1 || !args.keyword.empty()) {
    return Status::InvalidArgument("test '" + std::string(name) + "' takes exactly one argument");
  }
  return args.positional[0];
}

Result<bool> CompareTest(std::string_view name, const Value& v, const CallArgs& args) {
  DOKJA_ASSIGN_OR_RETURN(Value other, TestOperand(name, args));
  std::string_view op;
  if (name == "eq" || name == "equalto" || name == "==") op = "==";
  else if (name == "ne" || name == "!=") op = "!=";
  else if (name == "lt" || name == "lessthan" || name == "<") op = "<";
  else if (name == "le" || name == "<=") op = "<=";
  else if (name == "gt" || name == "greaterthan" || name == ">") op = ">";
  else if (name == "ge" || name == ">=") op = ">=";
  else if (name == "in") return Contains(other, v);
  else return Equals(v, other) && v.kind() == other.kind();  // sameas: best effort
  return Compare(op, v, other);
}

bool HasCase(std::string_view s, bool want_lower) {
  bool cased = false;
  for (char32_t cp : DecodeUtf8(s)) {
    const bool upper = ToLowerCp(cp) != cp, lower = ToUpperCp(cp) != cp;
    if (want_lower ? upper : lower) return false;
    cased = cased || upper || lower;
  }
  return cased;
}

constexpr std::string_view kComparisonTests[] = {
    "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=",
    "gt", "greaterthan", ">", "ge", ">=", "in", "sameas"};

constexpr std::string_view kSimpleTests[] = {
    "defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number",
    "string", "mapping", "iterable", "sequence", "callable", "odd", "even", "divisibleby",
    "lower", "upper", "escaped"};

}  // namespace

bool IsKnownTest(std::string_view name) {
  for (std::string_view t : kComparisonTests) if (t == name) return true;
  for (std::string_view t : kSimpleTests) if (t == name) return true;
  return false;
}

Result<bool> ApplyTest(std::string_view name, const Value& v, const CallArgs& args) {
  for (std::string_view t : kComparisonTests) {
    if (t == name) return CompareTest(name, v, args);
  }
  if (name == "divisibleby") {
    DOKJA_ASSIGN_OR_RETURN(Value n, TestOperand(name, args));
    DOKJA_ASSIGN_OR_RETURN(Value mod, Arithmetic("%", v, n, 0));
    return !mod.Truthy();
  }
  if (!args.positional.empty() || !args.keyword.empty()) {
    return Status::InvalidArgument("test '" + std::string(name) + "' takes no arguments");
  }
  using K = Value::Kind;
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "number") return v.is_number();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_dict() && !v.is_namespace();
  // jinja2's Undefined is iterable (as empty), and dicts are sequences
  // because they have len() and [].
  if (name == "iterable") return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
  if (name == "sequence") return v.is_string() || v.is_list() || (v.is_dict() && !v.is_namespace());
  if (name == "callable") return v.kind() == K::kMacro;
  if (name == "escaped") return false;
  if (name == "lower") return v.is_string() && HasCase(v.as_string(), true);
  if (name == "upper") return v.is_string() && HasCase(v.as_string(), false);
  if (name == "odd" || name == "even") {
    if (!v.is_int() && !v.is_bool()) {
      return Status::InvalidArgument("test '" + std::string(name) + "' needs an integer");
    }
    return (v.as_int() % 2 != 0) == (name == "odd");
  }
  return Status::InvalidArgument("unknown test '" + std::string(name) + "'");
}

bool IsGlobalFunction(std::string_view name) {
  return name == "range" || name == "namespace" || name == "dict" || name == "strftime_now";
}

namespace {

Result<Value> Range(const CallArgs& args, const BuiltinContext& ctx) {
  if (!args.keyword.empty() || args.positional.empty() || args.positional.size() > 3) {
    return Status::InvalidArgument("range expects 1 to 3 integer arguments");
  }
  int64_t bounds[3] = {0, 0, 1};
  for (size_t i = 0; i < args.positional.size(); ++i) {
    const Value& a = args.positional[i];
    if (!a.is_int() && !a.is_bool()) return Status::InvalidArgument("range arguments must be integers");
  }
  if (args.positional.size() == 1) {
    bounds[1] = args.positional[0].as_int();
  } else {
    for (size_t i = 0; i < args.positional.size(); ++i) bounds[i] = args.positional[i].as_int();
  }
  const int64_t start = bounds[0], stop = bounds[1], step = bounds[2];
  if (step == 0) return Status::InvalidArgument("range() arg 3 must not be zero");
  const double count = std::max(0.0, std::ceil((static_cast<double>(stop) - static_cast<double>(start)) /
                                               static_cast<double>(step)));
  if (count > static_cast<double>(ctx.max_result_bytes / sizeof(Value))) {
    return Status::InvalidArgument("range of " + FormatPyFloat(count).substr(0, 20) +
                                   " items exceeds the size limit");
  }
  ValueList items;
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) items.push_back(Value::Int(start + i * step));
  return Value::List(std::move(items));
}

// namespace(dict?, key=value...) and dict(key=value...).
Result<Value> MakeDict(std::string_view name, const CallArgs& args) {
  ValueDict dict;
  if (args.positional.size() > 1 || (args.positional.size() == 1 && !args.positional[0].is_dict())) {
    return Status::InvalidArgument(std::string(name) + "() takes one optional mapping and keywords");
  }
  if (!args.positional.empty()) dict = args.positional[0].as_dict();
  for (const auto& [key, value] : args.keyword) dict.Set(key, value);
  return name == "namespace" ? Value::Namespace(std::move(dict)) : Value::Dict(std::move(dict));
}

constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",
                                       "May",     "June",     "July",      "August",
                                       "September", "October", "November", "December"};
constexpr const char* kDayNames[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                     "Friday", "Saturday", "Sunday"};

// Day of the week, 0 = Monday, for a proleptic Gregorian date.
int Weekday(int y, int m, int d) {
  static constexpr int kOffsets[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  if (m < 3) y -= 1;
  const int sunday_based = (y + y / 4 - y / 100 + y / 400 + kOffsets[(m - 1) % 12] + d) % 7;
  return (sunday_based + 6) % 7;
}

int DayOfYear(int y, int m, int d) {
  static constexpr int kBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return kBefore[(m - 1) % 12] + d + (leap && m > 2 ? 1 : 0);
}

}  // namespace

std::string FormatTime(std::string_view format, const BuiltinContext& t) {
  std::string out;
  const int month = std::clamp(t.month, 1, 12);
  const int weekday = Weekday(t.year, month, t.day);
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      out.push_back(format[i]);
      continue;
    }
    bool pad = true;
    char spec = format[++i];
    if (spec == '-' && i + 1 < format.size()) {
      pad = false;
      spec = format[++i];
    }
    auto num = [&](int value, int width) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "%0*d", pad ? width : 1, value);
      out += buf;
    };
    switch (spec) {
      case 'Y': num(t.year, 4); break;
      case 'y': num(t.year % 100, 2); break;
      case 'm': num(month, 2); break;
      case 'd': num(t.day, 2); break;
      case 'e': out += (pad && t.day < 10 ? " " : "") + std::to_string(t.day); break;
      case 'H': num(t.hour, 2); break;
      case 'I': num(t.hour % 12 == 0 ? 12 : t.hour % 12, 2); break;
      case 'M': num(t.minute, 2); break;
      case 'S': num(t.second, 2); break;
      case 'j': num(DayOfYear(t.year, month, t.day), 3); break;
      case 'p': out += t.hour < 12 ? "AM" : "PM"; break;
      case 'B': out += kMonthNames[month - 1]; break;
      case 'b': case 'h': out += std::string(kMonthNames[month - 1], 3); break;
      case 'A': out += kDayNames[weekday]; break;
      case 'a': out += std::string(kDayNames[weekday], 3); break;
      case '%': out.push_back('%'); break;
      default: out.push_back('%'); out.push_back(spec);
    }
  }
  return out;
}

Result<Value> CallGlobal(std::string_view name, const CallArgs& args, const BuiltinContext& ctx) {
  if (name == "range") return Range(args, ctx);
  if (name == "namespace" || name == "dict") return MakeDict(name, args);
  if (name == "strftime_now") {
    ArgBinder b("strftime_now", args, {"format"});
    DOKJA_RETURN_IF_ERROR(b.status());
    if (b.Get(0) == nullptr || !b.Get(0)->is_string()) {
      return Status::InvalidArgument("strftime_now needs a format string");
    }
    return Value::String(FormatTime(b.Get(0)->as_string(), ctx));
  }
  return Status::InvalidArgument("'" + std::string(name) + "' is undefined");
}

}  // namespace dokja::text::jinja
