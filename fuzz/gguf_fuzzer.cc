// libFuzzer harness for the GGUF reader and the ggml dequant kernels.
//
// The input becomes an in-memory file; OpenGguf must return OK or an error
// (never crash, hang or read out of bounds), and every tensor it accepts that
// we can dequantise is read back as f32. Seed corpus: tests/testdata/corrupt/gguf/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/env.h"
#include "tensorfile/tensor_file.h"

namespace {
// Keeps each run fast: tensors larger than this are skipped.
constexpr uint64_t kMaxTensorBytes = uint64_t{4} << 20;  // 4 MiB
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dokja::io::MemEnv env;
  env.AddFile("fuzz.gguf", std::string(reinterpret_cast<const char*>(data), size));
  auto file = dokja::OpenGguf(env, "fuzz.gguf");
  if (!file.ok()) return 0;
  for (const dokja::TensorInfo& t : (*file)->tensors()) {
    if (t.n_bytes > kMaxTensorBytes || t.n_elements > kMaxTensorBytes) continue;
    if (!dokja::Traits(t.dtype).can_dequantize) continue;
    auto values = (*file)->ReadF32(t);
    (void)values;  // an error is fine; a crash is not
  }
  return 0;
}
