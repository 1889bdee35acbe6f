// libFuzzer harness: any bytes as a sharded checkpoint's index.json, next to
// two fixed, valid shards (a.safetensors: x, y; b.safetensors: z).
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/env.h"
#include "tensorfile/safetensors/safetensors_reader.h"

namespace {

// A valid shard of U8 [1] tensors with the given names.
std::string Shard(const std::string& names) {
  std::string header = "{", data;
  for (size_t i = 0; i < names.size(); ++i) {
    header += (i ? ",\"" : "\"") + names.substr(i, 1) + R"(":{"dtype":"U8","shape":[1],)" +
              R"("data_offsets":[)" + std::to_string(i) + "," + std::to_string(i + 1) + "]}";
    data.push_back('0');
  }
  header += "}";
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dokja::io::MemEnv env;
  env.AddFile("m/a.safetensors", Shard("xy"));
  env.AddFile("m/b.safetensors", Shard("z"));
  env.AddFile("m/model.safetensors.index.json",
              std::string(reinterpret_cast<const char*>(data), size));
  auto file = dokja::OpenShardedSafetensors(env, "m/model.safetensors.index.json");
  if (!file.ok()) return 0;
  for (const dokja::TensorInfo& t : (*file)->tensors()) {
    if (!(*file)->ReadF32(t).ok()) __builtin_trap();
  }
  return 0;
}
