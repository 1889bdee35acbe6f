#include "engine/engine.h"

#include <cblas.h>

#include <cmath>
#include <limits>
#include <thread>

#include "engine/internal/ops.h"
#include "engine/internal/weights.h"

namespace dokja::engine {

Engine::Engine(EngineConfig config, std::unique_ptr<Weights> weights)
    : config_(std::move(config)), weights_(std::move(weights)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Load(const Model& model, const EngineOptions& options) {
  EngineConfig config;
  auto weights = std::make_unique<Weights>();
  DOKJA_RETURN_IF_ERROR(LoadWeights(model, options, &config, weights.get()));
  const int32_t threads = options.n_threads > 0
                              ? options.n_threads
                              : static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  SetBlasThreads(threads);
  return std::unique_ptr<Engine>(new Engine(std::move(config), std::move(weights)));
}

uint64_t Engine::weight_bytes() const {
  auto mat = [](const Matrix& m) { return m.data.size(); };
  uint64_t n = mat(weights_->token_embd) + mat(weights_->lm_head) + weights_->output_norm.size();
  for (const LayerWeights& l : weights_->layers) {
    n += mat(l.wq) + mat(l.wk) + mat(l.wv) + mat(l.wo) + mat(l.w_gate) + mat(l.w_up) +
         mat(l.w_down) + l.attn_norm.size() + l.ffn_norm.size() + l.bq.size() + l.bk.size() +
         l.bv.size() + l.q_norm.size() + l.k_norm.size();
  }
  return n * sizeof(float);
}

std::unique_ptr<Session> Engine::NewSession() const { return std::make_unique<Session>(*this); }

Session::Session(const Engine& engine)
    : engine_(engine),
      k_cache_(static_cast<size_t>(engine.config().n_layers)),
      v_cache_(static_cast<size_t>(engine.config().n_layers)) {}
Session::~Session() = default;

void Session::Truncate(int32_t n) {
  assert(n >= 0 && n <= n_past_);
  n_past_ = n;
}

uint64_t Session::kv_bytes() const {
  uint64_t n = 0;
  for (size_t l = 0; l < k_cache_.size(); ++l) n += k_cache_[l].capacity() + v_cache_[l].capacity();
  return n * sizeof(float);
}

namespace {

// Causal attention of n new queries (positions n_past..n_past+n-1) over the
// T = n_past + n cached keys/values of one layer, head by head.
void Attention(const EngineConfig& c, const float* q, const float* k_cache, const float* v_cache,
               int32_t n, int32_t n_past, float* scores, float* out) {
  const int32_t hd = c.head_dim, q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  const int32_t total = n_past + n, group = c.n_heads / c.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  for (int32_t h = 0; h < c.n_heads; ++h) {
    const int32_t kvh = h / group;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, total, hd, scale, q + h * hd, q_dim,
                k_cache + kvh * hd, kv_dim, 0.0f, scores, total);
    for (int32_t i = 0; i < n; ++i) {
      float* row = scores + static_cast<int64_t>(i) * total;
      const int32_t visible = n_past + i + 1;
      Softmax(row, visible);
      std::fill(row + visible, row + total, 0.0f);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hd, total, 1.0f, scores, total,
                v_cache + kvh * hd, kv_dim, 0.0f, out + h * hd, q_dim);
  }
}

}  // namespace

Status Session::Eval(std::span<const int32_t> tokens, bool all_logits, std::vector<float>* logits) {
  const EngineConfig& c = engine_.config();
  const Weights& w = *engine_.weights_;
  const int32_t n = static_cast<int32_t>(tokens.size());
  logits->clear();
  if (n == 0) return Status::OK();
  if (static_cast<int64_t>(n_past_) + n > c.n_ctx) {
    return Status::InvalidArgument("context overflow: " + std::to_string(n_past_) + " + " +
                                   std::to_string(n) + " tokens exceed n_ctx " +
                                   std::to_string(c.n_ctx));
  }
  for (int32_t t : tokens) {
    if (t < 0 || t >= c.n_vocab) {
      return Status::InvalidArgument("token id " + std::to_string(t) + " outside [0, " +
                                     std::to_string(c.n_vocab) + ")");
    }
  }
  const int32_t d = c.d_model, hd = c.head_dim;
  const int32_t q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  const int64_t total = static_cast<int64_t>(n_past_) + n;
  std::vector<float> x(static_cast<size_t>(n) * d), h(x.size()), o(x.size());
  std::vector<float> q(static_cast<size_t>(n) * q_dim), attn(q.size());
  std::vector<float> k(static_cast<size_t>(n) * kv_dim), v(k.size());
  std::vector<float> g(static_cast<size_t>(n) * c.d_ff), u(g.size());
  std::vector<float> scores(static_cast<size_t>(n * total));
  for (int32_t i = 0; i < n; ++i) {
    std::copy_n(w.token_embd.data.begin() + static_cast<int64_t>(tokens[i]) * d, d,
                x.begin() + static_cast<int64_t>(i) * d);
  }
  for (int32_t l = 0; l < c.n_layers; ++l) {
    const LayerWeights& lw = w.layers[static_cast<size_t>(l)];
    RmsNorm(x.data(), n, d, lw.attn_norm, c.norm_eps, h.data());
    MatMulT(h.data(), n, d, lw.wq.data.data(), q_dim, lw.bq, q.data());
    MatMulT(h.data(), n, d, lw.wk.data.data(), kv_dim, lw.bk, k.data());
    MatMulT(h.data(), n, d, lw.wv.data.data(), kv_dim, lw.bv, v.data());
    if (c.qk_norm) {
      RmsNorm(q.data(), n * c.n_heads, hd, lw.q_norm, c.norm_eps, q.data());
      RmsNorm(k.data(), n * c.n_kv_heads, hd, lw.k_norm, c.norm_eps, k.data());
    }
    Rope(q.data(), n, c.n_heads, hd, n_past_, c.rope_inv_freq);
    Rope(k.data(), n, c.n_kv_heads, hd, n_past_, c.rope_inv_freq);
    auto& kc = k_cache_[static_cast<size_t>(l)];
    auto& vc = v_cache_[static_cast<size_t>(l)];
    kc.resize(static_cast<size_t>(total * kv_dim));
    vc.resize(kc.size());
    std::copy(k.begin(), k.end(), kc.begin() + static_cast<int64_t>(n_past_) * kv_dim);
    std::copy(v.begin(), v.end(), vc.begin() + static_cast<int64_t>(n_past_) * kv_dim);
    Attention(c, q.data(), kc.data(), vc.data(), n, n_past_, scores.data(), attn.data());
    MatMulT(attn.data(), n, q_dim, lw.wo.data.data(), d, {}, o.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += o[i];
    RmsNorm(x.data(), n, d, lw.ffn_norm, c.norm_eps, h.data());
    MatMulT(h.data(), n, d, lw.w_gate.data.data(), c.d_ff, {}, g.data());
    MatMulT(h.data(), n, d, lw.w_up.data.data(), c.d_ff, {}, u.data());
    SwiGlu(g.data(), u.data(), static_cast<int64_t>(g.size()));
    MatMulT(g.data(), n, c.d_ff, lw.w_down.data.data(), d, {}, o.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += o[i];
  }
  n_past_ += n;
  const int32_t rows = all_logits ? n : 1;
  const float* last = x.data() + static_cast<int64_t>(n - rows) * d;
  RmsNorm(last, rows, d, w.output_norm, c.norm_eps, h.data());
  const Matrix& head = c.tied_embeddings ? w.token_embd : w.lm_head;
  logits->resize(static_cast<size_t>(rows) * c.n_vocab);
  MatMulT(h.data(), rows, d, head.data.data(), c.n_vocab, {}, logits->data());
  return Status::OK();
}

}  // namespace dokja::engine
