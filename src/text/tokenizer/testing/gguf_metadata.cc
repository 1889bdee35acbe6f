#include "text/tokenizer/testing/gguf_metadata.h"

#include "tensorfile/tensor_file.h"

namespace dokja::text::testing {

Result<Metadata> LoadGgufMetadata(io::Env& env, const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<TensorFile> file, OpenGguf(env, path));
  return file->metadata();
}

}  // namespace dokja::text::testing
