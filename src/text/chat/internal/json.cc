#include "text/chat/internal/json.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "base/json_escape.h"

namespace dokja::text::jinja {
namespace {

constexpr int kMaxJsonDepth = 64;

class JsonWriter {
 public:
  explicit JsonWriter(const JsonFormat& format) : format_(format) {
    if (format_.item_separator.empty()) item_separator_ = format_.indent ? "," : ", ";
    else item_separator_ = format_.item_separator;
  }

  Status Write(const Value& v, int level, std::string& out) const {
    if (level > kMaxJsonDepth) return Status::InvalidArgument("tojson: value nests too deeply");
    switch (v.kind()) {
      case Value::Kind::kNone: out += "null"; return Status::OK();
      case Value::Kind::kBool: out += v.as_bool() ? "true" : "false"; return Status::OK();
      case Value::Kind::kInt: out += std::to_string(v.as_int()); return Status::OK();
      case Value::Kind::kFloat: WriteFloat(v.as_float(), out); return Status::OK();
      case Value::Kind::kString: AppendJsonQuoted(out, v.as_string()); return Status::OK();
      case Value::Kind::kList: return WriteList(v.as_list(), level, out);
      case Value::Kind::kDict: return WriteDict(v.as_dict(), level, out);
      default:
        return Status::InvalidArgument("tojson: object of type " +
                                       std::string(v.is_undefined() ? "Undefined" : "Macro") +
                                       " is not JSON serializable");
    }
  }

 private:
  static void WriteFloat(double d, std::string& out) {
    if (std::isnan(d)) out += "NaN";
    else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
    else out += FormatPyFloat(d);
  }

  // Newline and indentation before an item at `level`, when indenting.
  void Break(int level, std::string& out) const {
    if (!format_.indent) return;
    out.push_back('\n');
    out.append(static_cast<size_t>(std::max(0, *format_.indent) * level), ' ');
  }

  Status WriteList(const ValueList& items, int level, std::string& out) const {
    if (items.empty()) {
      out += "[]";
      return Status::OK();
    }
    out.push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += item_separator_;
      Break(level + 1, out);
      DOKJA_RETURN_IF_ERROR(Write(items[i], level + 1, out));
    }
    Break(level, out);
    out.push_back(']');
    return Status::OK();
  }

  Status WriteDict(const ValueDict& dict, int level, std::string& out) const {
    if (dict.size() == 0) {
      out += "{}";
      return Status::OK();
    }
    std::vector<const std::pair<std::string, Value>*> entries;
    for (const auto& e : dict.entries()) entries.push_back(&e);
    if (format_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto* a, const auto* b) { return a->first < b->first; });
    }
    out.push_back('{');
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out += item_separator_;
      Break(level + 1, out);
      AppendJsonQuoted(out, entries[i]->first);
      out += format_.key_separator;
      DOKJA_RETURN_IF_ERROR(Write(entries[i]->second, level + 1, out));
    }
    Break(level, out);
    out.push_back('}');
    return Status::OK();
  }

  const JsonFormat& format_;
  std::string item_separator_;
};

// Deepest bracket nesting in JSON text, ignoring brackets inside strings.
int JsonDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

Value FromNlohmann(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::None();
    case nlohmann::ordered_json::value_t::boolean: return Value::Bool(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value::Int(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value::Int(static_cast<int64_t>(u));
      return Value::Float(static_cast<double>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value::Float(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value::String(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      ValueList items;
      for (const auto& item : j) items.push_back(FromNlohmann(item));
      return Value::List(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      ValueDict dict;
      for (const auto& [key, item] : j.items()) dict.Set(key, FromNlohmann(item));
      return Value::Dict(std::move(dict));
    }
    default:
      return Value::None();
  }
}

}  // namespace

Result<std::string> ToJson(const Value& value, const JsonFormat& format) {
  std::string out;
  JsonWriter writer(format);
  DOKJA_RETURN_IF_ERROR(writer.Write(value, 0, out));
  return out;
}

Result<Value> FromJson(std::string_view text, std::string_view what) {
  if (JsonDepth(text) > kMaxJsonDepth) {
    return Status::InvalidArgument(std::string(what) + ": JSON nests deeper than " +
                                   std::to_string(kMaxJsonDepth) + " levels");
  }
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::InvalidArgument(std::string(what) + ": not valid JSON");
  }
  return FromNlohmann(j);
}

}  // namespace dokja::text::jinja
