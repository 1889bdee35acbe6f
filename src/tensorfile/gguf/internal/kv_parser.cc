#include "tensorfile/gguf/internal/kv_parser.h"

#include <algorithm>
#include <string>
#include <utility>

#include "base/utf8.h"

namespace dokja::gguf_internal {
namespace {

// Items reserved before parsing an array; larger arrays grow as they parse.
constexpr uint64_t kMaxReserveItems = 4096;

class KvParser {
 public:
  KvParser(HeaderCursor& cursor, const KvLimits& limits) : cursor_(cursor), limits_(limits) {}

  // Reads one value of `type`; `depth` counts the arrays around it.
  Status ParseValue(uint32_t type, uint32_t depth, MetaValue* out);

 private:
  Status CountValue();
  template <typename Wire, typename Stored>
  Status ParseScalar(MetaValue* out);
  Status ParseArray(uint32_t depth, MetaValue* out);

  HeaderCursor& cursor_;
  const KvLimits& limits_;
  uint64_t n_values_ = 0;
};

Status KvParser::CountValue() {
  if (++n_values_ > limits_.max_values) {
    return Status::Unsupported("metadata holds more than " + std::to_string(limits_.max_values) +
                               " values, our limit");
  }
  return Status::OK();
}

template <typename Wire, typename Stored>
Status KvParser::ParseScalar(MetaValue* out) {
  Wire v{};
  DOKJA_RETURN_IF_ERROR(cursor_.Read(&v));
  out->value = static_cast<Stored>(v);
  return Status::OK();
}

Status KvParser::ParseValue(uint32_t type, uint32_t depth, MetaValue* out) {
  DOKJA_RETURN_IF_ERROR(CountValue());
  out->type = static_cast<MetaType>(type);
  switch (out->type) {
    case MetaType::kU8: return ParseScalar<uint8_t, uint64_t>(out);
    case MetaType::kI8: return ParseScalar<int8_t, int64_t>(out);
    case MetaType::kU16: return ParseScalar<uint16_t, uint64_t>(out);
    case MetaType::kI16: return ParseScalar<int16_t, int64_t>(out);
    case MetaType::kU32: return ParseScalar<uint32_t, uint64_t>(out);
    case MetaType::kI32: return ParseScalar<int32_t, int64_t>(out);
    case MetaType::kU64: return ParseScalar<uint64_t, uint64_t>(out);
    case MetaType::kI64: return ParseScalar<int64_t, int64_t>(out);
    case MetaType::kF32: return ParseScalar<float, double>(out);
    case MetaType::kF64: return ParseScalar<double, double>(out);
    case MetaType::kBool: {
      uint8_t b = 0;
      DOKJA_RETURN_IF_ERROR(cursor_.Read(&b));
      if (b > 1) {
        return Status::Corrupt("bool byte " + std::to_string(b) + " at offset " +
                               std::to_string(cursor_.offset() - 1) + " is neither 0 nor 1");
      }
      out->value = b == 1;
      return Status::OK();
    }
    case MetaType::kString: {
      std::string s;
      DOKJA_RETURN_IF_ERROR(cursor_.ReadString(&s));
      out->value = std::move(s);
      return Status::OK();
    }
    case MetaType::kArray: return ParseArray(depth + 1, out);
  }
  // Callers check types with MinEncodedBytes first; this is a backstop.
  return Status::Internal("unchecked value type " + std::to_string(type));
}

Status KvParser::ParseArray(uint32_t depth, MetaValue* out) {
  if (depth > limits_.max_array_depth) {
    return Status::Unsupported("arrays nested " + std::to_string(depth) +
                               " deep exceed our limit of " +
                               std::to_string(limits_.max_array_depth));
  }
  uint32_t elem_type = 0;
  uint64_t count = 0;
  DOKJA_RETURN_IF_ERROR(cursor_.Read(&elem_type));
  const uint64_t min_bytes = MinEncodedBytes(elem_type);
  if (min_bytes == 0) {
    return Status::Corrupt("array element type " + std::to_string(elem_type) + " at offset " +
                           std::to_string(cursor_.offset() - 4) + " is unknown (expected 0.." +
                           std::to_string(kMetaTypeCount - 1) + ")");
  }
  DOKJA_RETURN_IF_ERROR(cursor_.Read(&count));
  if (count > cursor_.remaining() / min_bytes) {
    return Status::Corrupt("array count " + std::to_string(count) + " of " +
                           std::string(MetaTypeName(static_cast<MetaType>(elem_type))) +
                           " at offset " + std::to_string(cursor_.offset() - 8) +
                           " needs at least " + std::to_string(min_bytes) + " bytes each but " +
                           std::to_string(cursor_.remaining()) + " bytes are left");
  }
  if (count > limits_.max_values - n_values_) {
    return Status::Unsupported("array of " + std::to_string(count) + " items would take the " +
                               "metadata past our limit of " + std::to_string(limits_.max_values) +
                               " values");
  }
  MetaArray array;
  array.elem_type = static_cast<MetaType>(elem_type);
  // Grow as items parse rather than trusting count up front: an item takes
  // ~48 bytes here but may take 1 byte in the file.
  array.items.reserve(static_cast<size_t>(std::min<uint64_t>(count, kMaxReserveItems)));
  for (uint64_t item_idx = 0; item_idx < count; ++item_idx) {
    Status s = ParseValue(elem_type, depth, &array.items.emplace_back());
    if (!s.ok()) return s.WithPrefix("item " + std::to_string(item_idx));
  }
  out->value = std::move(array);
  return Status::OK();
}

}  // namespace

uint64_t MinEncodedBytes(uint32_t type) {
  switch (static_cast<MetaType>(type)) {
    case MetaType::kU8: case MetaType::kI8: case MetaType::kBool: return 1;
    case MetaType::kU16: case MetaType::kI16: return 2;
    case MetaType::kU32: case MetaType::kI32: case MetaType::kF32: return 4;
    case MetaType::kU64: case MetaType::kI64: case MetaType::kF64: return 8;
    case MetaType::kString: return 8;
    case MetaType::kArray: return 12;
  }
  return 0;
}

Status ParseKvPairs(HeaderCursor& cursor, uint64_t n_kv, const KvLimits& limits, Metadata* out) {
  KvParser parser(cursor, limits);
  for (uint64_t kv_idx = 0; kv_idx < n_kv; ++kv_idx) {
    const std::string where = "KV #" + std::to_string(kv_idx);
    std::string key;
    Status s = cursor.ReadString(&key);
    if (!s.ok()) return s.WithPrefix(where + ": key");
    if (key.empty()) return Status::Corrupt(where + ": key is empty");
    if (!IsValidUtf8(key)) return Status::Corrupt(where + ": key is not valid UTF-8");
    const std::string named = where + " '" + key + "'";
    uint32_t type = 0;
    s = cursor.Read(&type);
    if (!s.ok()) return s.WithPrefix(named + ": value type");
    if (MinEncodedBytes(type) == 0) {
      return Status::Corrupt(named + ": value type " + std::to_string(type) + " at offset " +
                             std::to_string(cursor.offset() - 4) + " is unknown (expected 0.." +
                             std::to_string(kMetaTypeCount - 1) + ")");
    }
    MetaValue value;
    s = parser.ParseValue(type, 0, &value);
    if (!s.ok()) return s.WithPrefix(named);
    if (!out->Add(key, std::move(value))) {
      return Status::Corrupt(named + ": duplicate key");
    }
  }
  return Status::OK();
}

}  // namespace dokja::gguf_internal
