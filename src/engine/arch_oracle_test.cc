// Architecture features the bundled Llama fixture does not exercise — Qwen2's
// q/k/v biases, Qwen3's QK-norm with head_dim != d_model / n_heads, Llama-3
// RoPE scaling, untied heads — checked against a naive double-precision
// forward pass written here from the architectures' definitions, on small
// random models saved in Hugging Face layout.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "engine/engine.h"
#include "io/env.h"
#include "tensorfile/gguf/gguf_writer.h"
#include "tensorfile/rotary_layout.h"
#include "tensorfile/safetensors/safetensors_writer.h"

namespace dokja::engine {
namespace {

struct Arch {
  std::string name;            // HF architecture
  int d = 32, layers = 2, heads = 4, kv_heads = 2, head_dim = 8, ff = 48, vocab = 50;
  bool bias = false, qk_norm = false, tied = true, llama3_rope = false;
  double theta = 10000;
};

using Weights = std::map<std::string, std::vector<float>>;

struct Built {
  std::string dir;
  Weights w;
};

std::string L(int l, const std::string& s) { return "model.layers." + std::to_string(l) + "." + s; }

Built Build(const Arch& a, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n01;
  Weights w;
  std::map<std::string, std::vector<uint64_t>> shapes;
  auto add = [&](const std::string& name, std::vector<uint64_t> shape, float scale, float mean = 0) {
    uint64_t n = 1;
    for (uint64_t s : shape) n *= s;
    std::vector<float> v(n);
    for (float& x : v) x = mean + scale * n01(rng);
    w[name] = v;
    shapes[name] = shape;
  };
  const uint64_t d = a.d, q = a.heads * a.head_dim, kv = a.kv_heads * a.head_dim;
  add("model.embed_tokens.weight", {uint64_t(a.vocab), d}, 0.5f);
  add("model.norm.weight", {d}, 0.1f, 1.0f);
  if (!a.tied) add("lm_head.weight", {uint64_t(a.vocab), d}, 0.3f);
  for (int l = 0; l < a.layers; ++l) {
    add(L(l, "input_layernorm.weight"), {d}, 0.1f, 1.0f);
    add(L(l, "post_attention_layernorm.weight"), {d}, 0.1f, 1.0f);
    add(L(l, "self_attn.q_proj.weight"), {q, d}, 0.3f);
    add(L(l, "self_attn.k_proj.weight"), {kv, d}, 0.3f);
    add(L(l, "self_attn.v_proj.weight"), {kv, d}, 0.3f);
    add(L(l, "self_attn.o_proj.weight"), {d, q}, 0.3f);
    add(L(l, "mlp.gate_proj.weight"), {uint64_t(a.ff), d}, 0.3f);
    add(L(l, "mlp.up_proj.weight"), {uint64_t(a.ff), d}, 0.3f);
    add(L(l, "mlp.down_proj.weight"), {d, uint64_t(a.ff)}, 0.3f);
    if (a.bias) {
      add(L(l, "self_attn.q_proj.bias"), {q}, 0.5f);
      add(L(l, "self_attn.k_proj.bias"), {kv}, 0.5f);
      add(L(l, "self_attn.v_proj.bias"), {kv}, 0.5f);
    }
    if (a.qk_norm) {
      add(L(l, "self_attn.q_norm.weight"), {uint64_t(a.head_dim)}, 0.2f, 1.0f);
      add(L(l, "self_attn.k_norm.weight"), {uint64_t(a.head_dim)}, 0.2f, 1.0f);
    }
  }
  Built b;
  // Unique per process and seed: ctest runs the cases of this file as
  // parallel processes, and two of them build the same architecture.
  b.dir = ::testing::TempDir() + "dokja_oracle_" + a.name + "_" + std::to_string(getpid()) + "_" +
          std::to_string(seed);
  std::filesystem::create_directories(b.dir);
  std::vector<TensorToWrite> out;
  for (const auto& [name, v] : w) {
    TensorToWrite t;
    t.name = name;
    t.shape = shapes[name];
    t.bytes = ByteView(reinterpret_cast<const std::byte*>(v.data()), v.size() * 4);
    out.push_back(t);
  }
  EXPECT_TRUE(WriteSafetensorsFile(b.dir + "/model.safetensors", out, {}).ok());
  std::ofstream cfg(b.dir + "/config.json");
  cfg << "{\"architectures\": [\"" << a.name << "\"], \"hidden_size\": " << a.d
      << ", \"intermediate_size\": " << a.ff << ", \"num_hidden_layers\": " << a.layers
      << ", \"num_attention_heads\": " << a.heads << ", \"num_key_value_heads\": " << a.kv_heads
      << ", \"head_dim\": " << a.head_dim << ", \"vocab_size\": " << a.vocab
      << ", \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-6, \"rope_theta\": " << a.theta
      << ", \"tie_word_embeddings\": " << (a.tied ? "true" : "false");
  if (a.llama3_rope) {
    cfg << ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
           "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 32}";
  }
  cfg << "}";
  b.w = std::move(w);
  return b;
}

// ---- The oracle: plain loops in double, from the architectures' definitions.
using Vec = std::vector<double>;

Vec MatVec(const std::vector<float>& w, int rows, int cols, const Vec& x) {
  Vec y(rows, 0.0);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) y[r] += double{w[r * cols + c]} * x[c];
  return y;
}

Vec RmsNorm(const Vec& x, const std::vector<float>& g, double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double s = 1.0 / std::sqrt(ss / x.size() + eps);
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * s * g[i];
  return y;
}

// Rotary frequencies per pair, with Llama-3 scaling as Hugging Face defines it
// (transformers' _compute_llama3_parameters): factor 8, low 1, high 4, old context 32.
std::vector<double> InvFreq(const Arch& a) {
  std::vector<double> f(a.head_dim / 2);
  for (int i = 0; i < a.head_dim / 2; ++i) f[i] = std::pow(a.theta, -2.0 * i / a.head_dim);
  if (!a.llama3_rope) return f;
  for (double& x : f) {
    const double wavelen = 2 * M_PI / x;
    if (wavelen < 32.0 / 4.0) continue;               // high frequency: kept
    if (wavelen > 32.0 / 1.0) { x /= 8.0; continue; }  // low frequency: scaled
    const double smooth = (32.0 / wavelen - 1.0) / (4.0 - 1.0);
    x = (1 - smooth) * x / 8.0 + smooth * x;
  }
  return f;
}

void RotateHalf(double* v, int hd, int pos, const std::vector<double>& f) {
  for (int i = 0; i < hd / 2; ++i) {
    const double c = std::cos(pos * f[i]), s = std::sin(pos * f[i]);
    const double x0 = v[i], x1 = v[i + hd / 2];
    v[i] = x0 * c - x1 * s;
    v[i + hd / 2] = x0 * s + x1 * c;
  }
}

std::vector<Vec> OracleLogits(const Arch& a, Weights& w, const std::vector<int32_t>& ids) {
  const int n = ids.size(), hd = a.head_dim, group = a.heads / a.kv_heads;
  const auto f = InvFreq(a);
  std::vector<Vec> x(n);
  for (int t = 0; t < n; ++t) {
    x[t].assign(w["model.embed_tokens.weight"].begin() + ids[t] * a.d,
                w["model.embed_tokens.weight"].begin() + (ids[t] + 1) * a.d);
  }
  for (int l = 0; l < a.layers; ++l) {
    std::vector<Vec> q(n), k(n), v(n);
    for (int t = 0; t < n; ++t) {
      Vec h = RmsNorm(x[t], w[L(l, "input_layernorm.weight")], 1e-6);
      q[t] = MatVec(w[L(l, "self_attn.q_proj.weight")], a.heads * hd, a.d, h);
      k[t] = MatVec(w[L(l, "self_attn.k_proj.weight")], a.kv_heads * hd, a.d, h);
      v[t] = MatVec(w[L(l, "self_attn.v_proj.weight")], a.kv_heads * hd, a.d, h);
      if (a.bias) {
        for (int i = 0; i < a.heads * hd; ++i) q[t][i] += w[L(l, "self_attn.q_proj.bias")][i];
        for (int i = 0; i < a.kv_heads * hd; ++i) k[t][i] += w[L(l, "self_attn.k_proj.bias")][i];
        for (int i = 0; i < a.kv_heads * hd; ++i) v[t][i] += w[L(l, "self_attn.v_proj.bias")][i];
      }
      for (int hh = 0; hh < a.heads; ++hh) {
        if (a.qk_norm) {
          Vec part(q[t].begin() + hh * hd, q[t].begin() + (hh + 1) * hd);
          part = RmsNorm(part, w[L(l, "self_attn.q_norm.weight")], 1e-6);
          std::copy(part.begin(), part.end(), q[t].begin() + hh * hd);
        }
        RotateHalf(q[t].data() + hh * hd, hd, t, f);
      }
      for (int hh = 0; hh < a.kv_heads; ++hh) {
        if (a.qk_norm) {
          Vec part(k[t].begin() + hh * hd, k[t].begin() + (hh + 1) * hd);
          part = RmsNorm(part, w[L(l, "self_attn.k_norm.weight")], 1e-6);
          std::copy(part.begin(), part.end(), k[t].begin() + hh * hd);
        }
        RotateHalf(k[t].data() + hh * hd, hd, t, f);
      }
    }
    for (int t = 0; t < n; ++t) {
      Vec attn(a.heads * hd, 0.0);
      for (int hh = 0; hh < a.heads; ++hh) {
        const int kh = hh / group;
        std::vector<double> s(t + 1);
        double mx = -1e300, sum = 0;
        for (int j = 0; j <= t; ++j) {
          double dot = 0;
          for (int i = 0; i < hd; ++i) dot += q[t][hh * hd + i] * k[j][kh * hd + i];
          s[j] = dot / std::sqrt(double(hd));
          mx = std::max(mx, s[j]);
        }
        for (double& e : s) sum += (e = std::exp(e - mx));
        for (int j = 0; j <= t; ++j)
          for (int i = 0; i < hd; ++i) attn[hh * hd + i] += s[j] / sum * v[j][kh * hd + i];
      }
      Vec o = MatVec(w[L(l, "self_attn.o_proj.weight")], a.d, a.heads * hd, attn);
      for (int i = 0; i < a.d; ++i) x[t][i] += o[i];
      Vec h = RmsNorm(x[t], w[L(l, "post_attention_layernorm.weight")], 1e-6);
      Vec g = MatVec(w[L(l, "mlp.gate_proj.weight")], a.ff, a.d, h);
      Vec u = MatVec(w[L(l, "mlp.up_proj.weight")], a.ff, a.d, h);
      for (int i = 0; i < a.ff; ++i) g[i] = g[i] / (1 + std::exp(-g[i])) * u[i];
      Vec dn = MatVec(w[L(l, "mlp.down_proj.weight")], a.d, a.ff, g);
      for (int i = 0; i < a.d; ++i) x[t][i] += dn[i];
    }
  }
  std::vector<Vec> logits(n);
  const auto& head = a.tied ? w["model.embed_tokens.weight"] : w["lm_head.weight"];
  for (int t = 0; t < n; ++t) logits[t] = MatVec(head, a.vocab, a.d, RmsNorm(x[t], w["model.norm.weight"], 1e-6));
  return logits;
}

void ExpectEngineMatchesOracle(const Arch& a) {
  Built b = Build(a, 1234);
  auto model = OpenModel(io::Env::Default(), b.dir);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto engine = Engine::Load(*model);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EXPECT_EQ((*engine)->config().qkv_bias, a.bias);
  EXPECT_EQ((*engine)->config().qk_norm, a.qk_norm);
  EXPECT_EQ((*engine)->config().tied_embeddings, a.tied);
  const std::vector<int32_t> ids = {3, 17, 42, 8, 8, 29, 1, 49, 0, 33, 12, 7};
  auto s = (*engine)->NewSession();
  std::vector<float> got;
  ASSERT_TRUE(s->Eval(std::span(ids).first(5), true, &got).ok());  // two batches: the KV cache
  std::vector<float> rest;
  ASSERT_TRUE(s->Eval(std::span(ids).subspan(5), true, &rest).ok());
  got.insert(got.end(), rest.begin(), rest.end());
  const auto want = OracleLogits(a, b.w, ids);
  double max_diff = 0, max_abs = 0;
  for (size_t t = 0; t < ids.size(); ++t) {
    for (int v = 0; v < a.vocab; ++v) {
      max_diff = std::max(max_diff, std::abs(got[t * a.vocab + v] - want[t][v]));
      max_abs = std::max(max_abs, std::abs(want[t][v]));
    }
  }
  EXPECT_LT(max_diff, 1e-4 * std::max(1.0, max_abs)) << a.name << ": max |logit diff| " << max_diff;
}

TEST(ArchOracle, Qwen2WithQkvBiasAndTiedEmbeddings) {
  ExpectEngineMatchesOracle({.name = "Qwen2ForCausalLM", .bias = true, .tied = true});
}

TEST(ArchOracle, Qwen3WithQkNormAndWideHeads) {
  // head_dim 16 with 4 heads: q is 64 wide on a 32-wide residual stream.
  ExpectEngineMatchesOracle(
      {.name = "Qwen3ForCausalLM", .head_dim = 16, .qk_norm = true, .tied = false, .theta = 1e6});
}

TEST(ArchOracle, Llama3RopeScalingAndUntiedHead) {
  ExpectEngineMatchesOracle({.name = "LlamaForCausalLM", .tied = false, .llama3_rope = true, .theta = 10000});
}

// Writes the model as llama.cpp's converter would: GGUF names, and for llama
// q/k rows in Meta's interleaved rotary order (for qwen2 they stay as in HF).
std::string WriteGguf(const Arch& a, const std::string& gguf_arch, Weights w) {
  GgufWriter g;
  const std::string p = gguf_arch + ".";
  EXPECT_TRUE(g.AddKv("general.architecture", MetaStr(gguf_arch)).ok());
  EXPECT_TRUE(g.AddKv(p + "block_count", MetaU32(a.layers)).ok());
  EXPECT_TRUE(g.AddKv(p + "embedding_length", MetaU32(a.d)).ok());
  EXPECT_TRUE(g.AddKv(p + "feed_forward_length", MetaU32(a.ff)).ok());
  EXPECT_TRUE(g.AddKv(p + "attention.head_count", MetaU32(a.heads)).ok());
  EXPECT_TRUE(g.AddKv(p + "attention.head_count_kv", MetaU32(a.kv_heads)).ok());
  EXPECT_TRUE(g.AddKv(p + "attention.key_length", MetaU32(a.head_dim)).ok());
  EXPECT_TRUE(g.AddKv(p + "context_length", MetaU32(64)).ok());
  EXPECT_TRUE(g.AddKv(p + "rope.freq_base", MetaF32(static_cast<float>(a.theta))).ok());
  EXPECT_TRUE(g.AddKv(p + "attention.layer_norm_rms_epsilon", MetaF32(1e-6f)).ok());
  auto bytes = [](const std::vector<float>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
  };
  auto interleave = [&](std::vector<float> v, int heads, int cols) {
    const auto hf_of = InterleavedToHalfRows(heads, a.head_dim);  // meta row -> hf row
    std::vector<float> out(v.size());
    for (size_t r = 0; r < hf_of.size(); ++r)
      std::copy_n(v.begin() + hf_of[r] * cols, cols, out.begin() + r * cols);
    return out;
  };
  // From llama.cpp's converter, not from the library under test: it permutes q/k
  // rows for llama only.
  const bool meta = gguf_arch == "llama";
  auto add = [&](const std::string& name, std::vector<uint64_t> shape, const std::vector<float>& v) {
    EXPECT_TRUE(g.AddTensor(name, DType::kF32, shape, bytes(v)).ok()) << name;
  };
  const uint64_t d = a.d, q = a.heads * a.head_dim, kv = a.kv_heads * a.head_dim, ff = a.ff;
  add("token_embd.weight", {uint64_t(a.vocab), d}, w["model.embed_tokens.weight"]);
  add("output_norm.weight", {d}, w["model.norm.weight"]);
  if (!a.tied) add("output.weight", {uint64_t(a.vocab), d}, w["lm_head.weight"]);
  for (int l = 0; l < a.layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    auto wq = w[L(l, "self_attn.q_proj.weight")], wk = w[L(l, "self_attn.k_proj.weight")];
    if (meta) wq = interleave(wq, a.heads, a.d), wk = interleave(wk, a.kv_heads, a.d);
    add(b + "attn_norm.weight", {d}, w[L(l, "input_layernorm.weight")]);
    add(b + "ffn_norm.weight", {d}, w[L(l, "post_attention_layernorm.weight")]);
    add(b + "attn_q.weight", {q, d}, wq);
    add(b + "attn_k.weight", {kv, d}, wk);
    add(b + "attn_v.weight", {kv, d}, w[L(l, "self_attn.v_proj.weight")]);
    add(b + "attn_output.weight", {d, q}, w[L(l, "self_attn.o_proj.weight")]);
    add(b + "ffn_gate.weight", {ff, d}, w[L(l, "mlp.gate_proj.weight")]);
    add(b + "ffn_up.weight", {ff, d}, w[L(l, "mlp.up_proj.weight")]);
    add(b + "ffn_down.weight", {d, ff}, w[L(l, "mlp.down_proj.weight")]);
    if (a.bias) {
      auto bq = w[L(l, "self_attn.q_proj.bias")], bk = w[L(l, "self_attn.k_proj.bias")];
      if (meta) bq = interleave(bq, a.heads, 1), bk = interleave(bk, a.kv_heads, 1);
      add(b + "attn_q.bias", {q}, bq);
      add(b + "attn_k.bias", {kv}, bk);
      add(b + "attn_v.bias", {kv}, w[L(l, "self_attn.v_proj.bias")]);
    }
  }
  const std::string path = ::testing::TempDir() + "dokja_oracle_" + gguf_arch + "_" +
                           std::to_string(getpid()) + ".gguf";
  EXPECT_TRUE(g.WriteFile(path).ok());
  return path;
}

std::vector<float> EngineLogits(const std::string& path, const std::vector<int32_t>& ids) {
  auto model = OpenModel(io::Env::Default(), path);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  auto engine = Engine::Load(*model);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  std::vector<float> out;
  EXPECT_TRUE((*engine)->NewSession()->Eval(ids, true, &out).ok());
  return out;
}

TEST(ArchOracle, GgufConversionsRunLikeTheirHfOriginals) {
  const std::vector<int32_t> ids = {3, 17, 42, 8, 8, 29, 1, 49};
  for (const auto& [arch, gguf_arch] : std::vector<std::pair<Arch, std::string>>{
           {{.name = "Qwen2ForCausalLM", .bias = true, .tied = true}, "qwen2"},
           {{.name = "LlamaForCausalLM", .bias = true, .tied = false}, "llama"}}) {
    Built b = Build(arch, 77);
    const auto hf = EngineLogits(b.dir, ids);
    const auto gguf = EngineLogits(WriteGguf(arch, gguf_arch, b.w), ids);
    ASSERT_EQ(hf.size(), gguf.size()) << gguf_arch;
    double max_diff = 0;
    for (size_t i = 0; i < hf.size(); ++i) max_diff = std::max(max_diff, double{std::abs(hf[i] - gguf[i])});
    EXPECT_LT(max_diff, 1e-5) << gguf_arch;
  }
}

TEST(ArchOracle, OracleNoticesAWrongRopeScaling) {
  // The test can fail: the oracle without scaling disagrees with a scaled model.
  Arch scaled{.name = "LlamaForCausalLM", .tied = false, .llama3_rope = true};
  Built b = Build(scaled, 99);
  auto model = OpenModel(io::Env::Default(), b.dir);
  ASSERT_TRUE(model.ok());
  auto engine = Engine::Load(*model);
  ASSERT_TRUE(engine.ok());
  const std::vector<int32_t> ids = {3, 17, 42, 8, 8, 29, 1, 49, 0, 33, 12, 7};
  std::vector<float> got;
  ASSERT_TRUE((*engine)->NewSession()->Eval(ids, true, &got).ok());
  Arch unscaled = scaled;
  unscaled.llama3_rope = false;
  const auto want = OracleLogits(unscaled, b.w, ids);
  double max_diff = 0;
  for (size_t t = 0; t < ids.size(); ++t)
    for (int v = 0; v < scaled.vocab; ++v) max_diff = std::max(max_diff, std::abs(got[t * scaled.vocab + v] - want[t][v]));
  EXPECT_GT(max_diff, 1e-2);
}

}  // namespace
}  // namespace dokja::engine
