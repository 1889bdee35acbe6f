#include "text/tokenizer/testing/gguf_kv_loader.h"

#include <cstring>

#include "base/bytes.h"

namespace dokja::text::testing {
namespace {

class Reader {
 public:
  Reader(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  template <typename T>
  Result<T> Read() {
    if (bytes_.size() - pos_ < sizeof(T)) return Truncated();
    T v = LoadLE<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }

  Result<std::string> ReadString() {
    DOKJA_ASSIGN_OR_RETURN(uint64_t n, Read<uint64_t>());
    if (n > bytes_.size() - pos_) return Truncated();
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  Result<MetaValue> ReadValue(MetaType type, int depth) {
    MetaValue v;
    v.type = type;
    switch (type) {
      case MetaType::kU8: { DOKJA_ASSIGN_OR_RETURN(uint8_t x, Read<uint8_t>()); v.value = uint64_t{x}; break; }
      case MetaType::kI8: { DOKJA_ASSIGN_OR_RETURN(int8_t x, Read<int8_t>()); v.value = int64_t{x}; break; }
      case MetaType::kU16: { DOKJA_ASSIGN_OR_RETURN(uint16_t x, Read<uint16_t>()); v.value = uint64_t{x}; break; }
      case MetaType::kI16: { DOKJA_ASSIGN_OR_RETURN(int16_t x, Read<int16_t>()); v.value = int64_t{x}; break; }
      case MetaType::kU32: { DOKJA_ASSIGN_OR_RETURN(uint32_t x, Read<uint32_t>()); v.value = uint64_t{x}; break; }
      case MetaType::kI32: { DOKJA_ASSIGN_OR_RETURN(int32_t x, Read<int32_t>()); v.value = int64_t{x}; break; }
      case MetaType::kU64: { DOKJA_ASSIGN_OR_RETURN(uint64_t x, Read<uint64_t>()); v.value = x; break; }
      case MetaType::kI64: { DOKJA_ASSIGN_OR_RETURN(int64_t x, Read<int64_t>()); v.value = x; break; }
      case MetaType::kF32: { DOKJA_ASSIGN_OR_RETURN(float x, Read<float>()); v.value = double{x}; break; }
      case MetaType::kF64: { DOKJA_ASSIGN_OR_RETURN(double x, Read<double>()); v.value = x; break; }
      case MetaType::kBool: { DOKJA_ASSIGN_OR_RETURN(uint8_t x, Read<uint8_t>()); v.value = x != 0; break; }
      case MetaType::kString: { DOKJA_ASSIGN_OR_RETURN(std::string s, ReadString()); v.value = std::move(s); break; }
      case MetaType::kArray: {
        if (depth > 4) return Status::Corrupt(name_ + ": arrays nested too deep");
        DOKJA_ASSIGN_OR_RETURN(MetaArray a, ReadArray(depth));
        v.value = std::move(a);
        break;
      }
      default:
        return Status::Corrupt(name_ + ": unknown value type " + std::to_string(static_cast<uint32_t>(type)));
    }
    return v;
  }

  Result<MetaArray> ReadArray(int depth) {
    DOKJA_ASSIGN_OR_RETURN(uint32_t elem, Read<uint32_t>());
    DOKJA_ASSIGN_OR_RETURN(uint64_t count, Read<uint64_t>());
    if (elem >= kMetaTypeCount) return Status::Corrupt(name_ + ": unknown array element type");
    if (count > bytes_.size() - pos_) return Truncated();  // every item takes >= 1 byte
    MetaArray a;
    a.elem_type = static_cast<MetaType>(elem);
    a.items.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      DOKJA_ASSIGN_OR_RETURN(MetaValue item, ReadValue(a.elem_type, depth + 1));
      a.items.push_back(std::move(item));
    }
    return a;
  }

 private:
  Status Truncated() const { return Status::Corrupt(name_ + ": truncated at byte " + std::to_string(pos_)); }

  std::string_view bytes_;
  const std::string& name_;
  size_t pos_ = 0;
};

}  // namespace

Result<Metadata> ParseGgufKv(std::string_view bytes, const std::string& name) {
  Reader r(bytes, name);
  DOKJA_ASSIGN_OR_RETURN(uint32_t magic, r.Read<uint32_t>());
  if (magic != 0x46554747) return Status::Corrupt(name + ": not a GGUF file");
  DOKJA_ASSIGN_OR_RETURN(uint32_t version, r.Read<uint32_t>());
  if (version != 2 && version != 3) return Status::Unsupported(name + ": GGUF version " + std::to_string(version));
  DOKJA_ASSIGN_OR_RETURN(uint64_t n_tensors, r.Read<uint64_t>());
  (void)n_tensors;
  DOKJA_ASSIGN_OR_RETURN(uint64_t n_kv, r.Read<uint64_t>());
  Metadata md;
  for (uint64_t i = 0; i < n_kv; ++i) {
    DOKJA_ASSIGN_OR_RETURN(std::string key, r.ReadString());
    DOKJA_ASSIGN_OR_RETURN(uint32_t type, r.Read<uint32_t>());
    DOKJA_ASSIGN_OR_RETURN(MetaValue value, r.ReadValue(static_cast<MetaType>(type), 0));
    if (!md.Add(key, std::move(value))) return Status::Corrupt(name + ": duplicate key " + key);
  }
  return md;
}

Result<Metadata> LoadGgufKv(io::Env& env, const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::string bytes, env.ReadFileToString(path, uint64_t{1} << 30));
  return ParseGgufKv(bytes, path);
}

}  // namespace dokja::text::testing
