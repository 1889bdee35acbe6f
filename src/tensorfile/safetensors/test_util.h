// Helpers shared by the safetensors tests. Test-only.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "io/env.h"
#include "tensorfile/safetensors/safetensors_writer.h"

namespace dokja::safetensors_test {

// A file of the 8-byte length of `header`, `header` itself and `data`, as is:
// no padding, no checks. For building broken files by hand.
inline std::string RawFile(std::string_view header, std::string_view data = {}) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out.append(header).append(data);
}

// Little-endian bytes of a list of values.
template <typename T>
std::string LeBytes(const std::vector<T>& values) {
  std::string out(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// A sink that adds its bytes to a MemEnv as `path` on Close().
class MemEnvSink final : public ByteSink {
 public:
  MemEnvSink(io::MemEnv& env, std::string path) : env_(env), path_(std::move(path)) {}
  Status Append(ByteView bytes) override {
    data_.append(AsStringView(bytes));
    return Status::OK();
  }
  Status Close() override {
    env_.AddFile(path_, std::move(data_));
    return Status::OK();
  }

 private:
  io::MemEnv& env_;
  std::string path_;
  std::string data_;
};

inline SinkOpener MemEnvOpener(io::MemEnv& env) {
  return [&env](const std::string& path) -> Result<std::unique_ptr<ByteSink>> {
    return std::unique_ptr<ByteSink>(new MemEnvSink(env, path));
  };
}

inline TensorToWrite InMemory(std::string name, DType dtype, std::vector<uint64_t> shape,
                              const std::string& bytes) {
  TensorToWrite t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes = AsBytes(bytes);
  return t;
}

}  // namespace dokja::safetensors_test
