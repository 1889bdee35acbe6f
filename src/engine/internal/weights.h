// Weights of a Llama-family model in f32, looked up by canonical name.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"
#include "tensorfile/model.h"

namespace dokja::engine {

// A row-major matrix [rows][cols]; y = x W^T multiplies by it.
struct Matrix {
  int32_t rows = 0;
  int32_t cols = 0;
  std::vector<float> data;
};

struct LayerWeights {
  std::vector<float> attn_norm, ffn_norm;
  Matrix wq, wk, wv, wo, w_gate, w_up, w_down;
  std::vector<float> bq, bk, bv;          // empty unless qkv_bias
  std::vector<float> q_norm, k_norm;      // empty unless qk_norm
};

struct Weights {
  Matrix token_embd;
  std::vector<LayerWeights> layers;
  std::vector<float> output_norm;
  Matrix lm_head;  // empty (rows 0) when tied to token_embd
};

// Derives the engine configuration and loads every text weight.
Status LoadWeights(const Model& model, const EngineOptions& options, EngineConfig* config,
                   Weights* weights);

// Rotary angle per pair (rope_theta, with linear or llama3 scaling applied).
std::vector<double> RopeInvFreq(const ModelArch& arch, int32_t head_dim);

}  // namespace dokja::engine
