#include "text/chat/internal/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "text/chat/internal/utf8.h"

namespace dokja::text::jinja {

const Value* ValueDict::Find(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value* ValueDict::Find(std::string_view key) {
  for (auto& [k, v] : entries_) {
    if (k == key) return &v;
  }
  return nullptr;
}

void ValueDict::Set(std::string key, Value value) {
  if (Value* existing = Find(key)) {
    *existing = std::move(value);
    return;
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

namespace {

// Folds one element's stats into its container's.
void AddChild(ValueStats& parent, const Value& child) {
  const ValueStats s = child.Stats();
  parent.weight += s.weight;
  parent.depth = std::max(parent.depth, s.depth + 1);
  parent.contains_namespace = parent.contains_namespace || s.contains_namespace ||
                              child.is_namespace();
}

ValueStats DictStats(const ValueDict& dict) {
  ValueStats stats{sizeof(Value) + sizeof(ValueDict), 1, false};
  for (const auto& [key, value] : dict.entries()) {
    stats.weight += sizeof(std::string) + key.size();
    AddChild(stats, value);
  }
  return stats;
}

}  // namespace

Value Value::List(ValueList items) {
  auto rep = std::make_shared<ListRep>();
  rep->stats = ValueStats{sizeof(Value) + sizeof(ValueList), 1, false};
  for (const Value& item : items) AddChild(rep->stats, item);
  rep->items = std::move(items);
  return Value(std::move(rep));
}

ValueStats Value::Stats() const {
  switch (kind()) {
    case Kind::kString:
      return ValueStats{sizeof(Value) + as_string().size(), 0, false};
    case Kind::kList:
      return std::get<std::shared_ptr<ListRep>>(v_)->stats;
    case Kind::kDict:
      if (is_namespace_) return DictStats(as_dict());
      return std::get<std::shared_ptr<DictRep>>(v_)->stats;
    default:
      return ValueStats{sizeof(Value), 0, false};
  }
}

Value Value::Tuple(ValueList items) {
  Value v = List(std::move(items));
  v.is_tuple_ = true;
  return v;
}

Value Value::Dict(ValueDict dict) {
  auto rep = std::make_shared<DictRep>();
  rep->stats = DictStats(dict);
  rep->dict = std::move(dict);
  return Value(std::move(rep));
}

Value Value::Namespace(ValueDict dict) {
  Value v = Dict(std::move(dict));
  v.is_namespace_ = true;
  return v;
}

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kInt:
      return as_int() != 0;
    case Kind::kFloat:
      return as_float() != 0.0;
    case Kind::kString:
      return !as_string().empty();
    case Kind::kList:
      return !as_list().empty();
    case Kind::kDict:
      return is_namespace_ || as_dict().size() != 0;
    case Kind::kMacro:
      return true;
  }
  return false;
}

std::string_view Value::TypeName() const {
  switch (kind()) {
    case Kind::kUndefined: return "undefined";
    case Kind::kNone: return "NoneType object";
    case Kind::kBool: return "bool object";
    case Kind::kInt: return "int object";
    case Kind::kFloat: return "float object";
    case Kind::kString: return "str object";
    case Kind::kList: return is_tuple_ ? "tuple object" : "list object";
    case Kind::kDict: return is_namespace_ ? "Namespace object" : "dict object";
    case Kind::kMacro: return "Macro object";
  }
  return "object";
}

std::string Value::Str() const {
  switch (kind()) {
    case Kind::kUndefined: return "";
    case Kind::kString: return as_string();
    default: return Repr();
  }
}

std::string Value::Repr() const {
  switch (kind()) {
    case Kind::kUndefined: return "";
    case Kind::kNone: return "None";
    case Kind::kBool: return as_bool() ? "True" : "False";
    case Kind::kInt: return std::to_string(as_int());
    case Kind::kFloat: return FormatPyFloat(as_float());
    case Kind::kString: return ReprString(as_string());
    case Kind::kMacro: return "<Macro>";
    case Kind::kList: {
      std::string out = is_tuple_ ? "(" : "[";
      for (size_t i = 0; i < as_list().size(); ++i) {
        if (i > 0) out += ", ";
        out += as_list()[i].Repr();
      }
      if (is_tuple_ && as_list().size() == 1) out += ",";
      return out + (is_tuple_ ? ")" : "]");
    }
    case Kind::kDict: {
      std::string out = is_namespace_ ? "<Namespace {" : "{";
      bool first = true;
      for (const auto& [k, v] : as_dict().entries()) {
        if (!first) out += ", ";
        first = false;
        out += ReprString(k) + ": " + v.Repr();
      }
      return out + (is_namespace_ ? "}>" : "}");
    }
  }
  return "";
}

bool Equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.as_string() == b.as_string();
    case Value::Kind::kList: {
      if (a.is_tuple() != b.is_tuple()) return false;
      if (&a.as_list() == &b.as_list()) return true;  // shared: skip the walk
      const ValueList& x = a.as_list();
      const ValueList& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!Equals(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      if (&a.as_dict() == &b.as_dict()) return true;
      if (a.as_dict().size() != b.as_dict().size()) return false;
      for (const auto& [k, v] : a.as_dict().entries()) {
        const Value* other = b.as_dict().Find(k);
        if (other == nullptr || !Equals(v, *other)) return false;
      }
      return true;
    }
    case Value::Kind::kMacro:
      return a.as_macro() == b.as_macro();
    default:
      return false;
  }
}

std::string FormatPyFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  std::string sign;
  if (sci.front() == '-') {
    sign = "-";
    sci.remove_prefix(1);
  }
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  const int exp = std::stoi(std::string(sci.substr(e_pos + 1)));
  if (exp < -4 || exp >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return out + exp_buf;
  }
  if (exp < 0) return sign + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  const auto int_len = static_cast<size_t>(exp + 1);
  if (digits.size() <= int_len) {
    return sign + digits + std::string(int_len - digits.size(), '0') + ".0";
  }
  return sign + digits.substr(0, int_len) + "." + digits.substr(int_len);
}

namespace {

// Python's str.isprintable() for the code points repr() must escape.
bool IsPyPrintable(char32_t cp) {
  if (cp < 0x20 || cp == 0x7F) return false;
  if (cp >= 0x80 && cp <= 0xA0) return false;
  if (cp == 0xAD || cp == 0x1680 || cp == 0x3000 || cp == 0xFEFF) return false;
  if (cp >= 0x2000 && cp <= 0x200F) return false;
  if (cp >= 0x2028 && cp <= 0x202F) return false;
  if (cp >= 0x205F && cp <= 0x206F) return false;
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // incl. our escaped bytes
  if (cp >= 0xE000 && cp <= 0xF8FF) return false;  // private use
  return true;
}

void AppendEscape(char32_t cp, std::string& out) {
  char buf[16];
  if (cp <= 0xFF) {
    std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(cp));
  } else if (cp <= 0xFFFF) {
    std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(cp));
  } else {
    std::snprintf(buf, sizeof(buf), "\\U%08x", static_cast<unsigned>(cp));
  }
  out += buf;
}

}  // namespace

std::string ReprString(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t cp : DecodeUtf8(s)) {
    if (cp == '\\' || cp == static_cast<char32_t>(quote)) {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (!IsPyPrintable(cp)) {
      AppendEscape(cp, out);
    } else {
      AppendUtf8(cp, out);
    }
  }
  out.push_back(quote);
  return out;
}

}  // namespace dokja::text::jinja
