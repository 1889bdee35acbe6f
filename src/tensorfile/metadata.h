// Key-value metadata of a tensor file: GGUF's typed KV pairs, or
// safetensors' `__metadata__` string map.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace dokja {

// GGUF value types, numbered as in the GGUF spec.
enum class MetaType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
inline constexpr uint32_t kMetaTypeCount = 13;
std::string_view MetaTypeName(MetaType type);

struct MetaValue;
// An array keeps its element type even when empty. Nested arrays are allowed.
struct MetaArray {
  MetaType elem_type = MetaType::kU8;
  std::vector<MetaValue> items;
};

struct MetaValue {
  MetaType type = MetaType::kU8;
  // Unsigned ints in uint64_t, signed in int64_t, floats in double.
  std::variant<uint64_t, int64_t, double, bool, std::string, MetaArray> value;

  std::optional<int64_t> AsInt() const;     // any integer type that fits
  std::optional<double> AsDouble() const;   // any numeric type
  const std::string* AsString() const;      // nullptr unless a string
  const MetaArray* AsArray() const;         // nullptr unless an array
  // Short human form: numbers, quoted strings, "[array of 32000 string]".
  std::string ToShortString() const;
};

// Ordered key-value pairs with lookup by key. Thread-compatible.
class Metadata {
 public:
  // False (and no change) when the key already exists.
  bool Add(std::string key, MetaValue value);
  const MetaValue* Find(std::string_view key) const;
  std::optional<int64_t> GetInt(std::string_view key) const;
  std::optional<double> GetDouble(std::string_view key) const;
  std::optional<std::string> GetString(std::string_view key) const;

  const std::vector<std::pair<std::string, MetaValue>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, MetaValue>> entries_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace dokja
