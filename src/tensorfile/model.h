// A model on disk: its weights (one TensorFile), its architecture as read from
// Hugging Face config.json or GGUF metadata, and which tokenizer files exist.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/env.h"
#include "tensorfile/metadata.h"
#include "tensorfile/tensor_file.h"

namespace dokja {

// Architecture numbers; 0 / empty where the source does not say.
struct ModelArch {
  std::string source;        // "config.json" or "gguf metadata"
  std::string architecture;  // "LlamaForCausalLM", "llama", ...
  // A multimodal config's text_config.architectures[0] ("LlamaForCausalLM"
  // inside a LLaVA config); empty otherwise.
  std::string text_architecture;
  std::string model_type;    // HF model_type, or GGUF general.architecture
  std::string name;          // GGUF general.name, if any
  int64_t n_layers = 0;
  int64_t d_model = 0;
  int64_t d_ff = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t n_vocab = 0;
  int64_t n_ctx = 0;
  int64_t n_experts = 0;
  int64_t n_experts_used = 0;
  double rope_theta = 0;
  double norm_eps = 0;
  std::optional<bool> tied_embeddings;
  // RoPE scaling ("llama3", "linear", "yarn", ...; empty when none).
  std::string rope_scaling_type;
  double rope_scaling_factor = 0;
  double rope_low_freq_factor = 0;
  double rope_high_freq_factor = 0;
  int64_t rope_original_ctx = 0;
  // Multimodal configs present in config.json.
  bool has_vision_config = false;
  bool has_audio_config = false;
};

// Parses an HF config.json (reads text_config for multimodal models).
// `path` only names the file in errors.
Result<ModelArch> ArchFromHfConfig(std::string_view json_text, const std::string& path);
// Reads `general.architecture` and `<arch>.*` keys.
ModelArch ArchFromGgufMetadata(const Metadata& metadata);

struct Model {
  std::string root;  // the folder (or file) the user named
  std::unique_ptr<TensorFile> weights;
  std::optional<ModelArch> arch;
  // Tokenizer files beside the weights (tokenizer.json, tokenizer.model, ...),
  // or "(embedded in GGUF: <kind>)".
  std::vector<std::string> tokenizer_files;
};

// Opens a model folder or weights file. For a file inside a folder that has a
// config.json, that config is read too.
Result<Model> OpenModel(io::Env& env, const std::string& path);

}  // namespace dokja
