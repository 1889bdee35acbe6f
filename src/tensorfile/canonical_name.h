// Canonical tensor naming: one scheme over Hugging Face, Meta/llama2.c and
// GGUF names, so the audit can group evidence by component, layer and role.
//
//   model.layers.3.self_attn.q_proj.weight   (HF)
//   layers.3.attention.wq.weight             (Meta / llama2.c)
//   blk.3.attn_q.weight                      (GGUF)
// all become  text.blk.3.attn_q.weight  with component kText, layer 3, role kAttnQ.
//
// Names we do not recognise are kept with role kUnknown (and, when no prefix
// matched, component kUnknown); they are reported, never dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dokja {

enum class Component : uint8_t { kText, kVision, kAudio, kProjector, kUnknown };

enum class Role : uint8_t {
  // Embeddings and heads (layer -1).
  kTokenEmbed, kPositionEmbed, kPatchEmbed, kClassEmbed, kInputNorm, kOutputNorm, kLmHead,
  kRopeFreqs,
  // Attention.
  kAttnQ, kAttnK, kAttnV, kAttnQKV, kAttnO, kAttnQNorm, kAttnKNorm,
  kAttnQA, kAttnQB, kAttnKVA, kAttnKVB, kAttnQANorm, kAttnKVANorm,  // multi-head latent attention
  // Feed-forward (dense, or one expert when expert >= 0).
  kFfnGate, kFfnUp, kFfnGateUp, kFfnDown,
  // Norms inside a block.
  kAttnNorm, kAttnPostNorm, kFfnNorm, kFfnPostNorm,
  // Mixture of experts.
  kRouter, kRouterBias,
  // Projector / adapter layers between towers.
  kProjLinear, kProjNorm,
  kUnknown,
  kCount,
};

std::string_view ComponentName(Component c);  // "text", "vision", ...
std::string_view RoleName(Role r);            // "attn_q", "ffn_down", ...

struct CanonicalName {
  // Expert index meaning "all experts stacked in one tensor" (GGUF *_exps).
  static constexpr int32_t kAllExperts = -2;

  Component component = Component::kUnknown;
  // The prefix that chose the component, e.g. "visual", "vision_tower",
  // "audio_tower"; tells two vision encoders of one model apart.
  std::string tower;
  int32_t layer = -1;   // block index, -1 outside blocks
  Role role = Role::kUnknown;
  int32_t expert = -1;  // expert index, kAllExperts, or -1 for dense tensors
  bool shared_expert = false;
  std::string param;     // "weight", "bias", "scale", ... (last name part)
  std::string original;  // the name as stored

  bool known() const { return role != Role::kUnknown; }
  // "text.blk.3.attn_q.weight", "vision.blk.0.ffn_up.bias",
  // "text.blk.1.ffn_down.exp7.weight", "text.unknown:<original>".
  std::string ToString() const;
};

// Canonicalises one name. `gemma_norms` says the model has
// pre_feedforward_layernorm tensors, so post_attention_layernorm is a
// post-attention norm rather than the pre-FFN norm it is in Llama.
CanonicalName Canonicalize(std::string_view name, bool gemma_norms = false);

// Canonicalises a model's names together (detects the Gemma norm layout).
std::vector<CanonicalName> CanonicalizeAll(const std::vector<std::string>& names);

}  // namespace dokja
