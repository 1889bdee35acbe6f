#include "tensorfile/canonical_name.h"

#include <gtest/gtest.h>

namespace dokja {
namespace {

struct Case {
  const char* name;
  const char* canonical;
};

void ExpectAll(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(Canonicalize(c.name).ToString(), c.canonical) << c.name;
  }
}

TEST(CanonicalName, HfMetaAndGgufLlamaNamesAgree) {
  ExpectAll({
      {"model.layers.3.self_attn.q_proj.weight", "text.blk.3.attn_q.weight"},
      {"layers.3.attention.wq.weight", "text.blk.3.attn_q.weight"},
      {"blk.3.attn_q.weight", "text.blk.3.attn_q.weight"},
      {"model.layers.0.mlp.down_proj.weight", "text.blk.0.ffn_down.weight"},
      {"layers.0.feed_forward.w2.weight", "text.blk.0.ffn_down.weight"},
      {"layers.0.feed_forward.w1.weight", "text.blk.0.ffn_gate.weight"},
      {"layers.0.feed_forward.w3.weight", "text.blk.0.ffn_up.weight"},
      {"blk.0.ffn_up.weight", "text.blk.0.ffn_up.weight"},
      {"model.layers.4.input_layernorm.weight", "text.blk.4.attn_norm.weight"},
      {"layers.4.attention_norm.weight", "text.blk.4.attn_norm.weight"},
      {"model.layers.4.post_attention_layernorm.weight", "text.blk.4.ffn_norm.weight"},
      {"blk.4.ffn_norm.weight", "text.blk.4.ffn_norm.weight"},
      {"model.embed_tokens.weight", "text.token_embd.weight"},
      {"tok_embeddings.weight", "text.token_embd.weight"},
      {"token_embd.weight", "text.token_embd.weight"},
      {"lm_head.weight", "text.lm_head.weight"},
      {"output.weight", "text.lm_head.weight"},
      {"model.norm.weight", "text.output_norm.weight"},
      {"norm.weight", "text.output_norm.weight"},
      {"output_norm.weight", "text.output_norm.weight"},
      {"model.layers.2.self_attn.q_proj.bias", "text.blk.2.attn_q.bias"},
      {"model.layers.2.self_attn.k_norm.weight", "text.blk.2.attn_k_norm.weight"},
  });
}

TEST(CanonicalName, MixtureOfExpertsKeepsTheExpertIndex) {
  ExpectAll({
      {"model.layers.1.mlp.experts.7.down_proj.weight", "text.blk.1.ffn_down.exp7.weight"},
      {"model.layers.1.block_sparse_moe.experts.3.w1.weight", "text.blk.1.ffn_gate.exp3.weight"},
      {"model.layers.1.mlp.gate.weight", "text.blk.1.router.weight"},
      {"model.layers.1.block_sparse_moe.gate.weight", "text.blk.1.router.weight"},
      {"blk.1.ffn_gate_inp.weight", "text.blk.1.router.weight"},
      {"blk.1.ffn_up_exps.weight", "text.blk.1.ffn_up.exps.weight"},
      {"blk.1.ffn_down_shexp.weight", "text.blk.1.ffn_down.shexp.weight"},
      {"model.layers.1.mlp.shared_experts.up_proj.weight", "text.blk.1.ffn_up.shexp.weight"},
      {"model.layers.1.mlp.shared_expert_gate.weight", "text.blk.1.router.shexp.weight"},
      {"model.layers.1.mlp.gate.e_score_correction_bias",
       "text.blk.1.router_bias.e_score_correction_bias"},
  });
  CanonicalName n = Canonicalize("model.layers.12.mlp.experts.63.up_proj.weight");
  EXPECT_EQ(n.layer, 12);
  EXPECT_EQ(n.expert, 63);
  EXPECT_EQ(n.role, Role::kFfnUp);
}

TEST(CanonicalName, VisionAudioAndProjectorTowers) {
  ExpectAll({
      {"visual.blocks.0.attn.qkv.weight", "vision[visual].blk.0.attn_qkv.weight"},
      {"visual.blocks.31.mlp.down_proj.bias", "vision[visual].blk.31.ffn_down.bias"},
      {"visual.patch_embed.proj.weight", "vision[visual].patch_embd.weight"},
      {"visual.merger.mlp.0.weight", "projector[visual.merger].blk.0.proj_linear.weight"},
      {"visual.merger.ln_q.weight", "projector[visual.merger].proj_norm.weight"},
      {"vision_tower.vision_model.encoder.layers.5.self_attn.q_proj.weight",
       "vision[vision_tower].blk.5.attn_q.weight"},
      {"vision_tower.vision_model.encoder.layers.5.mlp.fc1.weight",
       "vision[vision_tower].blk.5.ffn_up.weight"},
      {"vision_model.embeddings.patch_embedding.weight", "vision[vision_model].patch_embd.weight"},
      {"vision_model.post_layernorm.weight", "vision[vision_model].output_norm.weight"},
      {"audio_tower.layers.2.self_attn.k_proj.weight", "audio[audio_tower].blk.2.attn_k.weight"},
      {"audio_tower.layers.2.fc2.weight", "audio[audio_tower].blk.2.ffn_down.weight"},
      {"multi_modal_projector.linear_2.weight",
       "projector[multi_modal_projector].blk.2.proj_linear.weight"},
      {"v.blk.0.attn_q.weight", "vision[v].blk.0.attn_q.weight"},
      {"mm.2.weight", "projector[mm].blk.2.proj_linear.weight"},
      {"language_model.model.layers.0.self_attn.v_proj.weight", "text.blk.0.attn_v.weight"},
      {"model.language_model.layers.0.mlp.up_proj.weight", "text.blk.0.ffn_up.weight"},
      {"thinker.model.layers.0.mlp.up_proj.weight", "text.blk.0.ffn_up.weight"},
  });
}

TEST(CanonicalName, GemmaPostAttentionNormIsNotTheFfnNorm) {
  auto names = CanonicalizeAll({"model.layers.0.post_attention_layernorm.weight",
                                "model.layers.0.pre_feedforward_layernorm.weight",
                                "model.layers.0.post_feedforward_layernorm.weight"});
  EXPECT_EQ(names[0].role, Role::kAttnPostNorm);
  EXPECT_EQ(names[1].role, Role::kFfnNorm);
  EXPECT_EQ(names[2].role, Role::kFfnPostNorm);
  // Without Gemma's extra norm, Llama's post_attention_layernorm is the FFN norm.
  EXPECT_EQ(CanonicalizeAll({"model.layers.0.post_attention_layernorm.weight"})[0].role,
            Role::kFfnNorm);
}

TEST(CanonicalName, UnknownNamesAreKeptNotDropped) {
  CanonicalName n = Canonicalize("model.layers.0.mystery_adapter.lora_A.weight");
  EXPECT_FALSE(n.known());
  EXPECT_EQ(n.component, Component::kText);
  EXPECT_EQ(n.original, "model.layers.0.mystery_adapter.lora_A.weight");
  EXPECT_EQ(n.ToString(), "text.unknown:model.layers.0.mystery_adapter.lora_A.weight");
  CanonicalName bare = Canonicalize("something_else");
  EXPECT_EQ(bare.component, Component::kUnknown);
  EXPECT_EQ(bare.ToString(), "unknown.unknown:something_else");
}

}  // namespace
}  // namespace dokja
