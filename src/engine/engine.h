// The embedded inference engine: small Llama-family transformers on the CPU.
//
// Supports Llama 2/3 (incl. Llama-3 RoPE scaling), Mistral, Qwen2/2.5 (QKV
// bias) and Qwen3 (QK-norm): GQA, RMSNorm, SwiGLU, tied or untied embeddings.
// Weights come from a tensorfile::Model (HF safetensors or GGUF, quantised
// tensors dequantised to f32 at load). Matrix work goes through BLAS.
//
// RoPE: we keep q/k rows in Hugging Face's rotate-half layout. GGUF files of
// llama-type architectures store them in Meta's interleaved layout (llama.cpp's
// converter permutes them), so the loader permutes those rows back; Qwen GGUFs
// already use rotate-half (llama.cpp's NEOX mode) and are loaded as they are.
//
// Thread-safety: an Engine is immutable after Load() and may be shared by any
// number of Sessions on different threads; a Session is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "tensorfile/model.h"

namespace dokja::engine {

struct EngineConfig {
  std::string architecture;  // as the model names it
  int32_t n_layers = 0;
  int32_t d_model = 0;
  int32_t d_ff = 0;
  int32_t n_heads = 0;
  int32_t n_kv_heads = 0;
  int32_t head_dim = 0;
  int32_t n_vocab = 0;
  int32_t n_ctx = 0;        // the context this engine allows (KV cache capacity)
  float norm_eps = 1e-5f;
  bool qkv_bias = false;    // Qwen2
  bool qk_norm = false;     // Qwen3
  bool tied_embeddings = false;
  // Per rotary pair i < head_dim/2: the angle per position, scaling applied.
  std::vector<double> rope_inv_freq;
};

struct EngineOptions {
  int32_t n_threads = 0;  // BLAS threads; 0: one per core
  int32_t n_ctx = 0;      // 0: the model's training context, capped at 4096
};

class Session;
struct Weights;

class Engine {
 public:
  // Loads the text model of `model`. Unsupported (naming the architecture)
  // for anything outside the Llama family; Corrupt for missing or misshapen
  // tensors, naming them.
  static Result<std::unique_ptr<Engine>> Load(const Model& model, const EngineOptions& options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EngineConfig& config() const { return config_; }
  // Bytes of f32 weights held in memory.
  uint64_t weight_bytes() const;
  std::unique_ptr<Session> NewSession() const;

 private:
  friend class Session;
  Engine(EngineConfig config, std::unique_ptr<Weights> weights);

  EngineConfig config_;
  std::unique_ptr<Weights> weights_;
};

// One sequence: its KV cache and position.
class Session {
 public:
  explicit Session(const Engine& engine);
  ~Session();

  // Appends `tokens` at positions [n_past(), n_past() + tokens.size()) and
  // writes logits to *logits: every position's row (all_logits) or only the
  // last one's, row-major [rows][n_vocab]. InvalidArgument for token ids out
  // of range or when the context would overflow n_ctx.
  Status Eval(std::span<const int32_t> tokens, bool all_logits, std::vector<float>* logits);

  int32_t n_past() const { return n_past_; }
  // Forgets positions >= n (to reuse a shared prefix). REQUIRES: n <= n_past().
  void Truncate(int32_t n);
  // Bytes of the KV cache.
  uint64_t kv_bytes() const;
  const EngineConfig& config() const { return engine_.config(); }

 private:
  const Engine& engine_;
  int32_t n_past_ = 0;
  // [layer][position][n_kv_heads * head_dim]
  std::vector<std::vector<float>> k_cache_, v_cache_;
};

}  // namespace dokja::engine
