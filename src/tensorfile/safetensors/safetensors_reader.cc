// Placeholder until the safetensors reader lands.
#include "tensorfile/tensor_file.h"

namespace dokja {
Result<std::unique_ptr<TensorFile>> OpenSafetensors(io::Env&, const std::string& path) {
  return Status::Unsupported(path + ": safetensors reader not built yet");
}
Result<std::unique_ptr<TensorFile>> OpenShardedSafetensors(io::Env&, const std::string& path) {
  return Status::Unsupported(path + ": safetensors reader not built yet");
}
}  // namespace dokja
