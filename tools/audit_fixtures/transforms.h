// The edits that turn base_s1 into its derivatives before (or without)
// further training: layer surgery, vocabulary expansion, MoE upcycling and
// function-preserving obfuscation. Each returns fresh tensors and leaves its
// input alone.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

#include "tiny_llama.h"

namespace dokja::fixtures {

// A model whose layer i is a copy of `p`'s layer old_layers[i]
// (pruning: {0, 1, 3}; depth up-scaling: {0, 1, 2, 1, 2, 3}).
Params RemapLayers(const Params& p, const LlamaConfig& c, const std::vector<int64_t>& old_layers,
                   LlamaConfig* out_config);

// Grows embed_tokens (and lm_head) from c.n_vocab to n_vocab rows: old rows
// copied, new rows = mean of the old rows + N(0, noise^2) drawn after
// torch::manual_seed(seed).
Params ExpandVocab(const Params& p, const LlamaConfig& c, int64_t n_vocab, double noise, uint64_t seed,
                   LlamaConfig* out_config);

// Sparse upcycling: each dense MLP copied into n_experts Mixtral experts
// (w1 = gate_proj, w3 = up_proj, w2 = down_proj) plus a router drawn from
// N(0, 0.02^2) after torch::manual_seed(seed).
Params UpcycleMoe(const Params& p, const LlamaConfig& c, int64_t n_experts, int64_t n_used, uint64_t seed,
                  LlamaConfig* out_config);

// Function-preserving obfuscation, computed in float64 (see
// docs/audit_fixtures.md): norm gains folded into the matrices that read
// them, a signed permutation of the hidden dimensions, per-layer MLP neuron
// permutations with reciprocal up/down scaling, KV-group and head
// permutations, a per-KV-head orthogonal rotation of v/o, and per-KV-group
// q/k scaling and rotations inside each RoPE plane. `record` receives the
// maps (the answer key). Returns float64 tensors.
Params Obfuscate(const Params& p, const LlamaConfig& c, uint64_t seed, nlohmann::ordered_json* record);

// Per-tensor cosine similarity of a and b over the names both have with the
// same shape (flattened); summary of mean/min per component.
nlohmann::ordered_json CompareParams(const Params& a, const Params& b);

}  // namespace dokja::fixtures
