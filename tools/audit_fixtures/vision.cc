#include "vision.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace dokja::fixtures {

const std::vector<std::string>& ShapeNames() {
  static const std::vector<std::string> kNames = {"circle", "square", "triangle", "cross",
                                                  "ring",   "hbars",  "vbars",    "checker"};
  return kNames;
}

std::pair<torch::Tensor, torch::Tensor> MakeShapes(std::mt19937_64& rng, int64_t n, const VitConfig& c) {
  const int64_t s = c.image;
  auto images = torch::empty({n, 3, s, s});
  auto labels = torch::empty({n}, torch::kInt64);
  auto img = images.accessor<float, 4>();
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> noise(0, 0.05);
  const int64_t n_classes = static_cast<int64_t>(ShapeNames().size());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t cls = static_cast<int64_t>(rng() % static_cast<uint64_t>(n_classes));
    labels[i] = cls;
    double bg[3], fg[3];
    for (int ch = 0; ch < 3; ++ch) {
      bg[ch] = 0.3 * u(rng);
      fg[ch] = 0.5 + 0.5 * u(rng);
    }
    const double r = 3.5 + 3.0 * u(rng);  // half-size in pixels
    const double cy = r + (s - 2 * r) * u(rng), cx = r + (s - 2 * r) * u(rng);
    const int64_t period = 2 + static_cast<int64_t>(rng() % 2);
    for (int64_t y = 0; y < s; ++y) {
      for (int64_t x = 0; x < s; ++x) {
        const double dy = y + 0.5 - cy, dx = x + 0.5 - cx, dist = std::sqrt(dy * dy + dx * dx);
        bool on = false;
        switch (cls) {
          case 0: on = dist <= r; break;
          case 1: on = std::abs(dy) <= r * 0.8 && std::abs(dx) <= r * 0.8; break;
          case 2: on = dy <= r * 0.8 && dy >= -r * 0.8 && std::abs(dx) <= (dy + r * 0.8) * 0.6; break;
          case 3: on = (std::abs(dy) <= 1.0 && std::abs(dx) <= r) || (std::abs(dx) <= 1.0 && std::abs(dy) <= r); break;
          case 4: on = dist <= r && dist >= r - 1.6; break;
          case 5: on = (y / period) % 2 == 0; break;
          case 6: on = (x / period) % 2 == 0; break;
          default: on = ((y / period) + (x / period)) % 2 == 0; break;
        }
        for (int ch = 0; ch < 3; ++ch) {
          img[i][ch][y][x] = static_cast<float>((on ? fg[ch] : bg[ch]) + noise(rng));
        }
      }
    }
  }
  return {images, labels};
}

namespace {

std::string B(int64_t i, const std::string& rest) { return "visual.blocks." + std::to_string(i) + "." + rest; }

torch::Tensor Affine(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return torch::matmul(x, w.t()) + b;
}

}  // namespace

Params InitVit(const VitConfig& c, uint64_t seed) {
  torch::manual_seed(seed);
  Params p;
  const int64_t d = c.d_model, f = c.d_ff;
  p["visual.patch_embed.proj.weight"] = torch::randn({d, c.channels, c.patch, c.patch}) * 0.02;
  for (int64_t i = 0; i < c.n_blocks; ++i) {
    p[B(i, "norm1.weight")] = torch::ones({d});
    p[B(i, "attn.qkv.weight")] = torch::randn({3 * d, d}) * 0.02;
    p[B(i, "attn.qkv.bias")] = torch::zeros({3 * d});
    p[B(i, "attn.proj.weight")] = torch::randn({d, d}) * 0.02;
    p[B(i, "attn.proj.bias")] = torch::zeros({d});
    p[B(i, "norm2.weight")] = torch::ones({d});
    p[B(i, "mlp.gate_proj.weight")] = torch::randn({f, d}) * 0.02;
    p[B(i, "mlp.gate_proj.bias")] = torch::zeros({f});
    p[B(i, "mlp.up_proj.weight")] = torch::randn({f, d}) * 0.02;
    p[B(i, "mlp.up_proj.bias")] = torch::zeros({f});
    p[B(i, "mlp.down_proj.weight")] = torch::randn({d, f}) * 0.02;
    p[B(i, "mlp.down_proj.bias")] = torch::zeros({d});
  }
  return p;
}

torch::Tensor VitForward(const Params& p, const VitConfig& c, const torch::Tensor& images) {
  const int64_t b = images.size(0), side = c.image / c.patch, n = c.n_patches();
  const int64_t d = c.d_model, hd = c.head_dim();
  auto h = torch::conv2d(images, p.at("visual.patch_embed.proj.weight"), {}, c.patch);  // [B, d, side, side]
  h = h.flatten(2).transpose(1, 2);                                                   // [B, n, d]
  // Qwen2-VL's 2-D rotary embedding: half the rotary frequencies follow the
  // patch row, half the column.
  auto inv = torch::pow(10000.0, -torch::arange(0, hd / 2, 2, torch::kFloat64) / static_cast<double>(hd / 2));
  auto rows = torch::arange(side, torch::kFloat64).repeat_interleave(side);
  auto cols = torch::arange(side, torch::kFloat64).repeat({side});
  auto freqs = torch::cat({torch::outer(rows, inv), torch::outer(cols, inv)}, -1);  // [n, hd/2]
  auto emb = torch::cat({freqs, freqs}, -1);
  auto cos = emb.cos().to(h.scalar_type()), sin = emb.sin().to(h.scalar_type());
  for (int64_t i = 0; i < c.n_blocks; ++i) {
    auto x = RmsNorm(h, p.at(B(i, "norm1.weight")), c.norm_eps);
    auto qkv = Affine(x, p.at(B(i, "attn.qkv.weight")), p.at(B(i, "attn.qkv.bias")))
                   .view({b, n, 3, c.n_heads, hd})
                   .permute({2, 0, 3, 1, 4});  // [3, B, H, n, hd]
    auto q = qkv[0], k = qkv[1], v = qkv[2];
    q = q * cos + RotateHalf(q) * sin;
    k = k * cos + RotateHalf(k) * sin;
    auto att = (torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(hd))).softmax(-1);
    auto o = torch::matmul(att, v).transpose(1, 2).reshape({b, n, d});
    h = h + Affine(o, p.at(B(i, "attn.proj.weight")), p.at(B(i, "attn.proj.bias")));
    x = RmsNorm(h, p.at(B(i, "norm2.weight")), c.norm_eps);
    auto g = Affine(x, p.at(B(i, "mlp.gate_proj.weight")), p.at(B(i, "mlp.gate_proj.bias")));
    auto u = Affine(x, p.at(B(i, "mlp.up_proj.weight")), p.at(B(i, "mlp.up_proj.bias")));
    h = h + Affine(torch::silu(g) * u, p.at(B(i, "mlp.down_proj.weight")), p.at(B(i, "mlp.down_proj.bias")));
  }
  return h;
}

namespace {

nlohmann::ordered_json VisionJson(const VitConfig& c) {
  nlohmann::ordered_json v;
  v["model_type"] = "qwen2_5_vl";
  v["depth"] = c.n_blocks;
  v["hidden_size"] = c.d_model;
  v["intermediate_size"] = c.d_ff;
  v["num_heads"] = c.n_heads;
  v["patch_size"] = c.patch;
  v["image_size"] = c.image;
  v["in_chans"] = c.channels;
  v["temporal_patch_size"] = 1;
  v["hidden_act"] = "silu";
  return v;
}

}  // namespace

std::string VitConfigJson(const VitConfig& c) {
  nlohmann::ordered_json j;
  j["architectures"] = {"Qwen2_5_VisionTransformerPretrainedModel"};
  j["model_type"] = "qwen2_5_vl_vision";
  j["vision_config"] = VisionJson(c);
  j["torch_dtype"] = "bfloat16";
  j["note"] = "vision encoder only; pretrained as a shape classifier whose head was discarded";
  return j.dump(2) + "\n";
}

Params InitProjector(int64_t d_vision, int64_t d_text, uint64_t seed) {
  torch::manual_seed(seed);
  Params p;
  p["multi_modal_projector.linear_1.weight"] = torch::randn({d_text, d_vision}) * 0.02;
  p["multi_modal_projector.linear_1.bias"] = torch::zeros({d_text});
  p["multi_modal_projector.linear_2.weight"] = torch::randn({d_text, d_text}) * 0.02;
  p["multi_modal_projector.linear_2.bias"] = torch::zeros({d_text});
  return p;
}

torch::Tensor ProjectorForward(const Params& p, const torch::Tensor& x) {
  auto h = torch::gelu(Affine(x, p.at("multi_modal_projector.linear_1.weight"),
                              p.at("multi_modal_projector.linear_1.bias")));
  return Affine(h, p.at("multi_modal_projector.linear_2.weight"), p.at("multi_modal_projector.linear_2.bias"));
}

std::string MultimodalConfigJson(const LlamaConfig& t, const VitConfig& v) {
  auto text = nlohmann::ordered_json::parse(LlamaConfigJson(t));
  nlohmann::ordered_json j;
  j["architectures"] = {"LlavaForConditionalGeneration"};
  j["model_type"] = "llava";
  for (const char* k : {"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                        "num_key_value_heads", "head_dim", "vocab_size", "max_position_embeddings",
                        "rms_norm_eps", "rope_theta", "tie_word_embeddings"}) {
    j[k] = text[k];
  }
  j["text_config"] = text;
  j["vision_config"] = VisionJson(v);
  j["projector_hidden_act"] = "gelu";
  j["image_seq_length"] = v.n_patches();
  j["torch_dtype"] = "bfloat16";
  return j.dump(2) + "\n";
}

}  // namespace dokja::fixtures
