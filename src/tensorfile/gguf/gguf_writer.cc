#include "tensorfile/gguf/gguf_writer.h"

#include <cstring>
#include <fstream>
#include <limits>
#include <unordered_set>
#include <utility>

#include "tensorfile/tensor_file.h"

namespace dokja {
namespace {

constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

template <typename T>
void Put(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));  // little-endian host (checked in CMake)
  out->append(buf, sizeof(T));
}

void PutString(std::string* out, const std::string& s) {
  Put<uint64_t>(out, s.size());
  out->append(s);
}

void PadTo(std::string* out, uint64_t alignment) {
  out->append((alignment - out->size() % alignment) % alignment, '\0');
}

MetaValue Make(MetaType type, decltype(MetaValue::value) v) {
  MetaValue m;
  m.type = type;
  m.value = std::move(v);
  return m;
}

// Inclusive range of the integer types; false for non-integer types.
bool IntRange(MetaType type, int64_t* lo, uint64_t* hi) {
  switch (type) {
    case MetaType::kU8: *lo = 0; *hi = UINT8_MAX; return true;
    case MetaType::kI8: *lo = INT8_MIN; *hi = INT8_MAX; return true;
    case MetaType::kU16: *lo = 0; *hi = UINT16_MAX; return true;
    case MetaType::kI16: *lo = INT16_MIN; *hi = INT16_MAX; return true;
    case MetaType::kU32: *lo = 0; *hi = UINT32_MAX; return true;
    case MetaType::kI32: *lo = INT32_MIN; *hi = INT32_MAX; return true;
    case MetaType::kU64: *lo = 0; *hi = UINT64_MAX; return true;
    case MetaType::kI64: *lo = INT64_MIN; *hi = INT64_MAX; return true;
    default: return false;
  }
}

bool IsUnsigned(MetaType t) {
  return t == MetaType::kU8 || t == MetaType::kU16 || t == MetaType::kU32 || t == MetaType::kU64;
}

// Checks that the stored alternative matches the type and the value fits it.
Status CheckValue(const MetaValue& v) {
  const std::string type_name(MetaTypeName(v.type));
  int64_t lo = 0;
  uint64_t hi = 0;
  bool ok = false;
  if (IntRange(v.type, &lo, &hi)) {
    if (IsUnsigned(v.type)) {
      const auto* u = std::get_if<uint64_t>(&v.value);
      ok = u != nullptr && *u <= hi;
    } else {
      const auto* i = std::get_if<int64_t>(&v.value);
      ok = i != nullptr && *i >= lo && (*i < 0 || static_cast<uint64_t>(*i) <= hi);
    }
  } else if (v.type == MetaType::kF32 || v.type == MetaType::kF64) {
    ok = std::holds_alternative<double>(v.value);
  } else if (v.type == MetaType::kBool) {
    ok = std::holds_alternative<bool>(v.value);
  } else if (v.type == MetaType::kString) {
    ok = std::holds_alternative<std::string>(v.value);
  } else if (v.type == MetaType::kArray) {
    const MetaArray* a = std::get_if<MetaArray>(&v.value);
    if (a == nullptr) return Status::InvalidArgument("array value holds no MetaArray");
    for (size_t item_idx = 0; item_idx < a->items.size(); ++item_idx) {
      const MetaValue& item = a->items[item_idx];
      Status s = item.type == a->elem_type
                     ? CheckValue(item)
                     : Status::InvalidArgument("type " + std::string(MetaTypeName(item.type)) +
                                               " in an array of " +
                                               std::string(MetaTypeName(a->elem_type)));
      if (!s.ok()) return s.WithPrefix("item " + std::to_string(item_idx));
    }
    return Status::OK();
  } else {
    return Status::InvalidArgument("unknown value type " +
                                   std::to_string(static_cast<uint32_t>(v.type)));
  }
  if (!ok) return Status::InvalidArgument("value does not fit type " + type_name);
  return Status::OK();
}

void PutValue(std::string* out, const MetaValue& v) {
  switch (v.type) {
    case MetaType::kU8: Put<uint8_t>(out, static_cast<uint8_t>(std::get<uint64_t>(v.value))); break;
    case MetaType::kI8: Put<int8_t>(out, static_cast<int8_t>(std::get<int64_t>(v.value))); break;
    case MetaType::kU16: Put<uint16_t>(out, static_cast<uint16_t>(std::get<uint64_t>(v.value))); break;
    case MetaType::kI16: Put<int16_t>(out, static_cast<int16_t>(std::get<int64_t>(v.value))); break;
    case MetaType::kU32: Put<uint32_t>(out, static_cast<uint32_t>(std::get<uint64_t>(v.value))); break;
    case MetaType::kI32: Put<int32_t>(out, static_cast<int32_t>(std::get<int64_t>(v.value))); break;
    case MetaType::kU64: Put<uint64_t>(out, std::get<uint64_t>(v.value)); break;
    case MetaType::kI64: Put<int64_t>(out, std::get<int64_t>(v.value)); break;
    case MetaType::kF32: Put<float>(out, static_cast<float>(std::get<double>(v.value))); break;
    case MetaType::kF64: Put<double>(out, std::get<double>(v.value)); break;
    case MetaType::kBool: Put<uint8_t>(out, std::get<bool>(v.value) ? 1 : 0); break;
    case MetaType::kString: PutString(out, std::get<std::string>(v.value)); break;
    case MetaType::kArray: {
      const MetaArray& a = std::get<MetaArray>(v.value);
      Put<uint32_t>(out, static_cast<uint32_t>(a.elem_type));
      Put<uint64_t>(out, a.items.size());
      for (const MetaValue& item : a.items) PutValue(out, item);
      break;
    }
  }
}

}  // namespace

MetaValue MetaU8(uint8_t v) { return Make(MetaType::kU8, uint64_t{v}); }
MetaValue MetaI8(int8_t v) { return Make(MetaType::kI8, int64_t{v}); }
MetaValue MetaU16(uint16_t v) { return Make(MetaType::kU16, uint64_t{v}); }
MetaValue MetaI16(int16_t v) { return Make(MetaType::kI16, int64_t{v}); }
MetaValue MetaU32(uint32_t v) { return Make(MetaType::kU32, uint64_t{v}); }
MetaValue MetaI32(int32_t v) { return Make(MetaType::kI32, int64_t{v}); }
MetaValue MetaU64(uint64_t v) { return Make(MetaType::kU64, v); }
MetaValue MetaI64(int64_t v) { return Make(MetaType::kI64, v); }
MetaValue MetaF32(float v) { return Make(MetaType::kF32, double{v}); }
MetaValue MetaF64(double v) { return Make(MetaType::kF64, v); }
MetaValue MetaBool(bool v) { return Make(MetaType::kBool, v); }
MetaValue MetaStr(std::string v) { return Make(MetaType::kString, std::move(v)); }
MetaValue MetaArr(MetaType elem_type, std::vector<MetaValue> items) {
  return Make(MetaType::kArray, MetaArray{elem_type, std::move(items)});
}

GgufWriter::GgufWriter(GgufWriterOptions options) : options_(options) {}

Status GgufWriter::AddKv(std::string key, MetaValue value) {
  if (key.empty()) return Status::InvalidArgument("GGUF key is empty");
  if (key == "general.alignment") {
    return Status::InvalidArgument("general.alignment: set GgufWriterOptions::alignment instead");
  }
  Status s = CheckValue(value);
  if (!s.ok()) return s.WithPrefix(key);
  if (!metadata_.Add(key, std::move(value))) {
    return Status::InvalidArgument(key + ": duplicate key");
  }
  return Status::OK();
}

Status GgufWriter::AddTensor(std::string name, DType dtype, std::vector<uint64_t> shape,
                             std::string bytes) {
  if (name.empty()) return Status::InvalidArgument("GGUF tensor name is empty");
  for (const PendingTensor& t : tensors_) {
    if (t.name == name) return Status::InvalidArgument(name + ": duplicate tensor name");
  }
  if (Traits(dtype).ggml_type < 0) {
    return Status::InvalidArgument(name + ": GGUF has no type for " +
                                   std::string(DTypeName(dtype)));
  }
  if (shape.size() > kMaxDims) {
    return Status::InvalidArgument(name + ": " + std::to_string(shape.size()) +
                                   " dims exceed GGUF's 4");
  }
  for (uint64_t dim : shape) {
    if (dim == 0) return Status::InvalidArgument(name + ": GGUF tensors cannot have a 0 extent");
  }
  uint64_t n_elements = 0, n_bytes = 0;
  Status s = ComputeTensorSize(name, shape, dtype, &n_elements, &n_bytes);
  if (!s.ok()) return Status::InvalidArgument(s.message());
  if (bytes.size() != n_bytes) {
    return Status::InvalidArgument(name + ": " + std::to_string(bytes.size()) +
                                   " bytes given, shape needs " + std::to_string(n_bytes));
  }
  tensors_.push_back({std::move(name), dtype, std::move(shape), std::move(bytes)});
  return Status::OK();
}

Result<std::string> GgufWriter::Build() const {
  const uint32_t align = options_.alignment;
  if (align == 0 || (align & (align - 1)) != 0) {
    return Status::InvalidArgument("GGUF alignment " + std::to_string(align) +
                                   " is not a non-zero power of two");
  }
  if (options_.version != 2 && options_.version != 3) {
    return Status::InvalidArgument("GGUF version " + std::to_string(options_.version) +
                                   " cannot be written; use 2 or 3");
  }
  const bool write_alignment = align != 32;
  std::string out = "GGUF";
  Put<uint32_t>(&out, options_.version);
  Put<uint64_t>(&out, tensors_.size());
  Put<uint64_t>(&out, metadata_.size() + (write_alignment ? 1 : 0));
  for (const auto& [key, value] : metadata_.entries()) {
    PutString(&out, key);
    Put<uint32_t>(&out, static_cast<uint32_t>(value.type));
    PutValue(&out, value);
  }
  if (write_alignment) {
    PutString(&out, "general.alignment");
    Put<uint32_t>(&out, static_cast<uint32_t>(MetaType::kU32));
    Put<uint32_t>(&out, align);
  }
  uint64_t rel_offset = 0;
  for (const PendingTensor& t : tensors_) {
    PutString(&out, t.name);
    Put<uint32_t>(&out, static_cast<uint32_t>(t.shape.size()));
    for (size_t k = t.shape.size(); k-- > 0;) Put<uint64_t>(&out, t.shape[k]);
    Put<uint32_t>(&out, static_cast<uint32_t>(Traits(t.dtype).ggml_type));
    Put<uint64_t>(&out, rel_offset);
    rel_offset += (t.bytes.size() + align - 1) / align * align;
  }
  PadTo(&out, align);
  for (const PendingTensor& t : tensors_) {
    out += t.bytes;
    PadTo(&out, align);
  }
  return out;
}

Status GgufWriter::WriteFile(const std::string& path) const {
  DOKJA_ASSIGN_OR_RETURN(std::string bytes, Build());
  return WriteBytesToFile(path, bytes);
}

Status WriteBytesToFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return Status::IOError(path + ": cannot open for writing");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) return Status::IOError(path + ": write of " + std::to_string(bytes.size()) +
                                 " bytes failed");
  return Status::OK();
}

}  // namespace dokja
