// Function-preserving disguises of a real trained model (the bundled
// stories260K): the engine proves the disguise computes the same function,
// and the audit must still find the model it came from.
#include "audit/align.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>

#include "audit/compare.h"
#include "engine/engine.h"
#include "io/env.h"
#include "tensorfile/safetensors/safetensors_writer.h"

namespace dokja::audit {
namespace {

const std::string kModel = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K/hf";

struct Tensor {
  std::vector<uint64_t> shape;
  std::vector<float> v;
  uint64_t cols() const { return shape.size() == 2 ? shape[1] : shape[0]; }
};
using Weights = std::map<std::string, Tensor>;

Weights Load(const std::string& path) {
  auto m = OpenModel(io::Env::Default(), path);
  EXPECT_TRUE(m.ok());
  Weights w;
  for (const TensorInfo& t : m->weights->tensors()) w[t.name] = {t.shape, *m->weights->ReadF32(t)};
  return w;
}

std::vector<uint32_t> Shuffled(uint32_t n, uint64_t seed) {
  std::vector<uint32_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  std::shuffle(p.begin(), p.end(), std::mt19937_64(seed));
  return p;
}

// out[:, perm[j]] = s[j] * in[:, j] for a [rows][cols] tensor.
void PermuteCols(Tensor* t, const std::vector<uint32_t>& perm, const std::vector<float>& s) {
  const uint64_t cols = t->cols(), rows = t->v.size() / cols;
  std::vector<float> out(t->v.size());
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t j = 0; j < cols; ++j) out[r * cols + perm[j]] = s[j] * t->v[r * cols + j];
  t->v = std::move(out);
}

void PermuteRows(Tensor* t, const std::vector<uint32_t>& perm, const std::vector<float>& s) {
  const uint64_t cols = t->cols();
  std::vector<float> out(t->v.size());
  for (uint64_t i = 0; i < perm.size(); ++i)
    for (uint64_t c = 0; c < cols; ++c) out[perm[i] * cols + c] = s[i] * t->v[i * cols + c];
  t->v = std::move(out);
}

// Multiplies column j by g[j] (folds a norm gain into the matrix reading it).
void ScaleCols(Tensor* t, const std::vector<float>& g) {
  const uint64_t cols = t->cols();
  for (uint64_t i = 0; i < t->v.size(); ++i) t->v[i] *= g[i % cols];
}

// Signed permutation of hidden dims, permuted MLP neurons in every layer,
// norm gains folded into the following matrices, head untied.
Weights Disguise(Weights w, int n_layers, uint32_t d, uint32_t d_ff) {
  const auto hp = Shuffled(d, 1);
  std::vector<float> hs(d), ones_d(d, 1.0f), ones_ff(d_ff, 1.0f);
  for (uint32_t j = 0; j < d; ++j) hs[j] = (j * 7 % 3 == 0) ? -1.0f : 1.0f;
  w["lm_head.weight"] = w["model.embed_tokens.weight"];  // untie before folding
  auto L = [](int l, const char* s) { return "model.layers." + std::to_string(l) + "." + s; };
  std::vector<std::string> readers = {"model.embed_tokens.weight", "lm_head.weight"};
  for (int l = 0; l < n_layers; ++l) {
    for (const char* r : {"self_attn.q_proj.weight", "self_attn.k_proj.weight",
                          "self_attn.v_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight"}) {
      readers.push_back(L(l, r));
    }
    // Fold gains (in the original basis, before the permutation).
    const auto g_attn = w[L(l, "input_layernorm.weight")].v;
    const auto g_ffn = w[L(l, "post_attention_layernorm.weight")].v;
    for (const char* r : {"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight"})
      ScaleCols(&w[L(l, r)], g_attn);
    for (const char* r : {"mlp.gate_proj.weight", "mlp.up_proj.weight"}) ScaleCols(&w[L(l, r)], g_ffn);
    w[L(l, "input_layernorm.weight")].v = ones_d;
    w[L(l, "post_attention_layernorm.weight")].v = ones_d;
    // Permute MLP neurons.
    const auto np = Shuffled(d_ff, 100 + l);
    PermuteRows(&w[L(l, "mlp.gate_proj.weight")], np, ones_ff);
    PermuteRows(&w[L(l, "mlp.up_proj.weight")], np, ones_ff);
    PermuteCols(&w[L(l, "mlp.down_proj.weight")], np, ones_ff);
    // Writers of the residual stream get the signed permutation on their rows.
    PermuteRows(&w[L(l, "self_attn.o_proj.weight")], hp, hs);
    PermuteRows(&w[L(l, "mlp.down_proj.weight")], hp, hs);
  }
  ScaleCols(&w["lm_head.weight"], w["model.norm.weight"].v);
  w["model.norm.weight"].v = ones_d;
  for (const std::string& r : readers) PermuteCols(&w[r], hp, hs);
  return w;
}

// Permutes layer l's attention heads: key/value heads by a shuffle, query
// heads with their group and rotated within it, the output projection's
// column blocks with the query heads (GQA keeps each query head with its
// key/value head, so the function is unchanged).
void PermuteHeads(Weights& w, int l, uint32_t n_heads, uint32_t n_kv, uint32_t head_dim) {
  auto L = [l](const char* s) { return "model.layers." + std::to_string(l) + "." + s; };
  const auto kvp = Shuffled(n_kv, 500 + l);
  const uint32_t group = n_heads / n_kv;
  std::vector<uint32_t> q_rows, kv_rows;
  for (uint32_t h = 0; h < n_heads; ++h) {
    const uint32_t to = kvp[h / group] * group + (h % group + 1) % group;
    for (uint32_t i = 0; i < head_dim; ++i) q_rows.push_back(to * head_dim + i);
  }
  for (uint32_t h = 0; h < n_kv; ++h) {
    for (uint32_t i = 0; i < head_dim; ++i) kv_rows.push_back(kvp[h] * head_dim + i);
  }
  const std::vector<float> ones_q(q_rows.size(), 1.0f), ones_kv(kv_rows.size(), 1.0f);
  PermuteRows(&w[L("self_attn.q_proj.weight")], q_rows, ones_q);
  PermuteRows(&w[L("self_attn.k_proj.weight")], kv_rows, ones_kv);
  PermuteRows(&w[L("self_attn.v_proj.weight")], kv_rows, ones_kv);
  PermuteCols(&w[L("self_attn.o_proj.weight")], q_rows, ones_q);
}

// Median Pearson r of the candidate's attention projections against the reference.
double MedianAttentionR(const Comparison& c) {
  std::vector<double> r;
  for (const ComponentVerdict& comp : c.components) {
    for (const TensorEvidence& t : comp.tensors) {
      if (t.candidate.find(".attn_q.") != std::string::npos || t.candidate.find(".attn_k.") != std::string::npos) {
        r.push_back(t.pearson);
      }
    }
  }
  if (r.empty()) return 0;
  std::sort(r.begin(), r.end());
  return r[r.size() / 2];
}

std::string WriteModel(const Weights& w, const std::string& name) {
  const std::string dir = ::testing::TempDir() + "dokja_align_" + name;
  std::filesystem::create_directories(dir);
  std::vector<TensorToWrite> out;
  for (const auto& [n, t] : w) {
    TensorToWrite tw;
    tw.name = n;
    tw.dtype = DType::kF32;
    tw.shape = t.shape;
    tw.bytes = ByteView(reinterpret_cast<const std::byte*>(t.v.data()), t.v.size() * 4);
    out.push_back(tw);
  }
  EXPECT_TRUE(WriteSafetensorsFile(dir + "/model.safetensors", out, {}).ok());
  std::ifstream in(kModel + "/config.json");
  std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string tied = "\"tie_word_embeddings\": true";
  config.replace(config.find(tied), tied.size(), "\"tie_word_embeddings\": false");
  std::ofstream(dir + "/config.json") << config;
  return dir;
}

std::vector<float> Logits(const std::string& path) {
  auto m = OpenModel(io::Env::Default(), path);
  EXPECT_TRUE(m.ok());
  auto e = engine::Engine::Load(*m);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  auto s = (*e)->NewSession();
  std::vector<int32_t> ids = {1, 403, 407, 261, 378, 432, 383};
  std::vector<float> logits;
  EXPECT_TRUE(s->Eval(ids, true, &logits).ok());
  return logits;
}

// Largest |logit difference| between the model at `path` and the original.
double MaxLogitDiff(const std::string& path) {
  const auto a = Logits(kModel), b = Logits(path);
  EXPECT_EQ(a.size(), b.size());
  double max_diff = a.size() == b.size() ? 0 : 1e9;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) max_diff = std::max(max_diff, double{std::abs(a[i] - b[i])});
  return max_diff;
}

// The model at `path` compared with the original.
Result<Comparison> CompareWithOriginal(const std::string& path) {
  auto cand = OpenModel(io::Env::Default(), path);
  auto ref = OpenModel(io::Env::Default(), kModel);
  if (!cand.ok()) return cand.status();
  if (!ref.ok()) return ref.status();
  return CompareModels(*cand, *ref);
}

TEST(Alignment, DisguisedModelComputesTheSameFunctionAndIsStillDerived) {
  const std::string path = WriteModel(Disguise(Load(kModel), 5, 64, 172), "disguised");
  EXPECT_LT(MaxLogitDiff(path), 1e-3) << "the disguise must not change the function";
  auto c = CompareWithOriginal(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->hidden_permuted);
  EXPECT_EQ(c->neuron_permuted_layers, 5);
  for (const ComponentVerdict& comp : c->components) {
    EXPECT_EQ(comp.verdict, Verdict::kDerived) << comp.component << ": " << comp.reason;
    EXPECT_LT(comp.log10_p, -50) << comp.component;
  }
}

TEST(Alignment, MatchColumnsRefusesUnrelatedMatrices) {
  std::mt19937_64 rng(5);
  std::normal_distribution<float> n01;
  Dense a{512, 32, std::vector<float>(512 * 32)}, b = a;
  for (float& x : a.v) x = n01(rng);
  for (float& x : b.v) x = n01(rng);
  EXPECT_TRUE(MatchColumns(a, b, -6, true).perm.empty());
  EXPECT_FALSE(ColumnsLookMatchable(a, b, -6));
  // The same matrix with its columns shuffled and negated is recovered exactly.
  SignedPermutation p;
  p.perm = Shuffled(32, 9);
  p.sign.assign(32, -1);
  Dense c = a;
  ApplyToColumns(p, &c);
  EXPECT_TRUE(ColumnsLookMatchable(a, c, -6));
  SignedPermutation found = MatchColumns(a, c, -6, true);
  ASSERT_EQ(found.perm.size(), 32u);
  EXPECT_EQ(found.perm, p.perm);
  EXPECT_EQ(found.sign, p.sign);
}


TEST(Alignment, PermutedAttentionHeadsAreRematchedToo) {
  Weights w = Disguise(Load(kModel), 5, 64, 172);
  for (int l = 0; l < 5; ++l) PermuteHeads(w, l, 8, 4, 8);
  const std::string path = WriteModel(w, "heads");
  EXPECT_LT(MaxLogitDiff(path), 1e-3) << "permuting heads with their groups must not change the function";
  auto c = CompareWithOriginal(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->hidden_permuted);
  EXPECT_EQ(c->neuron_permuted_layers, 5);
  EXPECT_EQ(c->head_permuted_layers, 5);
  // Once re-matched, the attention weights are the reference's own (up to
  // the folded norm gains).
  EXPECT_GT(MedianAttentionR(*c), 0.95);
  for (const ComponentVerdict& comp : c->components) {
    EXPECT_EQ(comp.verdict, Verdict::kDerived) << comp.component << ": " << comp.reason;
    EXPECT_LT(comp.log10_p, -50) << comp.component;
  }
}

TEST(Alignment, NeuronsAndHeadsAreRematchedWithoutAHiddenPermutation) {
  Weights w = Load(kModel);
  for (int l = 0; l < 5; ++l) {
    PermuteHeads(w, l, 8, 4, 8);
    const auto np = Shuffled(172, 300 + l);
    const std::vector<float> ones(172, 1.0f);
    auto L = [l](const char* s) { return "model.layers." + std::to_string(l) + "." + s; };
    PermuteRows(&w[L("mlp.gate_proj.weight")], np, ones);
    PermuteRows(&w[L("mlp.up_proj.weight")], np, ones);
    PermuteCols(&w[L("mlp.down_proj.weight")], np, ones);
  }
  w["lm_head.weight"] = w["model.embed_tokens.weight"];
  const std::string path = WriteModel(w, "no_hidden");
  EXPECT_LT(MaxLogitDiff(path), 1e-3) << "permuting heads and neurons must not change the function";
  auto c = CompareWithOriginal(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->hidden_permuted);
  EXPECT_EQ(c->neuron_permuted_layers, 5);
  EXPECT_EQ(c->head_permuted_layers, 5);
  EXPECT_GT(MedianAttentionR(*c), 0.99);
}

TEST(Alignment, MatchHeadsKeepsQueryHeadsWithTheirGroup) {
  // Two key/value heads, four query heads, head_dim 2, d 16: a query head
  // moved to the other group than its key/value head is no valid edit.
  std::mt19937_64 rng(7);
  std::normal_distribution<float> n01;
  auto random = [&](uint64_t rows) {
    Dense m{rows, 16, std::vector<float>(rows * 16)};
    for (float& x : m.v) x = n01(rng);
    return m;
  };
  AttentionWeights ref{random(8), random(4), random(4)};
  // Swap the two kv heads, and the query heads within... the wrong group.
  AttentionWeights bad = ref;
  auto swap_blocks = [](Dense* m, uint64_t a, uint64_t b, uint64_t rows) {
    for (uint64_t i = 0; i < rows * m->cols; ++i) std::swap(m->v[a * rows * m->cols + i], m->v[b * rows * m->cols + i]);
  };
  swap_blocks(&bad.k, 0, 1, 2);
  swap_blocks(&bad.v, 0, 1, 2);
  EXPECT_TRUE(MatchHeads(bad, ref, 2, -3.0).empty()) << "query heads did not follow their group";
  AttentionWeights good = bad;
  swap_blocks(&good.q, 0, 2, 2);
  swap_blocks(&good.q, 1, 3, 2);
  HeadAlignment h = MatchHeads(good, ref, 2, -3.0);
  ASSERT_FALSE(h.empty());
  EXPECT_EQ(h.kv_rows.perm, (std::vector<uint32_t>{2, 3, 0, 1}));
  EXPECT_EQ(h.q_rows.perm, (std::vector<uint32_t>{4, 5, 6, 7, 0, 1, 2, 3}));
}

}  // namespace
}  // namespace dokja::audit
