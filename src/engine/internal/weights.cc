#include "engine/internal/weights.h"

#include <cmath>
#include <map>

#include "tensorfile/canonical_name.h"
#include "tensorfile/rotary_layout.h"

namespace dokja::engine {
namespace {

constexpr const char* kHfArchitectures[] = {"LlamaForCausalLM", "MistralForCausalLM",
                                            "Qwen2ForCausalLM", "Qwen3ForCausalLM"};
constexpr const char* kGgufArchitectures[] = {"llama", "mistral", "qwen2", "qwen3"};

class Loader {
 public:
  explicit Loader(const TensorFile& file) : file_(file) {
    std::vector<std::string> names;
    for (const TensorInfo& t : file.tensors()) names.push_back(t.name);
    std::vector<CanonicalName> canon = CanonicalizeAll(names);
    for (size_t i = 0; i < canon.size(); ++i) {
      if (canon[i].component == Component::kText) by_canon_[canon[i].ToString()] = &file.tensors()[i];
    }
  }

  bool Has(const std::string& canon) const { return by_canon_.count(canon) != 0; }

  // Loads a tensor of exactly `n` values (any shape with that many elements
  // and the given last dimension), as f32.
  Result<std::vector<float>> Load(const std::string& canon, const std::vector<uint64_t>& shape) {
    auto it = by_canon_.find(canon);
    if (it == by_canon_.end()) {
      return Status::Corrupt(file_.paths().front() + ": missing tensor " + canon);
    }
    const TensorInfo& t = *it->second;
    if (t.shape != shape) {
      TensorInfo want;
      want.shape = shape;
      return Status::Corrupt(file_.paths()[t.file_index] + ": tensor '" + t.name + "' (" + canon +
                             ") has shape " + t.ShapeString() + ", expected " + want.ShapeString());
    }
    return file_.ReadF32(t);
  }

  Result<Matrix> LoadMatrix(const std::string& canon, int32_t rows, int32_t cols) {
    Matrix m;
    m.rows = rows;
    m.cols = cols;
    DOKJA_ASSIGN_OR_RETURN(m.data, Load(canon, {static_cast<uint64_t>(rows), static_cast<uint64_t>(cols)}));
    return m;
  }

  Result<std::vector<float>> LoadVector(const std::string& canon, int32_t n) {
    return Load(canon, {static_cast<uint64_t>(n)});
  }

  const TensorInfo* Find(const std::string& canon) const {
    auto it = by_canon_.find(canon);
    return it == by_canon_.end() ? nullptr : it->second;
  }

 private:
  const TensorFile& file_;
  std::map<std::string, const TensorInfo*> by_canon_;
};

std::string L(int32_t layer, const char* role, const char* param = "weight") {
  return "text.blk." + std::to_string(layer) + "." + role + "." + param;
}

Status CheckSupported(const Model& model, bool* interleaved_rope) {
  const ModelArch& a = *model.arch;
  *interleaved_rope = false;
  if (model.weights->format() == TensorFormat::kGguf) {
    std::string gguf_arch = model.weights->metadata().GetString("general.architecture").value_or("");
    for (const char* name : kGgufArchitectures) {
      if (gguf_arch == name) {
        *interleaved_rope = GgufArchHasInterleavedRope(gguf_arch);
        return Status::OK();
      }
    }
    return Status::Unsupported(model.root + ": GGUF architecture '" + gguf_arch +
                               "' is not supported by the embedded engine (llama, qwen2, qwen3)");
  }
  for (const char* name : kHfArchitectures) {
    if (a.architecture == name) return Status::OK();
  }
  // A multimodal model (LLaVA-style) whose language model is one we run: the
  // engine runs its text component alone, as a text-only client would.
  for (const char* name : kHfArchitectures) {
    if (!a.text_architecture.empty() && a.text_architecture == name) return Status::OK();
  }
  std::string text_part =
      a.text_architecture.empty() ? "" : " (text model '" + a.text_architecture + "')";
  return Status::Unsupported(model.root + ": architecture '" + a.architecture + "'" + text_part +
                             " is not supported by the embedded engine (Llama, Mistral, "
                             "Qwen2, Qwen3)");
}

Status DeriveConfig(const Model& model, const Loader& loader, const EngineOptions& options,
                    EngineConfig* c) {
  const ModelArch& a = *model.arch;
  const TensorInfo* embd = loader.Find("text.token_embd.weight");
  if (embd == nullptr || embd->shape.size() != 2) {
    return Status::Corrupt(model.root + ": no 2-D token embedding (text.token_embd.weight)");
  }
  c->architecture = a.architecture;
  c->n_layers = static_cast<int32_t>(a.n_layers);
  c->d_model = static_cast<int32_t>(embd->shape[1]);
  c->n_vocab = static_cast<int32_t>(embd->shape[0]);
  c->n_heads = static_cast<int32_t>(a.n_heads);
  c->n_kv_heads = static_cast<int32_t>(a.n_kv_heads > 0 ? a.n_kv_heads : a.n_heads);
  c->head_dim = static_cast<int32_t>(a.head_dim > 0 ? a.head_dim : (a.n_heads ? a.d_model / a.n_heads : 0));
  const TensorInfo* gate = loader.Find(L(0, "ffn_gate"));
  c->d_ff = gate != nullptr && gate->shape.size() == 2 ? static_cast<int32_t>(gate->shape[0])
                                                       : static_cast<int32_t>(a.d_ff);
  if (c->n_layers <= 0 || c->n_heads <= 0 || c->head_dim <= 0 || c->d_ff <= 0 ||
      c->head_dim % 2 != 0 || c->n_heads % c->n_kv_heads != 0) {
    return Status::Corrupt(model.root + ": implausible dimensions (layers " +
                           std::to_string(c->n_layers) + ", heads " + std::to_string(c->n_heads) +
                           "/" + std::to_string(c->n_kv_heads) + ", head_dim " +
                           std::to_string(c->head_dim) + ", d_ff " + std::to_string(c->d_ff) + ")");
  }
  c->norm_eps = a.norm_eps > 0 ? static_cast<float>(a.norm_eps) : 1e-5f;
  c->qkv_bias = loader.Has(L(0, "attn_q", "bias"));
  c->qk_norm = loader.Has(L(0, "attn_q_norm"));
  c->tied_embeddings = !loader.Has("text.lm_head.weight");
  const int64_t train_ctx = a.n_ctx > 0 ? a.n_ctx : 4096;
  c->n_ctx = options.n_ctx > 0 ? options.n_ctx : static_cast<int32_t>(std::min<int64_t>(train_ctx, 4096));
  c->rope_inv_freq = RopeInvFreq(a, c->head_dim);
  return Status::OK();
}

Status LoadLayer(Loader& loader, const EngineConfig& c, int32_t l, bool interleaved_rope,
                 LayerWeights* w) {
  const int32_t q_dim = c.n_heads * c.head_dim, kv_dim = c.n_kv_heads * c.head_dim;
  DOKJA_ASSIGN_OR_RETURN(w->attn_norm, loader.LoadVector(L(l, "attn_norm"), c.d_model));
  DOKJA_ASSIGN_OR_RETURN(w->ffn_norm, loader.LoadVector(L(l, "ffn_norm"), c.d_model));
  DOKJA_ASSIGN_OR_RETURN(w->wq, loader.LoadMatrix(L(l, "attn_q"), q_dim, c.d_model));
  DOKJA_ASSIGN_OR_RETURN(w->wk, loader.LoadMatrix(L(l, "attn_k"), kv_dim, c.d_model));
  DOKJA_ASSIGN_OR_RETURN(w->wv, loader.LoadMatrix(L(l, "attn_v"), kv_dim, c.d_model));
  DOKJA_ASSIGN_OR_RETURN(w->wo, loader.LoadMatrix(L(l, "attn_output"), c.d_model, q_dim));
  DOKJA_ASSIGN_OR_RETURN(w->w_gate, loader.LoadMatrix(L(l, "ffn_gate"), c.d_ff, c.d_model));
  DOKJA_ASSIGN_OR_RETURN(w->w_up, loader.LoadMatrix(L(l, "ffn_up"), c.d_ff, c.d_model));
  DOKJA_ASSIGN_OR_RETURN(w->w_down, loader.LoadMatrix(L(l, "ffn_down"), c.d_model, c.d_ff));
  if (c.qkv_bias) {
    DOKJA_ASSIGN_OR_RETURN(w->bq, loader.LoadVector(L(l, "attn_q", "bias"), q_dim));
    DOKJA_ASSIGN_OR_RETURN(w->bk, loader.LoadVector(L(l, "attn_k", "bias"), kv_dim));
    DOKJA_ASSIGN_OR_RETURN(w->bv, loader.LoadVector(L(l, "attn_v", "bias"), kv_dim));
  }
  if (c.qk_norm) {
    DOKJA_ASSIGN_OR_RETURN(w->q_norm, loader.LoadVector(L(l, "attn_q_norm"), c.head_dim));
    DOKJA_ASSIGN_OR_RETURN(w->k_norm, loader.LoadVector(L(l, "attn_k_norm"), c.head_dim));
  }
  if (interleaved_rope) {
    PermuteInterleavedToHalf(&w->wq.data, c.n_heads, c.head_dim, c.d_model);
    PermuteInterleavedToHalf(&w->wk.data, c.n_kv_heads, c.head_dim, c.d_model);
    if (c.qkv_bias) {
      PermuteInterleavedToHalf(&w->bq, c.n_heads, c.head_dim, 1);
      PermuteInterleavedToHalf(&w->bk, c.n_kv_heads, c.head_dim, 1);
    }
  }
  return Status::OK();
}

}  // namespace

std::vector<double> RopeInvFreq(const ModelArch& a, int32_t head_dim) {
  const double theta = a.rope_theta > 0 ? a.rope_theta : 10000.0;
  std::vector<double> inv(static_cast<size_t>(head_dim / 2));
  for (size_t i = 0; i < inv.size(); ++i) {
    inv[i] = 1.0 / std::pow(theta, 2.0 * static_cast<double>(i) / head_dim);
  }
  const double factor = a.rope_scaling_factor;
  if (a.rope_scaling_type == "linear" && factor > 0) {
    for (double& f : inv) f /= factor;
  } else if (a.rope_scaling_type == "llama3" && factor > 0) {
    // Hugging Face's _compute_llama3_parameters.
    const double old_ctx = a.rope_original_ctx > 0 ? static_cast<double>(a.rope_original_ctx) : 8192;
    const double low = a.rope_low_freq_factor > 0 ? a.rope_low_freq_factor : 1;
    const double high = a.rope_high_freq_factor > 0 ? a.rope_high_freq_factor : 4;
    const double low_wavelen = old_ctx / low, high_wavelen = old_ctx / high;
    for (double& f : inv) {
      const double wavelen = 2 * M_PI / f;
      if (wavelen > low_wavelen) {
        f /= factor;
      } else if (wavelen >= high_wavelen) {
        const double smooth = (old_ctx / wavelen - low) / (high - low);
        f = (1 - smooth) * f / factor + smooth * f;
      }
    }
  }
  return inv;
}

Status LoadWeights(const Model& model, const EngineOptions& options, EngineConfig* config,
                   Weights* weights) {
  if (!model.arch) return Status::Corrupt(model.root + ": no config.json or GGUF metadata");
  bool interleaved_rope = false;
  DOKJA_RETURN_IF_ERROR(CheckSupported(model, &interleaved_rope));
  Loader loader(*model.weights);
  DOKJA_RETURN_IF_ERROR(DeriveConfig(model, loader, options, config));
  const EngineConfig& c = *config;
  // GGUF llama3 models carry their scaled frequencies as divisors.
  if (const TensorInfo* rf = loader.Find("text.rope_freqs.weight"); rf != nullptr) {
    DOKJA_ASSIGN_OR_RETURN(std::vector<float> div,
                           loader.LoadVector("text.rope_freqs.weight", c.head_dim / 2));
    ModelArch unscaled;
    unscaled.rope_theta = model.arch->rope_theta;
    auto plain = RopeInvFreq(unscaled, c.head_dim);
    for (size_t i = 0; i < plain.size(); ++i) config->rope_inv_freq[i] = plain[i] / div[i];
  }
  DOKJA_ASSIGN_OR_RETURN(weights->token_embd,
                         loader.LoadMatrix("text.token_embd.weight", c.n_vocab, c.d_model));
  DOKJA_ASSIGN_OR_RETURN(weights->output_norm, loader.LoadVector("text.output_norm.weight", c.d_model));
  if (!c.tied_embeddings) {
    DOKJA_ASSIGN_OR_RETURN(weights->lm_head, loader.LoadMatrix("text.lm_head.weight", c.n_vocab, c.d_model));
  }
  weights->layers.resize(static_cast<size_t>(c.n_layers));
  for (int32_t l = 0; l < c.n_layers; ++l) {
    DOKJA_RETURN_IF_ERROR(LoadLayer(loader, c, l, interleaved_rope, &weights->layers[static_cast<size_t>(l)]));
  }
  return Status::OK();
}

}  // namespace dokja::engine
