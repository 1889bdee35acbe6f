#include "tensorfile/canonical_name.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <unordered_map>

namespace dokja {
namespace {

constexpr std::array<std::string_view, static_cast<int>(Role::kCount)> kRoleNames = {
    "token_embd", "pos_embd", "patch_embd", "class_embd", "input_norm", "output_norm", "lm_head",
    "rope_freqs",
    "attn_q", "attn_k", "attn_v", "attn_qkv", "attn_output", "attn_q_norm", "attn_k_norm",
    "attn_q_a", "attn_q_b", "attn_kv_a", "attn_kv_b", "attn_q_a_norm", "attn_kv_a_norm",
    "ffn_gate", "ffn_up", "ffn_gate_up", "ffn_down",
    "attn_norm", "attn_post_norm", "ffn_norm", "ffn_post_norm",
    "router", "router_bias",
    "proj_linear", "proj_norm",
    "unknown",
};

// Prefixes that choose the component, longest first where they overlap.
struct PrefixRule {
  std::string_view prefix;
  Component component;
  std::string_view tower;
};
constexpr PrefixRule kPrefixes[] = {
    {"model.visual.merger.", Component::kProjector, "visual.merger"},
    {"visual.merger.", Component::kProjector, "visual.merger"},
    {"thinker.visual.merger.", Component::kProjector, "visual.merger"},
    {"model.multi_modal_projector.", Component::kProjector, "multi_modal_projector"},
    {"multi_modal_projector.", Component::kProjector, "multi_modal_projector"},
    {"model.mm_projector.", Component::kProjector, "mm_projector"},
    {"mm_projector.", Component::kProjector, "mm_projector"},
    {"audio_projection.", Component::kProjector, "audio_projection"},
    {"mm.", Component::kProjector, "mm"},
    {"model.visual.", Component::kVision, "visual"},
    {"thinker.visual.", Component::kVision, "visual"},
    {"visual.", Component::kVision, "visual"},
    {"model.vision_tower.", Component::kVision, "vision_tower"},
    {"vision_tower.", Component::kVision, "vision_tower"},
    {"model.vision_model.", Component::kVision, "vision_model"},
    {"vision_model.", Component::kVision, "vision_model"},
    {"vision_encoder.", Component::kVision, "vision_encoder"},
    {"image_encoder.", Component::kVision, "image_encoder"},
    {"vpm.", Component::kVision, "vpm"},
    {"v.", Component::kVision, "v"},
    {"model.audio_tower.", Component::kAudio, "audio_tower"},
    {"thinker.audio_tower.", Component::kAudio, "audio_tower"},
    {"audio_tower.", Component::kAudio, "audio_tower"},
    {"audio_encoder.", Component::kAudio, "audio_encoder"},
    {"audio_model.", Component::kAudio, "audio_model"},
    {"apm.", Component::kAudio, "apm"},
    {"a.", Component::kAudio, "a"},
    {"model.language_model.", Component::kText, "text"},
    {"language_model.model.", Component::kText, "text"},
    {"language_model.", Component::kText, "text"},
    {"thinker.model.", Component::kText, "text"},
    {"thinker.", Component::kText, "text"},
    {"model.", Component::kText, "text"},
    {"transformer.", Component::kText, "text"},
    {"gpt_neox.", Component::kText, "text"},
};

// Wrappers that may sit between a tower prefix and its blocks.
constexpr std::string_view kInnerWrappers[] = {"vision_model.", "encoder.", "model.",
                                               "transformer.", "decoder.", "trunk."};

// Containers of numbered blocks.
constexpr std::string_view kBlockWords[] = {"layers", "blocks", "blk", "h", "layer", "resblocks"};

// Final name parts that are parameters of the tensor rather than its role.
constexpr std::string_view kParams[] = {"weight", "bias", "scale", "weight_scale",
                                        "weight_scale_inv", "qweight", "qzeros", "scales",
                                        "g_idx", "e_score_correction_bias"};

const std::unordered_map<std::string_view, Role>& BlockRoles() {
  static const auto* table = new std::unordered_map<std::string_view, Role>{
      // Attention projections.
      {"self_attn.q_proj", Role::kAttnQ}, {"attention.wq", Role::kAttnQ}, {"attn_q", Role::kAttnQ},
      {"attn.q_proj", Role::kAttnQ}, {"attention.self.query", Role::kAttnQ},
      {"self_attn.k_proj", Role::kAttnK}, {"attention.wk", Role::kAttnK}, {"attn_k", Role::kAttnK},
      {"attn.k_proj", Role::kAttnK}, {"attention.self.key", Role::kAttnK},
      {"self_attn.v_proj", Role::kAttnV}, {"attention.wv", Role::kAttnV}, {"attn_v", Role::kAttnV},
      {"attn.v_proj", Role::kAttnV}, {"attention.self.value", Role::kAttnV},
      {"self_attn.o_proj", Role::kAttnO}, {"attention.wo", Role::kAttnO},
      {"attn_output", Role::kAttnO}, {"attn_out", Role::kAttnO}, {"attn.proj", Role::kAttnO},
      {"self_attn.out_proj", Role::kAttnO}, {"attn.out_proj", Role::kAttnO},
      {"attn.c_proj", Role::kAttnO}, {"attention.output.dense", Role::kAttnO},
      {"attention.dense", Role::kAttnO}, {"self_attention.dense", Role::kAttnO},
      {"attn.qkv", Role::kAttnQKV}, {"self_attn.qkv_proj", Role::kAttnQKV},
      {"attn_qkv", Role::kAttnQKV}, {"attn.c_attn", Role::kAttnQKV},
      {"attention.query_key_value", Role::kAttnQKV},
      {"self_attention.query_key_value", Role::kAttnQKV},
      {"self_attn.q_norm", Role::kAttnQNorm}, {"attn_q_norm", Role::kAttnQNorm},
      {"attn.q_norm", Role::kAttnQNorm},
      {"self_attn.k_norm", Role::kAttnKNorm}, {"attn_k_norm", Role::kAttnKNorm},
      {"attn.k_norm", Role::kAttnKNorm},
      // Multi-head latent attention (DeepSeek-V2/V3).
      {"self_attn.q_a_proj", Role::kAttnQA}, {"attn_q_a", Role::kAttnQA},
      {"self_attn.q_b_proj", Role::kAttnQB}, {"attn_q_b", Role::kAttnQB},
      {"self_attn.kv_a_proj_with_mqa", Role::kAttnKVA}, {"attn_kv_a_mqa", Role::kAttnKVA},
      {"self_attn.kv_b_proj", Role::kAttnKVB}, {"attn_kv_b", Role::kAttnKVB},
      {"self_attn.q_a_layernorm", Role::kAttnQANorm}, {"attn_q_a_norm", Role::kAttnQANorm},
      {"self_attn.kv_a_layernorm", Role::kAttnKVANorm}, {"attn_kv_a_norm", Role::kAttnKVANorm},
      // Feed-forward (also the per-expert forms once the expert index is removed).
      {"mlp.gate_proj", Role::kFfnGate}, {"feed_forward.w1", Role::kFfnGate},
      {"ffn_gate", Role::kFfnGate}, {"block_sparse_moe.w1", Role::kFfnGate},
      {"mlp.w1", Role::kFfnGate},
      {"mlp.up_proj", Role::kFfnUp}, {"feed_forward.w3", Role::kFfnUp}, {"ffn_up", Role::kFfnUp},
      {"block_sparse_moe.w3", Role::kFfnUp}, {"mlp.w3", Role::kFfnUp}, {"mlp.fc1", Role::kFfnUp},
      {"fc1", Role::kFfnUp}, {"mlp.c_fc", Role::kFfnUp}, {"mlp.dense_h_to_4h", Role::kFfnUp},
      {"mlp.down_proj", Role::kFfnDown}, {"feed_forward.w2", Role::kFfnDown},
      {"ffn_down", Role::kFfnDown}, {"block_sparse_moe.w2", Role::kFfnDown},
      {"mlp.w2", Role::kFfnDown}, {"mlp.fc2", Role::kFfnDown}, {"fc2", Role::kFfnDown},
      {"mlp.c_proj", Role::kFfnDown}, {"mlp.dense_4h_to_h", Role::kFfnDown},
      {"mlp.gate_up_proj", Role::kFfnGateUp}, {"ffn_gate_up", Role::kFfnGateUp},
      // Norms.
      {"input_layernorm", Role::kAttnNorm}, {"attention_norm", Role::kAttnNorm},
      {"attn_norm", Role::kAttnNorm}, {"ln_1", Role::kAttnNorm}, {"ln1", Role::kAttnNorm},
      {"norm1", Role::kAttnNorm}, {"layer_norm1", Role::kAttnNorm},
      {"self_attn_layer_norm", Role::kAttnNorm},
      {"post_attention_layernorm", Role::kFfnNorm},  // Llama; Gemma handled separately
      {"ffn_norm", Role::kFfnNorm}, {"ln_2", Role::kFfnNorm}, {"ln2", Role::kFfnNorm},
      {"norm2", Role::kFfnNorm}, {"layer_norm2", Role::kFfnNorm},
      {"final_layer_norm", Role::kFfnNorm}, {"pre_feedforward_layernorm", Role::kFfnNorm},
      {"post_attention_norm", Role::kAttnPostNorm},
      {"post_feedforward_layernorm", Role::kFfnPostNorm}, {"post_ffw_norm", Role::kFfnPostNorm},
      // Mixture of experts.
      {"mlp.gate", Role::kRouter}, {"block_sparse_moe.gate", Role::kRouter},
      {"mlp.router", Role::kRouter}, {"ffn_gate_inp", Role::kRouter},
      {"mlp.shared_expert_gate", Role::kRouter}, {"exp_probs_b", Role::kRouterBias},
  };
  return *table;
}

const std::unordered_map<std::string_view, Role>& GlobalRoles() {
  static const auto* table = new std::unordered_map<std::string_view, Role>{
      {"embed_tokens", Role::kTokenEmbed}, {"tok_embeddings", Role::kTokenEmbed},
      {"token_embd", Role::kTokenEmbed}, {"wte", Role::kTokenEmbed},
      {"word_embeddings", Role::kTokenEmbed}, {"embed_in", Role::kTokenEmbed},
      {"embeddings.word_embeddings", Role::kTokenEmbed},
      {"wpe", Role::kPositionEmbed}, {"embed_positions", Role::kPositionEmbed},
      {"position_embd", Role::kPositionEmbed}, {"pos_embed", Role::kPositionEmbed},
      {"embeddings.position_embedding", Role::kPositionEmbed},
      {"positional_embedding", Role::kPositionEmbed},
      {"patch_embed.proj", Role::kPatchEmbed}, {"patch_embd", Role::kPatchEmbed},
      {"embeddings.patch_embedding", Role::kPatchEmbed}, {"patch_embed", Role::kPatchEmbed},
      {"conv1", Role::kPatchEmbed}, {"conv2", Role::kPatchEmbed},
      {"class_embedding", Role::kClassEmbed}, {"embeddings.class_embedding", Role::kClassEmbed},
      {"norm", Role::kOutputNorm}, {"output_norm", Role::kOutputNorm}, {"ln_f", Role::kOutputNorm},
      {"final_layernorm", Role::kOutputNorm}, {"final_layer_norm", Role::kOutputNorm},
      {"post_layernorm", Role::kOutputNorm}, {"post_ln", Role::kOutputNorm},
      {"ln_post", Role::kOutputNorm}, {"layer_norm", Role::kOutputNorm},
      {"pre_layrnorm", Role::kInputNorm}, {"pre_layernorm", Role::kInputNorm},
      {"pre_ln", Role::kInputNorm}, {"ln_pre", Role::kInputNorm},
      {"lm_head", Role::kLmHead}, {"output", Role::kLmHead}, {"embed_out", Role::kLmHead},
      {"rope.freqs", Role::kRopeFreqs}, {"rope_freqs", Role::kRopeFreqs},
  };
  return *table;
}

bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (s->substr(0, prefix.size()) != prefix) return false;
  s->remove_prefix(prefix.size());
  return true;
}

std::vector<std::string_view> SplitDots(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) dot = s.size();
    parts.push_back(s.substr(start, dot - start));
    start = dot + 1;
  }
  return parts;
}

std::string JoinDots(const std::vector<std::string_view>& parts) {
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += '.';
    out += p;
  }
  return out;
}

bool ParseIndex(std::string_view s, int32_t* out) {
  if (s.empty() || s.size() > 9) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Removes "experts.N" / "shared_expert(s)" parts and GGUF _exps/_shexp suffixes.
void ExtractExpert(std::vector<std::string_view>* parts, CanonicalName* out) {
  for (size_t i = 0; i < parts->size(); ++i) {
    std::string_view p = (*parts)[i];
    int32_t idx;
    if (p == "experts" && i + 1 < parts->size() && ParseIndex((*parts)[i + 1], &idx)) {
      out->expert = idx;
      parts->erase(parts->begin() + i, parts->begin() + i + 2);
      return;
    }
    if (p == "shared_expert" || p == "shared_experts") {
      out->shared_expert = true;
      parts->erase(parts->begin() + i);
      return;
    }
  }
}

// GGUF names carry the expert kind in the last part: ffn_up_exps, ffn_up_shexp.
std::string StripGgufExpertSuffix(std::string key, CanonicalName* out) {
  auto ends = [&](std::string_view suf) {
    return key.size() > suf.size() && key.compare(key.size() - suf.size(), suf.size(), suf) == 0;
  };
  if (ends("_exps")) {
    out->expert = CanonicalName::kAllExperts;
    key.resize(key.size() - 5);
  } else if (ends("_shexp")) {
    out->shared_expert = true;
    key.resize(key.size() - 6);
  }
  return key;
}

Role ProjectorRole(const std::vector<std::string_view>& parts, int32_t* layer) {
  Role role = Role::kProjLinear;
  for (std::string_view p : parts) {
    if (p.find("norm") != std::string_view::npos || p.substr(0, 2) == "ln") role = Role::kProjNorm;
    // "linear_2", "mlp.0", "layers.1": the first number is the layer.
    size_t digits = p.find_first_of("0123456789");
    int32_t idx;
    if (*layer < 0 && digits != std::string_view::npos && ParseIndex(p.substr(digits), &idx)) {
      *layer = idx;
    }
  }
  return role;
}

}  // namespace

std::string_view ComponentName(Component c) {
  switch (c) {
    case Component::kText: return "text";
    case Component::kVision: return "vision";
    case Component::kAudio: return "audio";
    case Component::kProjector: return "projector";
    case Component::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string_view RoleName(Role r) { return kRoleNames[static_cast<int>(r)]; }

std::string CanonicalName::ToString() const {
  std::string out(ComponentName(component));
  if (role == Role::kUnknown) return out + ".unknown:" + original;
  if (component != Component::kText && !tower.empty() && tower != ComponentName(component)) {
    out += "[" + tower + "]";
  }
  if (layer >= 0) out += ".blk." + std::to_string(layer);
  out += ".";
  out += RoleName(role);
  if (shared_expert) out += ".shexp";
  if (expert == kAllExperts) out += ".exps";
  if (expert >= 0) out += ".exp" + std::to_string(expert);
  if (!param.empty()) out += "." + param;
  return out;
}

CanonicalName Canonicalize(std::string_view name, bool gemma_norms) {
  CanonicalName out;
  out.original = std::string(name);
  std::string_view rest = name;
  bool matched_prefix = false;
  for (const PrefixRule& rule : kPrefixes) {
    if (ConsumePrefix(&rest, rule.prefix)) {
      out.component = rule.component;
      out.tower = std::string(rule.tower);
      matched_prefix = true;
      break;
    }
  }
  std::vector<std::string_view> parts = SplitDots(rest);
  if (!parts.empty() &&
      std::find(std::begin(kParams), std::end(kParams), parts.back()) != std::end(kParams)) {
    out.param = std::string(parts.back());
    parts.pop_back();
  }
  if (out.component == Component::kProjector) {
    out.role = ProjectorRole(parts, &out.layer);
    return out;
  }
  // Unwrap "vision_model.encoder." and the like, then find "layers.N".
  for (bool again = true; again && !parts.empty();) {
    again = false;
    for (std::string_view w : kInnerWrappers) {
      if (parts.size() > 1 && parts[0] == w.substr(0, w.size() - 1)) {
        parts.erase(parts.begin());
        again = true;
      }
    }
  }
  int32_t idx;
  if (parts.size() > 2 &&
      std::find(std::begin(kBlockWords), std::end(kBlockWords), parts[0]) != std::end(kBlockWords) &&
      ParseIndex(parts[1], &idx)) {
    out.layer = idx;
    parts.erase(parts.begin(), parts.begin() + 2);
  }
  if (out.layer >= 0) {
    ExtractExpert(&parts, &out);
    std::string key = StripGgufExpertSuffix(JoinDots(parts), &out);
    if (out.param == "e_score_correction_bias") key += ".bias_correction";
    if (key == "mlp.gate.bias_correction") {
      out.role = Role::kRouterBias;
    } else if (key == "post_attention_layernorm" && gemma_norms) {
      out.role = Role::kAttnPostNorm;
    } else if (auto it = BlockRoles().find(key); it != BlockRoles().end()) {
      out.role = it->second;
      if (key == "mlp.shared_expert_gate") out.shared_expert = true;
    }
  } else if (auto it = GlobalRoles().find(JoinDots(parts)); it != GlobalRoles().end()) {
    out.role = it->second;
  }
  if (!matched_prefix && out.role != Role::kUnknown) {
    out.component = Component::kText;  // bare Meta / GGUF names
    out.tower = "text";
  }
  return out;
}

std::vector<CanonicalName> CanonicalizeAll(const std::vector<std::string>& names) {
  bool gemma_norms = false;
  for (const std::string& n : names) {
    if (n.find("pre_feedforward_layernorm") != std::string::npos) gemma_norms = true;
  }
  std::vector<CanonicalName> out;
  out.reserve(names.size());
  for (const std::string& n : names) out.push_back(Canonicalize(n, gemma_norms));
  return out;
}

}  // namespace dokja
