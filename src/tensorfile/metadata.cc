#include "tensorfile/metadata.h"

#include <cstdio>

namespace dokja {

std::string_view MetaTypeName(MetaType type) {
  switch (type) {
    case MetaType::kU8: return "u8";
    case MetaType::kI8: return "i8";
    case MetaType::kU16: return "u16";
    case MetaType::kI16: return "i16";
    case MetaType::kU32: return "u32";
    case MetaType::kI32: return "i32";
    case MetaType::kF32: return "f32";
    case MetaType::kBool: return "bool";
    case MetaType::kString: return "string";
    case MetaType::kArray: return "array";
    case MetaType::kU64: return "u64";
    case MetaType::kI64: return "i64";
    case MetaType::kF64: return "f64";
  }
  return "unknown";
}

std::optional<int64_t> MetaValue::AsInt() const {
  if (const auto* u = std::get_if<uint64_t>(&value)) {
    if (*u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  if (const auto* i = std::get_if<int64_t>(&value)) return *i;
  return std::nullopt;
}

std::optional<double> MetaValue::AsDouble() const {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* u = std::get_if<uint64_t>(&value)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  return std::nullopt;
}

const std::string* MetaValue::AsString() const { return std::get_if<std::string>(&value); }
const MetaArray* MetaValue::AsArray() const { return std::get_if<MetaArray>(&value); }

std::string MetaValue::ToShortString() const {
  if (const auto* u = std::get_if<uint64_t>(&value)) return std::to_string(*u);
  if (const auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", *d);
    return buf;
  }
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<std::string>(&value)) {
    std::string out = "\"";
    out += s->size() > 60 ? s->substr(0, 57) + "..." : *s;
    return out + "\"";
  }
  const MetaArray& a = std::get<MetaArray>(value);
  return "[array of " + std::to_string(a.items.size()) + " " +
         std::string(MetaTypeName(a.elem_type)) + "]";
}

bool Metadata::Add(std::string key, MetaValue value) {
  if (index_.count(key) != 0) return false;
  index_.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
  return true;
}

const MetaValue* Metadata::Find(std::string_view key) const {
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

std::optional<int64_t> Metadata::GetInt(std::string_view key) const {
  const MetaValue* v = Find(key);
  return v ? v->AsInt() : std::nullopt;
}

std::optional<double> Metadata::GetDouble(std::string_view key) const {
  const MetaValue* v = Find(key);
  return v ? v->AsDouble() : std::nullopt;
}

std::optional<std::string> Metadata::GetString(std::string_view key) const {
  const MetaValue* v = Find(key);
  if (v == nullptr || v->AsString() == nullptr) return std::nullopt;
  return *v->AsString();
}

}  // namespace dokja
