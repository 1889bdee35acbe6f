// Writing fixtures: Hugging Face folders (config.json + model.safetensors via
// our WriteSafetensorsFile) and llama.cpp-style GGUF files via GgufWriter.
#pragma once

#include <torch/torch.h>

#include <string>

#include "tensorfile/dtype.h"
#include "tiny_llama.h"

namespace dokja::fixtures {

// Writes <dir>/config.json and <dir>/model.safetensors (tensors in name
// order, stored as `dtype`: kF32 or kBF16). Throws on failure.
void SaveHfFolder(const std::string& dir, const Params& p, const std::string& config_json,
                  DType dtype = DType::kF32);

// llama.cpp's convert_hf_to_gguf permute for llama q/k: rotate-half rows
// (i, i + hd/2) become Meta's interleaved rows (2i, 2i + 1) within each head.
torch::Tensor HfToMetaRows(const torch::Tensor& w, int64_t n_heads);

// Writes a GGUF with general.architecture = llama, the llama.* keys, a
// byte-level vocabulary, F32 norms and every 2-D weight as `quant`.
void SaveLlamaGguf(const std::string& path, const Params& p, const LlamaConfig& c, DType quant,
                   const std::string& name);

}  // namespace dokja::fixtures
