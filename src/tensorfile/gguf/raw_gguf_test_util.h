// RawGguf: builds GGUF bytes field by field for tests, with no validation, so
// tests can write both well-formed files (checked against the reader without
// going through our writer) and every kind of broken one.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>

namespace dokja::testing {

class RawGguf {
 public:
  template <typename T>
  RawGguf& Put(T v) {
    char buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));
    bytes_.append(buf, sizeof(T));
    return *this;
  }
  RawGguf& U8(uint8_t v) { return Put(v); }
  RawGguf& U32(uint32_t v) { return Put(v); }
  RawGguf& U64(uint64_t v) { return Put(v); }
  RawGguf& Raw(const std::string& s) {
    bytes_ += s;
    return *this;
  }
  // A GGUF string: u64 length, bytes.
  RawGguf& Str(const std::string& s) { return U64(s.size()).Raw(s); }

  // Magic, version, n_tensors, n_kv.
  RawGguf& Header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    return Raw("GGUF").U32(version).U64(n_tensors).U64(n_kv);
  }
  // Key and type of a KV pair; the caller writes the value.
  RawGguf& Key(const std::string& key, uint32_t type) { return Str(key).U32(type); }
  RawGguf& KvU32(const std::string& key, uint32_t v) { return Key(key, 4).U32(v); }
  RawGguf& KvStr(const std::string& key, const std::string& v) { return Key(key, 8).Str(v); }
  // A tensor info; `ne` innermost first, as stored.
  RawGguf& Info(const std::string& name, std::initializer_list<uint64_t> ne, uint32_t ggml_type,
                uint64_t offset) {
    Str(name).U32(static_cast<uint32_t>(ne.size()));
    for (uint64_t n : ne) U64(n);
    return U32(ggml_type).U64(offset);
  }
  // Zero bytes up to a multiple of `alignment`.
  RawGguf& Pad(uint64_t alignment) {
    bytes_.append((alignment - bytes_.size() % alignment) % alignment, '\0');
    return *this;
  }
  RawGguf& Zeros(size_t n) {
    bytes_.append(n, '\0');
    return *this;
  }

  const std::string& bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }

 private:
  std::string bytes_;
};

}  // namespace dokja::testing
