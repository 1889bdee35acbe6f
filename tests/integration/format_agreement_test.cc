// The bundled model as GGUF (Meta rotary layout) and as HF safetensors
// (rotate-half layout) must agree on every tensor: same canonical names,
// shapes and values, once q/k rows are mapped between the two layouts.
#include <gtest/gtest.h>

#include <map>

#include "io/env.h"
#include "tensorfile/canonical_name.h"
#include "tensorfile/model.h"
#include "tensorfile/rotary_layout.h"

namespace dokja {
namespace {

const std::string kModel = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K";

// HF row of Meta row `r` for a q/k projection with heads of `head_dim` rows,
// derived here independently of tensorfile/rotary_layout.h: Meta interleaves
// rotary pairs (2i, 2i+1); HF puts the pair halves apart (i, i + hd/2).
uint64_t HfRowOfMetaRow(uint64_t r, uint64_t head_dim) {
  const uint64_t head = r / head_dim, within = r % head_dim;
  const uint64_t pair = within / 2, half = within % 2;
  return head * head_dim + half * (head_dim / 2) + pair;
}

TEST(RotaryLayout, LibraryMapMatchesTheDerivation) {
  const auto map = InterleavedToHalfRows(3, 8);
  for (uint64_t r = 0; r < map.size(); ++r) EXPECT_EQ(map[r], HfRowOfMetaRow(r, 8)) << r;
  EXPECT_TRUE(GgufArchHasInterleavedRope("llama"));
  EXPECT_FALSE(GgufArchHasInterleavedRope("qwen2"));
}

TEST(FormatAgreement, GgufAndSafetensorsHoldTheSameModel) {
  auto gguf = OpenModel(io::Env::Default(), kModel + "/stories260K.gguf");
  auto hf = OpenModel(io::Env::Default(), kModel + "/hf");
  ASSERT_TRUE(gguf.ok()) << gguf.status().ToString();
  ASSERT_TRUE(hf.ok()) << hf.status().ToString();
  ASSERT_TRUE(gguf->arch && hf->arch);
  EXPECT_EQ(gguf->arch->n_layers, hf->arch->n_layers);
  EXPECT_EQ(gguf->arch->d_model, hf->arch->d_model);
  EXPECT_EQ(gguf->arch->n_heads, hf->arch->n_heads);
  EXPECT_EQ(gguf->arch->n_kv_heads, hf->arch->n_kv_heads);
  const uint64_t head_dim = static_cast<uint64_t>(hf->arch->d_model / hf->arch->n_heads);

  std::map<std::string, const TensorInfo*> by_canon;
  for (const TensorInfo& t : hf->weights->tensors()) by_canon[Canonicalize(t.name).ToString()] = &t;
  ASSERT_EQ(by_canon.size(), hf->weights->tensors().size());

  size_t compared = 0, tied_heads = 0;
  for (const TensorInfo& g : gguf->weights->tensors()) {
    const std::string canon = Canonicalize(g.name).ToString();
    auto it = by_canon.find(canon);
    if (it == by_canon.end() && Canonicalize(g.name).role == Role::kLmHead &&
        hf->arch->tied_embeddings.value_or(false)) {
      // llama.cpp's converter writes the tied head out; HF keeps only the embedding.
      it = by_canon.find("text.token_embd.weight");
      ++tied_heads;
    }
    ASSERT_NE(it, by_canon.end()) << "GGUF tensor " << g.name << " (" << canon << ") not in HF";
    const TensorInfo& h = *it->second;
    ASSERT_EQ(g.shape, h.shape) << canon;
    auto gv = gguf->weights->ReadF32(g);
    auto hv = hf->weights->ReadF32(h);
    ASSERT_TRUE(gv.ok() && hv.ok()) << canon;
    const Role role = Canonicalize(g.name).role;
    const bool rotary = role == Role::kAttnQ || role == Role::kAttnK;
    const uint64_t cols = g.row_elements();
    for (uint64_t r = 0; r < g.n_rows(); ++r) {
      const uint64_t hr = rotary ? HfRowOfMetaRow(r, head_dim) : r;
      for (uint64_t c = 0; c < cols; ++c) {
        ASSERT_EQ((*gv)[r * cols + c], (*hv)[hr * cols + c]) << canon << " row " << r << " col " << c;
      }
    }
    ++compared;
  }
  EXPECT_EQ(tied_heads, 1u);
  EXPECT_EQ(compared, hf->weights->tensors().size() + tied_heads);
  EXPECT_EQ(hf->weights->tensors().size(), 2u + 5u * 9u);  // embed, final norm, 9 per layer
}

}  // namespace
}  // namespace dokja
