// Placeholder until the GGUF reader lands.
#include "tensorfile/tensor_file.h"

namespace dokja {
Result<std::unique_ptr<TensorFile>> OpenGguf(io::Env&, const std::string& path) {
  return Status::Unsupported(path + ": GGUF reader not built yet");
}
Status DequantizeGgml(DType dtype, const std::byte*, uint64_t, float*) {
  return Status::Unsupported(std::string(DTypeName(dtype)) + ": dequantisation not built yet");
}
}  // namespace dokja
