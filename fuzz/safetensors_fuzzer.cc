// libFuzzer harness: any bytes as a .safetensors file. Opening must never
// crash, hang or read out of bounds; every tensor that opens must read.
// Seeds: tests/testdata/corrupt/safetensors/ plus any valid files.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/env.h"
#include "tensorfile/safetensors/safetensors_reader.h"

namespace {
// Tensors above this are skipped so each input stays fast.
constexpr uint64_t kMaxTensorBytes = 4 << 20;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dokja::io::MemEnv env;
  env.AddFile("fuzz.safetensors", std::string(reinterpret_cast<const char*>(data), size));
  auto file = dokja::OpenSafetensors(env, "fuzz.safetensors");
  if (!file.ok()) return 0;
  for (const dokja::TensorInfo& t : (*file)->tensors()) {
    if (t.n_bytes > kMaxTensorBytes || t.n_elements > kMaxTensorBytes) continue;
    auto values = (*file)->ReadF32(t);
    if (!values.ok()) __builtin_trap();  // an opened file's tensors must all read
  }
  return 0;
}
