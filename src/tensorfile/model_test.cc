#include "tensorfile/model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tensorfile/tensor_stats.h"

namespace dokja {
namespace {

TEST(ArchFromHfConfig, ReadsLlamaStyleFields) {
  auto a = ArchFromHfConfig(R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
      "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
      "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936,
      "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rms_norm_eps": 1e-06,
      "tie_word_embeddings": true})", "config.json");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->architecture, "Qwen2ForCausalLM");
  EXPECT_EQ(a->n_layers, 24);
  EXPECT_EQ(a->d_model, 896);
  EXPECT_EQ(a->head_dim, 64);
  EXPECT_EQ(a->n_kv_heads, 2);
  EXPECT_EQ(a->n_vocab, 151936);
  EXPECT_EQ(a->rope_theta, 1e6);
  EXPECT_EQ(a->tied_embeddings, true);
}

TEST(ArchFromHfConfig, MultimodalConfigsReadTheTextConfig) {
  auto a = ArchFromHfConfig(R"({"architectures": ["Qwen2_5_VLForConditionalGeneration"],
      "model_type": "qwen2_5_vl", "vision_config": {"depth": 32, "hidden_size": 1280},
      "text_config": {"hidden_size": 2048, "num_hidden_layers": 36, "num_attention_heads": 16,
                      "num_key_value_heads": 2, "vocab_size": 151936},
      "tie_word_embeddings": true})", "config.json");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->d_model, 2048);
  EXPECT_EQ(a->n_layers, 36);
  EXPECT_TRUE(a->has_vision_config);
  EXPECT_FALSE(a->has_audio_config);
  EXPECT_EQ(a->tied_embeddings, true);
}

TEST(ArchFromHfConfig, RejectsMalformedJsonNamingTheFile) {
  auto bad = ArchFromHfConfig("{\"hidden_size\": 4", "m/config.json");
  EXPECT_EQ(bad.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(bad.status().message().find("m/config.json"), std::string::npos);
  EXPECT_FALSE(ArchFromHfConfig("[1, 2]", "c.json").ok());
  auto arch = ArchFromHfConfig(R"({"architectures": "Llama"})", "c.json");
  EXPECT_EQ(arch.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(arch.status().message().find("architectures"), std::string::npos);
}

TEST(ArchFromGgufMetadata, ReadsArchitecturePrefixedKeys) {
  Metadata md;
  md.Add("general.architecture", {MetaType::kString, std::string("llama")});
  md.Add("llama.block_count", {MetaType::kU32, uint64_t{5}});
  md.Add("llama.embedding_length", {MetaType::kU32, uint64_t{64}});
  md.Add("llama.attention.head_count", {MetaType::kU32, uint64_t{8}});
  md.Add("llama.rope.freq_base", {MetaType::kF32, 10000.0});
  MetaValue tokens;
  tokens.type = MetaType::kArray;
  tokens.value = MetaArray{MetaType::kString, std::vector<MetaValue>(7)};
  md.Add("tokenizer.ggml.tokens", std::move(tokens));
  ModelArch a = ArchFromGgufMetadata(md);
  EXPECT_EQ(a.n_layers, 5);
  EXPECT_EQ(a.d_model, 64);
  EXPECT_EQ(a.n_kv_heads, 8);  // defaults to n_heads when absent
  EXPECT_EQ(a.head_dim, 8);
  EXPECT_EQ(a.n_vocab, 7);
  EXPECT_EQ(a.rope_theta, 10000.0);
}

TEST(StatsAccumulator, MatchesDirectComputationAndCountsNonFinite) {
  std::vector<float> v;
  for (int i = 0; i < 1001; ++i) v.push_back(static_cast<float>(i % 17) - 8.0f);
  v[10] = NAN;
  v[20] = INFINITY;
  StatsAccumulator acc;
  acc.Add(v.data(), 500);  // two chunks, split off the 8-lane boundary
  acc.Add(v.data() + 500, v.size() - 500);
  TensorStats s = acc.Finish();
  double sum = 0, sq = 0;
  uint64_t n = 0;
  for (float x : v) {
    if (!std::isfinite(x)) continue;
    sum += x;
    sq += double{x} * x;
    ++n;
  }
  EXPECT_EQ(s.n, n);
  EXPECT_EQ(s.n_nan, 1u);
  EXPECT_EQ(s.n_inf, 1u);
  EXPECT_EQ(s.min, -8.0);
  EXPECT_EQ(s.max, 8.0);
  EXPECT_NEAR(s.mean, sum / n, 1e-12);
  EXPECT_NEAR(s.stddev, std::sqrt(sq / n - (sum / n) * (sum / n)), 1e-9);
}

}  // namespace
}  // namespace dokja
