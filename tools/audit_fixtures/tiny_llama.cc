#include "tiny_llama.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace dokja::fixtures {

std::string LayerName(int64_t l, const std::string& rest) {
  return "model.layers." + std::to_string(l) + "." + rest;
}

std::vector<std::string> LlamaParamNames(const LlamaConfig& c) {
  std::vector<std::string> names = {"model.embed_tokens.weight"};
  for (int64_t l = 0; l < c.n_layers; ++l) {
    for (const char* r : {"input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                          "self_attn.v_proj.weight", "self_attn.o_proj.weight",
                          "post_attention_layernorm.weight"}) {
      names.push_back(LayerName(l, r));
    }
    if (c.n_experts > 0) {
      names.push_back(LayerName(l, "block_sparse_moe.gate.weight"));
      for (int64_t e = 0; e < c.n_experts; ++e) {
        for (const char* w : {"w1", "w2", "w3"}) {
          names.push_back(LayerName(l, "block_sparse_moe.experts." + std::to_string(e) + "." + w + ".weight"));
        }
      }
    } else {
      for (const char* r : {"mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"}) {
        names.push_back(LayerName(l, r));
      }
    }
  }
  names.push_back("model.norm.weight");
  if (!c.tied) names.push_back("lm_head.weight");
  return names;
}

namespace {

std::vector<int64_t> ShapeOf(const LlamaConfig& c, const std::string& name) {
  const int64_t d = c.d_model, q = c.n_heads * c.head_dim(), kv = c.n_kv_heads * c.head_dim();
  auto ends = [&](const char* s) {
    const std::string suf = s;
    return name.size() >= suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0;
  };
  if (name == "model.embed_tokens.weight" || name == "lm_head.weight") return {c.n_vocab, d};
  if (ends("layernorm.weight") || name == "model.norm.weight") return {d};
  if (ends("q_proj.weight")) return {q, d};
  if (ends("k_proj.weight") || ends("v_proj.weight")) return {kv, d};
  if (ends("o_proj.weight")) return {d, q};
  if (ends("gate_proj.weight") || ends("up_proj.weight") || ends("w1.weight") || ends("w3.weight")) {
    return {c.d_ff, d};
  }
  if (ends("down_proj.weight") || ends("w2.weight")) return {d, c.d_ff};
  if (ends("block_sparse_moe.gate.weight")) return {c.n_experts, d};
  throw std::runtime_error("no shape for " + name);
}

torch::Tensor Linear(const torch::Tensor& x, const torch::Tensor& w) { return torch::matmul(x, w.t()); }

// cos, sin of shape [T, head_dim] for positions [0, T).
std::pair<torch::Tensor, torch::Tensor> RopeTables(const LlamaConfig& c, int64_t t, torch::Dtype dtype) {
  const int64_t hd = c.head_dim();
  auto inv = torch::empty({hd / 2}, torch::kFloat64);
  for (int64_t i = 0; i < hd / 2; ++i) {
    inv[i] = 1.0 / std::pow(c.rope_theta, 2.0 * static_cast<double>(i) / static_cast<double>(hd));
  }
  auto pos = torch::arange(t, torch::kFloat64);
  auto freqs = torch::outer(pos, inv);
  auto emb = torch::cat({freqs, freqs}, -1);
  return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

torch::Tensor Mlp(const Params& p, const LlamaConfig& c, int64_t l, const torch::Tensor& x) {
  if (c.n_experts == 0) {
    auto g = Linear(x, p.at(LayerName(l, "mlp.gate_proj.weight")));
    auto u = Linear(x, p.at(LayerName(l, "mlp.up_proj.weight")));
    return Linear(torch::silu(g) * u, p.at(LayerName(l, "mlp.down_proj.weight")));
  }
  // Mixtral: softmax over all experts, keep the top k, renormalise. Every
  // expert runs on every token (tiny model); unchosen ones get weight 0.
  auto logits = Linear(x, p.at(LayerName(l, "block_sparse_moe.gate.weight")));
  auto probs = torch::softmax(logits, -1);
  auto [top_w, top_i] = probs.topk(c.n_experts_used, -1);
  top_w = top_w / top_w.sum(-1, true);
  auto dense_w = torch::zeros_like(probs).scatter(-1, top_i, top_w);
  torch::Tensor out;
  for (int64_t e = 0; e < c.n_experts; ++e) {
    const std::string pre = "block_sparse_moe.experts." + std::to_string(e) + ".";
    auto g = Linear(x, p.at(LayerName(l, pre + "w1.weight")));
    auto u = Linear(x, p.at(LayerName(l, pre + "w3.weight")));
    auto y = Linear(torch::silu(g) * u, p.at(LayerName(l, pre + "w2.weight")));
    auto term = y * dense_w.select(-1, e).unsqueeze(-1);
    out = e == 0 ? term : out + term;
  }
  return out;
}

}  // namespace

Params InitLlama(const LlamaConfig& c, uint64_t seed) {
  torch::manual_seed(seed);
  Params p;
  for (const std::string& name : LlamaParamNames(c)) {
    auto shape = ShapeOf(c, name);
    p[name] = shape.size() == 1 ? torch::ones(shape) : torch::randn(shape) * 0.02;
  }
  return p;
}

torch::Tensor RmsNorm(const torch::Tensor& x, const torch::Tensor& gain, double eps) {
  return x * torch::rsqrt(x.pow(2).mean(-1, true) + eps) * gain;
}

torch::Tensor RotateHalf(const torch::Tensor& x) {
  const int64_t h = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, h, h), x.narrow(-1, 0, h)}, -1);
}

torch::Tensor LlamaForward(const Params& p, const LlamaConfig& c, const torch::Tensor& tokens,
                           const torch::Tensor& prefix) {
  auto h = torch::embedding(p.at("model.embed_tokens.weight"), tokens);
  if (prefix.defined()) h = torch::cat({prefix.to(h.scalar_type()), h}, 1);
  const int64_t b = h.size(0), t = h.size(1), hd = c.head_dim();
  const int64_t rep = c.n_heads / c.n_kv_heads;
  auto [cos, sin] = RopeTables(c, t, h.scalar_type());
  auto mask = torch::ones({t, t}, torch::kBool).triu(1);
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  for (int64_t l = 0; l < c.n_layers; ++l) {
    auto x = RmsNorm(h, p.at(LayerName(l, "input_layernorm.weight")), c.norm_eps);
    auto q = Linear(x, p.at(LayerName(l, "self_attn.q_proj.weight"))).view({b, t, c.n_heads, hd}).transpose(1, 2);
    auto k = Linear(x, p.at(LayerName(l, "self_attn.k_proj.weight"))).view({b, t, c.n_kv_heads, hd}).transpose(1, 2);
    auto v = Linear(x, p.at(LayerName(l, "self_attn.v_proj.weight"))).view({b, t, c.n_kv_heads, hd}).transpose(1, 2);
    q = q * cos + RotateHalf(q) * sin;
    k = k * cos + RotateHalf(k) * sin;
    k = k.repeat_interleave(rep, 1);
    v = v.repeat_interleave(rep, 1);
    auto att = torch::matmul(q, k.transpose(-1, -2)) * scale;
    att = att.masked_fill(mask, -std::numeric_limits<double>::infinity()).softmax(-1);
    auto o = torch::matmul(att, v).transpose(1, 2).reshape({b, t, c.n_heads * hd});
    h = h + Linear(o, p.at(LayerName(l, "self_attn.o_proj.weight")));
    x = RmsNorm(h, p.at(LayerName(l, "post_attention_layernorm.weight")), c.norm_eps);
    h = h + Mlp(p, c, l, x);
  }
  h = RmsNorm(h, p.at("model.norm.weight"), c.norm_eps);
  return Linear(h, p.at(c.tied ? "model.embed_tokens.weight" : "lm_head.weight"));
}

torch::Tensor LmLoss(const Params& p, const LlamaConfig& c, const torch::Tensor& windows) {
  const int64_t t = windows.size(1) - 1;
  auto logits = LlamaForward(p, c, windows.narrow(1, 0, t));
  return torch::cross_entropy_loss(logits.reshape({-1, c.n_vocab}), windows.narrow(1, 1, t).reshape({-1}));
}

std::string LlamaConfigJson(const LlamaConfig& c) {
  nlohmann::ordered_json j;
  const bool moe = c.n_experts > 0;
  j["architectures"] = {moe ? "MixtralForCausalLM" : "LlamaForCausalLM"};
  j["model_type"] = moe ? "mixtral" : "llama";
  j["hidden_size"] = c.d_model;
  j["intermediate_size"] = c.d_ff;
  j["num_hidden_layers"] = c.n_layers;
  j["num_attention_heads"] = c.n_heads;
  j["num_key_value_heads"] = c.n_kv_heads;
  j["head_dim"] = c.head_dim();
  j["vocab_size"] = c.n_vocab;
  j["max_position_embeddings"] = c.n_ctx;
  j["rms_norm_eps"] = c.norm_eps;
  j["rope_theta"] = c.rope_theta;
  j["tie_word_embeddings"] = c.tied;
  j["hidden_act"] = "silu";
  j["attention_bias"] = false;
  j["initializer_range"] = 0.02;
  if (moe) {
    j["num_local_experts"] = c.n_experts;
    j["num_experts_per_tok"] = c.n_experts_used;
  }
  j["torch_dtype"] = "float32";
  return j.dump(2) + "\n";
}

Params Clone(const Params& p, torch::Dtype dtype) {
  Params out;
  for (const auto& [name, t] : p) out[name] = t.detach().to(dtype).clone().contiguous();
  return out;
}

std::vector<torch::Tensor> Trainable(Params& p) {
  std::vector<torch::Tensor> v;
  for (auto& [name, t] : p) {
    t.set_requires_grad(true);
    v.push_back(t);
  }
  return v;
}

}  // namespace dokja::fixtures
