#include "hf_io.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "base/float_conv.h"
#include "tensorfile/gguf/gguf_writer.h"
#include "tensorfile/gguf/quantize.h"
#include "tensorfile/safetensors/safetensors_writer.h"

namespace dokja::fixtures {

namespace {

void Check(const Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.ToString());
}

std::vector<float> F32Values(const torch::Tensor& t) {
  auto c = t.detach().to(torch::kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<uint64_t> Shape(const torch::Tensor& t) {
  std::vector<uint64_t> s;
  for (int64_t d : t.sizes()) s.push_back(static_cast<uint64_t>(d));
  return s;
}

}  // namespace

void SaveHfFolder(const std::string& dir, const Params& p, const std::string& config_json, DType dtype) {
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/config.json", std::ios::binary | std::ios::trunc);
    out << config_json;
    if (!out) throw std::runtime_error(dir + "/config.json: write failed");
  }
  // Keep every tensor's bytes alive until the write returns.
  std::vector<std::string> storage;
  storage.reserve(p.size());
  std::vector<TensorToWrite> tensors;
  for (const auto& [name, t] : p) {
    std::vector<float> v = F32Values(t);
    std::string bytes;
    if (dtype == DType::kF32) {
      bytes.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
    } else if (dtype == DType::kBF16) {
      bytes.resize(v.size() * 2);
      for (size_t i = 0; i < v.size(); ++i) {
        const uint16_t h = F32ToBf16(v[i]);
        std::memcpy(bytes.data() + 2 * i, &h, 2);
      }
    } else {
      throw std::runtime_error("SaveHfFolder: only F32 and BF16");
    }
    storage.push_back(std::move(bytes));
    TensorToWrite w;
    w.name = name;
    w.dtype = dtype;
    w.shape = Shape(t);
    w.bytes = AsBytes(storage.back());
    tensors.push_back(std::move(w));
  }
  Check(WriteSafetensorsFile(dir + "/model.safetensors", tensors, {{"format", "pt"}}),
        dir + "/model.safetensors");
}

torch::Tensor HfToMetaRows(const torch::Tensor& w, int64_t n_heads) {
  // weights.reshape(n_head, 2, rows // n_head // 2, cols).swapaxes(1, 2).reshape(rows, cols)
  const int64_t rows = w.size(0), cols = w.size(1);
  return w.reshape({n_heads, 2, rows / n_heads / 2, cols}).transpose(1, 2).reshape({rows, cols}).contiguous();
}

void SaveLlamaGguf(const std::string& path, const Params& p, const LlamaConfig& c, DType quant,
                   const std::string& name) {
  GgufWriter w;
  auto kv = [&](const std::string& key, MetaValue v) { Check(w.AddKv(key, std::move(v)), path + " " + key); };
  kv("general.architecture", MetaStr("llama"));
  kv("general.name", MetaStr(name));
  // llama_ftype: 7 = MOSTLY_Q8_0, 2 = MOSTLY_Q4_0, 0 = ALL_F32.
  kv("general.file_type", MetaU32(quant == DType::kQ8_0 ? 7 : quant == DType::kQ4_0 ? 2 : 0));
  kv("llama.vocab_size", MetaU32(static_cast<uint32_t>(c.n_vocab)));
  kv("llama.context_length", MetaU32(static_cast<uint32_t>(c.n_ctx)));
  kv("llama.embedding_length", MetaU32(static_cast<uint32_t>(c.d_model)));
  kv("llama.block_count", MetaU32(static_cast<uint32_t>(c.n_layers)));
  kv("llama.feed_forward_length", MetaU32(static_cast<uint32_t>(c.d_ff)));
  kv("llama.rope.dimension_count", MetaU32(static_cast<uint32_t>(c.head_dim())));
  kv("llama.attention.head_count", MetaU32(static_cast<uint32_t>(c.n_heads)));
  kv("llama.attention.head_count_kv", MetaU32(static_cast<uint32_t>(c.n_kv_heads)));
  kv("llama.attention.layer_norm_rms_epsilon", MetaF32(static_cast<float>(c.norm_eps)));
  kv("llama.rope.freq_base", MetaF32(static_cast<float>(c.rope_theta)));
  // A byte-level SentencePiece-style vocabulary: token i is the byte i.
  std::vector<MetaValue> tokens, scores, types;
  for (int i = 0; i < c.n_vocab; ++i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", i);
    tokens.push_back(MetaStr(buf));
    scores.push_back(MetaF32(0.0f));
    types.push_back(MetaI32(6));  // LLAMA_TOKEN_TYPE_BYTE
  }
  kv("tokenizer.ggml.model", MetaStr("llama"));
  kv("tokenizer.ggml.tokens", MetaArr(MetaType::kString, std::move(tokens)));
  kv("tokenizer.ggml.scores", MetaArr(MetaType::kF32, std::move(scores)));
  kv("tokenizer.ggml.token_type", MetaArr(MetaType::kI32, std::move(types)));

  auto add = [&](const std::string& gguf_name, const torch::Tensor& t) {
    std::vector<float> v = F32Values(t);
    const DType dt = t.dim() >= 2 ? quant : DType::kF32;
    auto bytes = EncodeFromF32(dt, v);
    Check(bytes.status(), path + " " + gguf_name);
    Check(w.AddTensor(gguf_name, dt, Shape(t), std::move(bytes).value()), path + " " + gguf_name);
  };
  add("token_embd.weight", p.at("model.embed_tokens.weight"));
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    add(b + "attn_norm.weight", p.at(LayerName(l, "input_layernorm.weight")));
    add(b + "attn_q.weight", HfToMetaRows(p.at(LayerName(l, "self_attn.q_proj.weight")), c.n_heads));
    add(b + "attn_k.weight", HfToMetaRows(p.at(LayerName(l, "self_attn.k_proj.weight")), c.n_kv_heads));
    add(b + "attn_v.weight", p.at(LayerName(l, "self_attn.v_proj.weight")));
    add(b + "attn_output.weight", p.at(LayerName(l, "self_attn.o_proj.weight")));
    add(b + "ffn_norm.weight", p.at(LayerName(l, "post_attention_layernorm.weight")));
    add(b + "ffn_gate.weight", p.at(LayerName(l, "mlp.gate_proj.weight")));
    add(b + "ffn_up.weight", p.at(LayerName(l, "mlp.up_proj.weight")));
    add(b + "ffn_down.weight", p.at(LayerName(l, "mlp.down_proj.weight")));
  }
  add("output_norm.weight", p.at("model.norm.weight"));
  if (!c.tied) add("output.weight", p.at("lm_head.weight"));
  Check(w.WriteFile(path), path);
}

}  // namespace dokja::fixtures
