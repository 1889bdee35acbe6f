// The multimodal fixtures: a synthetic shapes task, a tiny ViT with
// Qwen2.5-VL tensor names (2-D RoPE, RMSNorm, SwiGLU, qkv/proj/mlp biases) and
// a LLaVA-style projector feeding image tokens to a tiny Llama.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tiny_llama.h"

namespace dokja::fixtures {

struct VitConfig {
  int64_t d_model = 64;
  int64_t n_blocks = 2;
  int64_t n_heads = 2;
  int64_t d_ff = 128;
  int64_t patch = 4;
  int64_t image = 16;
  int64_t channels = 3;
  double norm_eps = 1e-6;

  int64_t n_patches() const { return (image / patch) * (image / patch); }
  int64_t head_dim() const { return d_model / n_heads; }
};

// Shape classes and their captions.
const std::vector<std::string>& ShapeNames();

// n images [n, 3, 16, 16] in [0, 1] and labels [n]: a random shape class
// drawn in a random bright colour on a random dark background, random
// position and size, plus Gaussian pixel noise. Deterministic given rng.
std::pair<torch::Tensor, torch::Tensor> MakeShapes(std::mt19937_64& rng, int64_t n, const VitConfig& c);

// visual.* tensors: patch embed N(0, 0.02^2) as a conv weight [d, 3, p, p],
// matrices N(0, 0.02^2), biases zero, norm gains one; drawn in name order
// after torch::manual_seed(seed).
Params InitVit(const VitConfig& c, uint64_t seed);
// Patch features [B, n_patches, d_model] (no pooling, no final norm).
torch::Tensor VitForward(const Params& p, const VitConfig& c, const torch::Tensor& images);
std::string VitConfigJson(const VitConfig& c);

// multi_modal_projector.linear_{1,2}.{weight,bias}: vision d -> text d.
Params InitProjector(int64_t d_vision, int64_t d_text, uint64_t seed);
torch::Tensor ProjectorForward(const Params& p, const torch::Tensor& x);

// Composite config.json (LlavaForConditionalGeneration-style with vision_config).
std::string MultimodalConfigJson(const LlamaConfig& text, const VitConfig& vision);

}  // namespace dokja::fixtures
