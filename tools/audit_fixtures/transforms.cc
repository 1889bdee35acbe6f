#include "transforms.h"

#include <cmath>
#include <random>

namespace dokja::fixtures {

namespace {

bool StartsWith(const std::string& s, const std::string& pre) { return s.compare(0, pre.size(), pre) == 0; }

// A permutation of [0, n) from torch's generator (seeded by the caller).
torch::Tensor RandPerm(int64_t n) { return torch::randperm(n, torch::kInt64); }

std::vector<int64_t> ToVec(const torch::Tensor& t) {
  auto c = t.to(torch::kInt64).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

std::vector<double> ToVecD(const torch::Tensor& t) {
  auto c = t.to(torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// A random orthogonal n x n matrix (QR of a Gaussian, signs fixed).
torch::Tensor RandOrthogonal(int64_t n) {
  auto [q, r] = torch::linalg::qr(torch::randn({n, n}, torch::kFloat64));
  return q * r.diagonal().sign().unsqueeze(0);
}

}  // namespace

Params RemapLayers(const Params& p, const LlamaConfig& c, const std::vector<int64_t>& old_layers,
                   LlamaConfig* out_config) {
  Params out;
  for (const auto& [name, t] : p) {
    if (!StartsWith(name, "model.layers.")) out[name] = t.detach().clone();
  }
  for (size_t i = 0; i < old_layers.size(); ++i) {
    const std::string from = "model.layers." + std::to_string(old_layers[i]) + ".";
    for (const auto& [name, t] : p) {
      if (StartsWith(name, from)) out[LayerName(static_cast<int64_t>(i), name.substr(from.size()))] = t.detach().clone();
    }
  }
  *out_config = c;
  out_config->n_layers = static_cast<int64_t>(old_layers.size());
  return out;
}

Params ExpandVocab(const Params& p, const LlamaConfig& c, int64_t n_vocab, double noise, uint64_t seed,
                   LlamaConfig* out_config) {
  torch::manual_seed(seed);
  Params out = Clone(p);
  for (const char* name : {"model.embed_tokens.weight", "lm_head.weight"}) {
    if (!out.count(name)) continue;
    auto old = out[name];
    auto fresh = old.mean(0, true).expand({n_vocab - c.n_vocab, c.d_model}) +
                 torch::randn({n_vocab - c.n_vocab, c.d_model}) * noise;
    out[name] = torch::cat({old, fresh}, 0).contiguous();
  }
  *out_config = c;
  out_config->n_vocab = n_vocab;
  return out;
}

Params UpcycleMoe(const Params& p, const LlamaConfig& c, int64_t n_experts, int64_t n_used, uint64_t seed,
                  LlamaConfig* out_config) {
  torch::manual_seed(seed);
  Params out;
  for (const auto& [name, t] : p) {
    if (name.find(".mlp.") == std::string::npos) out[name] = t.detach().clone();
  }
  for (int64_t l = 0; l < c.n_layers; ++l) {
    out[LayerName(l, "block_sparse_moe.gate.weight")] = torch::randn({n_experts, c.d_model}) * 0.02;
    for (int64_t e = 0; e < n_experts; ++e) {
      const std::string pre = "block_sparse_moe.experts." + std::to_string(e) + ".";
      out[LayerName(l, pre + "w1.weight")] = p.at(LayerName(l, "mlp.gate_proj.weight")).detach().clone();
      out[LayerName(l, pre + "w3.weight")] = p.at(LayerName(l, "mlp.up_proj.weight")).detach().clone();
      out[LayerName(l, pre + "w2.weight")] = p.at(LayerName(l, "mlp.down_proj.weight")).detach().clone();
    }
  }
  *out_config = c;
  out_config->n_experts = n_experts;
  out_config->n_experts_used = n_used;
  return out;
}

Params Obfuscate(const Params& p_in, const LlamaConfig& c, uint64_t seed, nlohmann::ordered_json* record) {
  torch::manual_seed(seed);
  Params p = Clone(p_in, torch::kFloat64);
  const int64_t d = c.d_model, hd = c.head_dim(), rep = c.n_heads / c.n_kv_heads;
  // Hidden stream h' = M h with M[i, perm[i]] = sign[i].
  auto perm = RandPerm(d);
  auto sign = torch::randint(0, 2, {d}, torch::kInt64).to(torch::kFloat64) * 2 - 1;
  // Columns of a matrix that reads the (normalised) stream, gain folded in.
  auto read = [&](const torch::Tensor& w, const torch::Tensor& gain) {
    return (w * gain.unsqueeze(0)).index_select(1, perm) * sign.unsqueeze(0);
  };
  // Rows of a matrix that writes the stream.
  auto write = [&](const torch::Tensor& w) { return w.index_select(0, perm) * sign.unsqueeze(1); };

  Params out;
  out["model.embed_tokens.weight"] = p["model.embed_tokens.weight"].index_select(1, perm) * sign.unsqueeze(0);
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (int64_t l = 0; l < c.n_layers; ++l) {
    auto g_attn = p[LayerName(l, "input_layernorm.weight")];
    auto g_ffn = p[LayerName(l, "post_attention_layernorm.weight")];
    auto wq = read(p[LayerName(l, "self_attn.q_proj.weight")], g_attn);
    auto wk = read(p[LayerName(l, "self_attn.k_proj.weight")], g_attn);
    auto wv = read(p[LayerName(l, "self_attn.v_proj.weight")], g_attn);
    auto wo = write(p[LayerName(l, "self_attn.o_proj.weight")]);
    // Heads: new KV head g takes old KV head kv_perm[g]; new q head g*rep+r
    // takes old q head kv_perm[g]*rep + q_perm[g][r].
    auto kv_perm = ToVec(RandPerm(c.n_kv_heads));
    std::vector<std::vector<int64_t>> q_perm;
    std::vector<int64_t> q_src;
    for (int64_t g = 0; g < c.n_kv_heads; ++g) {
      q_perm.push_back(ToVec(RandPerm(rep)));
      for (int64_t r = 0; r < rep; ++r) q_src.push_back(kv_perm[g] * rep + q_perm[g][r]);
    }
    std::vector<torch::Tensor> q_rows, o_cols, k_rows, v_rows;
    std::vector<double> qk_scale;
    nlohmann::ordered_json rope_angles = nlohmann::ordered_json::array();
    for (int64_t g = 0; g < c.n_kv_heads; ++g) {
      const int64_t og = kv_perm[g];
      // v/o: any invertible map per KV head; we use a random rotation.
      auto rot_v = RandOrthogonal(hd);
      // q/k: a scalar, and a rotation inside each RoPE plane (i, i + hd/2),
      // which commutes with RoPE's own rotation of that plane.
      const double scale = 0.5 + 1.5 * torch::rand({1}, torch::kFloat64).item<double>();
      auto angles = torch::rand({hd / 2}, torch::kFloat64) * 2 * M_PI;
      auto rot_qk = torch::zeros({hd, hd}, torch::kFloat64);
      for (int64_t i = 0; i < hd / 2; ++i) {
        const double a = angles[i].item<double>();
        rot_qk.index_put_({i, i}, std::cos(a));
        rot_qk.index_put_({i, i + hd / 2}, -std::sin(a));
        rot_qk.index_put_({i + hd / 2, i}, std::sin(a));
        rot_qk.index_put_({i + hd / 2, i + hd / 2}, std::cos(a));
      }
      k_rows.push_back(torch::matmul(rot_qk, wk.narrow(0, og * hd, hd)) / scale);
      v_rows.push_back(torch::matmul(rot_v, wv.narrow(0, og * hd, hd)));
      for (int64_t r = 0; r < rep; ++r) {
        const int64_t oq = q_src[static_cast<size_t>(g * rep + r)];
        q_rows.push_back(torch::matmul(rot_qk, wq.narrow(0, oq * hd, hd)) * scale);
        o_cols.push_back(torch::matmul(wo.narrow(1, oq * hd, hd), rot_v.t()));
      }
      qk_scale.push_back(scale);
      rope_angles.push_back(ToVecD(angles));
    }
    out[LayerName(l, "self_attn.q_proj.weight")] = torch::cat(q_rows, 0);
    out[LayerName(l, "self_attn.k_proj.weight")] = torch::cat(k_rows, 0);
    out[LayerName(l, "self_attn.v_proj.weight")] = torch::cat(v_rows, 0);
    out[LayerName(l, "self_attn.o_proj.weight")] = torch::cat(o_cols, 1);
    // MLP: neuron j of the new layer is old neuron mlp_perm[j], with up
    // scaled by alpha[j] and down by 1 / alpha[j].
    auto mlp_perm = RandPerm(c.d_ff);
    auto alpha = torch::exp((torch::rand({c.d_ff}, torch::kFloat64) * 2 - 1) * std::log(2.0));
    out[LayerName(l, "mlp.gate_proj.weight")] =
        read(p[LayerName(l, "mlp.gate_proj.weight")], g_ffn).index_select(0, mlp_perm);
    out[LayerName(l, "mlp.up_proj.weight")] =
        read(p[LayerName(l, "mlp.up_proj.weight")], g_ffn).index_select(0, mlp_perm) * alpha.unsqueeze(1);
    out[LayerName(l, "mlp.down_proj.weight")] =
        write(p[LayerName(l, "mlp.down_proj.weight")]).index_select(1, mlp_perm) / alpha.unsqueeze(0);
    out[LayerName(l, "input_layernorm.weight")] = torch::ones({d}, torch::kFloat64);
    out[LayerName(l, "post_attention_layernorm.weight")] = torch::ones({d}, torch::kFloat64);
    nlohmann::ordered_json lr;
    lr["kv_head_perm"] = kv_perm;
    lr["q_head_src"] = q_src;
    lr["qk_scale"] = qk_scale;
    lr["qk_rope_plane_angles"] = rope_angles;
    lr["mlp_neuron_src"] = ToVec(mlp_perm);
    lr["up_scale"] = ToVecD(alpha);
    layers.push_back(lr);
  }
  out["model.norm.weight"] = torch::ones({d}, torch::kFloat64);
  out["lm_head.weight"] = read(p["lm_head.weight"], p["model.norm.weight"]);
  (*record)["hidden_src"] = ToVec(perm);
  (*record)["hidden_sign"] = ToVecD(sign);
  (*record)["layers"] = layers;
  (*record)["note"] =
      "new hidden dim i = hidden_sign[i] * old dim hidden_src[i]; all RMSNorm gains folded into the "
      "next matrices (set to 1); new q head j = old q head q_head_src[j]; new KV head g = old "
      "kv_head_perm[g]; v rows / o columns of each KV head rotated by a random orthogonal matrix; "
      "q scaled by qk_scale and k by 1/qk_scale per KV group, both rotated by qk_rope_plane_angles "
      "in each RoPE plane (i, i + head_dim/2); new MLP neuron j = old neuron mlp_neuron_src[j], "
      "up row scaled by up_scale[j], down column by 1/up_scale[j]";
  return out;
}

nlohmann::ordered_json CompareParams(const Params& a, const Params& b) {
  nlohmann::ordered_json per = nlohmann::ordered_json::object();
  double sum = 0, mn = 2;
  int64_t n = 0;
  for (const auto& [name, ta] : a) {
    auto it = b.find(name);
    if (it == b.end() || it->second.sizes() != ta.sizes() || ta.dim() < 2) continue;
    auto x = ta.detach().to(torch::kFloat64).flatten(), y = it->second.detach().to(torch::kFloat64).flatten();
    const double cs = (x.dot(y) / (x.norm() * y.norm() + 1e-30)).item<double>();
    per[name] = std::round(cs * 1e4) / 1e4;
    sum += cs;
    mn = std::min(mn, cs);
    ++n;
  }
  nlohmann::ordered_json j;
  j["matrices_compared"] = n;
  j["mean_cosine"] = n ? std::round(sum / static_cast<double>(n) * 1e4) / 1e4 : 0.0;
  j["min_cosine"] = n ? std::round(mn * 1e4) / 1e4 : 0.0;
  j["per_tensor"] = per;
  return j;
}

}  // namespace dokja::fixtures
