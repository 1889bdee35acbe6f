// A tiny Llama (and Mixtral) written as functions over a map of Hugging Face
// tensor names, so a model in memory is already its safetensors state dict.
//
// Layout follows transformers' LlamaForCausalLM exactly: RMSNorm with a gain,
// rotate-half RoPE on q/k, grouped-query attention (q head h reads KV head
// h / (n_heads / n_kv_heads)), SwiGLU MLP, untied or tied lm_head. With
// n_experts > 0 the MLP is Mixtral's block_sparse_moe (softmax router, top-k,
// weights renormalised over the chosen experts).
//
// Thread-compatible; LibTorch only (this folder is built with
// DOKJA_BUILD_FIXTURE_TOOLS=ON).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dokja::fixtures {

// Tensors by HF name. std::map so iteration (and thus files) is in name order.
using Params = std::map<std::string, torch::Tensor>;

struct LlamaConfig {
  int64_t d_model = 64;
  int64_t n_layers = 4;
  int64_t n_heads = 4;
  int64_t n_kv_heads = 2;
  int64_t d_ff = 128;  // a multiple of 32 so every row quantises to whole ggml blocks
  int64_t n_vocab = 256;
  int64_t n_ctx = 64;
  double rope_theta = 10000.0;
  double norm_eps = 1e-5;
  bool tied = false;
  int64_t n_experts = 0;  // > 0: Mixtral MoE MLP
  int64_t n_experts_used = 0;

  int64_t head_dim() const { return d_model / n_heads; }
};

// "model.layers.<l>.<rest>"
std::string LayerName(int64_t l, const std::string& rest);

// The tensor names of a model, in the order InitLlama draws them.
std::vector<std::string> LlamaParamNames(const LlamaConfig& c);

// Fresh weights: torch::manual_seed(seed), then N(0, 0.02) for every matrix
// (transformers' initializer_range) and ones for norm gains, drawn in
// LlamaParamNames order, so one seed always gives the same init.
Params InitLlama(const LlamaConfig& c, uint64_t seed);

// Logits [B, P + T, n_vocab] for tokens [B, T] (int64), after an optional
// prefix of input embeddings [B, P, d_model] (image tokens). Computes in the
// dtype of the params.
torch::Tensor LlamaForward(const Params& p, const LlamaConfig& c, const torch::Tensor& tokens,
                           const torch::Tensor& prefix = torch::Tensor());

// Mean next-token cross-entropy of windows [B, T + 1].
torch::Tensor LmLoss(const Params& p, const LlamaConfig& c, const torch::Tensor& windows);

// HF config.json for the model (LlamaForCausalLM or MixtralForCausalLM).
std::string LlamaConfigJson(const LlamaConfig& c);

// Shared helpers.
torch::Tensor RmsNorm(const torch::Tensor& x, const torch::Tensor& gain, double eps);
torch::Tensor RotateHalf(const torch::Tensor& x);
// Deep copy (detached, contiguous, float32 unless `dtype` says otherwise).
Params Clone(const Params& p, torch::Dtype dtype = torch::kFloat32);
// Sets requires_grad on all and returns them in name order.
std::vector<torch::Tensor> Trainable(Params& p);

}  // namespace dokja::fixtures
