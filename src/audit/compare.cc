#include "audit/compare.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>

#include "audit/align.h"
#include "audit/internal/audit_side.h"
#include "audit/internal/transform.h"
#include "audit/stats.h"
#include "base/simd.h"
#include "tensorfile/canonical_name.h"

namespace dokja::audit {
namespace {

using internal::AuditSide;
using internal::AuditTensor;
using internal::FindKey;
using internal::ReadRows;
using internal::Sample;
using internal::SampleRows;

constexpr Role kMatrixRoles[] = {Role::kAttnQ,   Role::kAttnK,  Role::kAttnV,   Role::kAttnO,
                                 Role::kFfnGate, Role::kFfnUp,  Role::kFfnDown, Role::kAttnQKV};

bool IsConstantInit(Role r) {
  switch (r) {
    case Role::kAttnNorm: case Role::kAttnPostNorm: case Role::kFfnNorm:
    case Role::kFfnPostNorm: case Role::kOutputNorm: case Role::kInputNorm:
    case Role::kAttnQNorm: case Role::kAttnKNorm: case Role::kAttnQANorm:
    case Role::kAttnKVANorm: case Role::kProjNorm:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string ComponentKey(const CanonicalName& c) {
  if (c.role == Role::kTokenEmbed && c.component == Component::kText) return "token_embd";
  if (c.role == Role::kLmHead && c.component == Component::kText) return "lm_head";
  if (c.component == Component::kText) return "text";
  if (c.component == Component::kUnknown) return "unknown";
  return std::string(ComponentName(c.component)) + "[" + c.tower + "]";
}

namespace {

// The stored bytes of two tensors of one dtype and layout are equal.
Result<bool> SameBytes(const AuditSide& a, const AuditTensor& ta, const AuditSide& b, const AuditTensor& tb) {
  constexpr uint64_t kChunk = 1 << 20;  // small: tensors that differ mostly differ at once
  const uint64_t n = ta.info->n_bytes;
  std::vector<std::byte> ba(std::min(kChunk, n)), bb(ba.size());
  for (uint64_t off = 0; off < n; off += kChunk) {
    const size_t len = static_cast<size_t>(std::min(kChunk, n - off));
    DOKJA_RETURN_IF_ERROR(a.model->weights->ReadRaw(*ta.info, off, len, ba.data()));
    DOKJA_RETURN_IF_ERROR(b.model->weights->ReadRaw(*tb.info, off, len, bb.data()));
    if (std::memcmp(ba.data(), bb.data(), len) != 0) return false;
  }
  return true;
}

Result<bool> FullyIdentical(const AuditSide& a, const AuditTensor& ta, const AuditSide& b,
                            const AuditTensor& tb) {
  if (ta.info->shape != tb.info->shape) return false;
  // Equal bytes are equal values; bytes that differ may still be equal values
  // (-0 and 0, NaN payloads, another dtype), which the value check decides.
  if (ta.info->dtype == tb.info->dtype && ta.info->n_bytes == tb.info->n_bytes &&
      ta.stored_of_hf == tb.stored_of_hf) {
    DOKJA_ASSIGN_OR_RETURN(bool same, SameBytes(a, ta, b, tb));
    if (same) return true;
  }
  const uint64_t cols = ta.info->row_elements(), n_rows = ta.info->n_rows();
  const uint64_t chunk = std::max<uint64_t>(1, (1 << 20) / std::max<uint64_t>(1, cols));
  for (uint64_t r = 0; r < n_rows; r += chunk) {
    std::vector<uint64_t> rows(std::min(chunk, n_rows - r));
    std::iota(rows.begin(), rows.end(), r);
    DOKJA_ASSIGN_OR_RETURN(std::vector<float> va, ReadRows(a, ta, rows));
    DOKJA_ASSIGN_OR_RETURN(std::vector<float> vb, ReadRows(b, tb, rows));
    PairedMoments m;
    m.Add(va.data(), vb.data(), va.size());
    if (!m.identical()) return false;
  }
  return true;
}

// z whose upper tail is 10^log10_p (inverse of NormalLog10Upper).
double ZFromLog10Upper(double log10_p) {
  double lo = -40, hi = 1e6;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (NormalLog10Upper(mid) > log10_p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

std::string WithLayer(const CanonicalName& c, int32_t layer) {
  CanonicalName m = c;
  m.layer = layer;
  return m.ToString();
}

// Centres each row of a 2-D sample on its own mean. Row means are invariant
// to any permutation of the hidden dimensions and follow token frequency, so
// unrelated models share them (an embedding or head row of a frequent token
// is offset the same way in both); only what lies within rows is evidence.
void CentreRows(std::vector<float>* v, uint64_t cols) {
  if (cols < 2) return;
  for (uint64_t r = 0; r + cols <= v->size(); r += cols) {
    double mean = 0;
    for (uint64_t c = 0; c < cols; ++c) mean += (*v)[r + c];
    mean /= static_cast<double>(cols);
    for (uint64_t c = 0; c < cols; ++c) (*v)[r + c] -= static_cast<float>(mean);
  }
}

// Removes the rows' strongest common direction (top right-singular vector,
// by power iteration). Trained heads and embeddings have one: rows of tokens
// that never occur only receive the softmax's push-down gradient, so they all
// drift along one direction. Unrelated models then agree through a single
// random dot product of their two directions, which no per-entry null covers.
DOKJA_VECTOR_CLONES float Dot(const float* a, const float* b, uint64_t n) {
  float lanes[8] = {};
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int l = 0; l < 8; ++l) lanes[l] += a[i + l] * b[i + l];
  }
  float s = 0;
  for (; i < n; ++i) s += a[i] * b[i];
  for (float l : lanes) s += l;
  return s;
}

DOKJA_VECTOR_CLONES void Axpy(float alpha, const float* x, float* y, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

void RemoveTopDirection(std::vector<float>* v, uint64_t cols) {
  const uint64_t rows = cols == 0 ? 0 : v->size() / cols;
  if (rows < 3 || cols < 3) return;
  // Power iteration from the mean row direction; a dominant direction (the
  // case that matters) is found in a few steps, and removing a weak one
  // instead costs the evidence nothing.
  std::vector<float> dir(cols, 0.0f), next(cols);
  for (uint64_t r = 0; r < rows; ++r) Axpy(1.0f, v->data() + r * cols, dir.data(), cols);
  for (int iter = 0; iter < 8; ++iter) {
    double norm = std::sqrt(static_cast<double>(Dot(dir.data(), dir.data(), cols)));
    if (!(norm > 0)) {
      std::fill(dir.begin(), dir.end(), 1.0f);
      norm = std::sqrt(static_cast<double>(cols));
    }
    for (float& x : dir) x = static_cast<float>(x / norm);
    if (iter == 7) break;
    std::fill(next.begin(), next.end(), 0.0f);
    for (uint64_t r = 0; r < rows; ++r) {
      const float* row = v->data() + r * cols;
      Axpy(Dot(row, dir.data(), cols), row, next.data(), cols);
    }
    dir.swap(next);
  }
  for (uint64_t r = 0; r < rows; ++r) {
    float* row = v->data() + r * cols;
    Axpy(-Dot(row, dir.data(), cols), dir.data(), row, cols);
  }
}

uint64_t HashFloats(const std::vector<float>& v) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the bytes
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  for (size_t i = 0; i < v.size() * sizeof(float); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// Sampled rows of tensor `index` among its first `n_rows` rows, read (in
// reference coordinates for an aligned candidate) and prepared once. With
// `matched_columns`, only the columns of the sampled neurons
// (SampleRows(columns, max_rows), the neurons a partial neuron match covers).
Result<const Sample*> GetSample(AuditSide& side, size_t index, uint64_t n_rows, uint32_t max_rows,
                                bool matched_columns) {
  const auto key = std::make_tuple(index, n_rows, matched_columns);
  if (auto it = side.samples.find(key); it != side.samples.end()) return &it->second;
  const AuditTensor& t = side.tensors[index];
  std::vector<uint64_t> cols;
  if (matched_columns) cols = SampleRows(t.info->row_elements(), max_rows);
  DOKJA_ASSIGN_OR_RETURN(std::vector<float> values,
                         internal::ReadAlignedRows(side, t, SampleRows(n_rows, max_rows), cols));
  Sample sample;
  sample.raw_hash = HashFloats(values);
  sample.raw_size = values.size();
  if (t.info->shape.size() >= 2) {
    const uint64_t row_cols = matched_columns ? cols.size() : t.info->row_elements();
    CentreRows(&values, row_cols);
    RemoveTopDirection(&values, row_cols);
  }
  sample.prepared = std::move(values);
  return &side.samples.emplace(key, std::move(sample)).first->second;
}

// Evidence of relation between two prepared samples.
PairedMoments Relate(const Sample& a, const Sample& b) {
  PairedMoments m;
  m.Add(a.prepared.data(), b.prepared.data(), std::min(a.prepared.size(), b.prepared.size()));
  return m;
}

bool SameValues(const Sample& a, const Sample& b) {
  return a.raw_size == b.raw_size && a.raw_hash == b.raw_hash;
}

// Stouffer z over the matrix roles of candidate layer la vs reference layer lb.
Result<double> LayerPairZ(AuditSide& a, AuditSide& b, int32_t la, int32_t lb, uint32_t max_rows) {
  std::vector<double> zs;
  for (const AuditTensor& t : a.tensors) {
    if (t.canon.component != Component::kText || t.canon.layer != la || t.canon.expert != -1 ||
        std::find(std::begin(kMatrixRoles), std::end(kMatrixRoles), t.canon.role) == std::end(kMatrixRoles)) {
      continue;
    }
    auto it = b.by_key.find(WithLayer(t.canon, lb));
    if (it == b.by_key.end() || b.tensors[it->second].info->shape != t.info->shape) continue;
    const size_t ia = a.by_key.at(t.key);
    const bool matched = internal::RestrictedToMatchedNeurons(a, t);
    DOKJA_ASSIGN_OR_RETURN(const Sample* sa, GetSample(a, ia, t.info->n_rows(), max_rows, matched));
    DOKJA_ASSIGN_OR_RETURN(const Sample* sb, GetSample(b, it->second, t.info->n_rows(), max_rows, matched));
    zs.push_back(Relate(*sa, *sb).T());
  }
  return StoufferZ(zs);
}

Result<LayerMap> MapLayers(AuditSide& a, AuditSide& b, const CompareOptions& opt) {
  LayerMap map;
  map.n_candidate = a.n_layers;
  map.n_reference = b.n_layers;
  map.z.assign(static_cast<size_t>(a.n_layers) * b.n_layers, 0.0);
  map.mapped.assign(static_cast<size_t>(a.n_layers), -1);
  for (int32_t la = 0; la < a.n_layers; ++la) {
    int32_t best = -1;
    double best_z = -1e300;
    for (int32_t lb = 0; lb < b.n_layers; ++lb) {
      DOKJA_ASSIGN_OR_RETURN(double z, LayerPairZ(a, b, la, lb, opt.max_sample_rows));
      map.z[static_cast<size_t>(la) * b.n_layers + lb] = z;
      if (z > best_z) best_z = z, best = lb;
    }
    const bool same_ok = la < b.n_layers &&
                         NormalLog10Upper(map.z[static_cast<size_t>(la) * b.n_layers + la]) <= opt.log10_alpha;
    const bool best_ok = best >= 0 && BonferroniLog10(NormalLog10Upper(best_z), b.n_layers) <= opt.log10_alpha;
    map.mapped[static_cast<size_t>(la)] = same_ok ? la : best_ok ? best : (la < b.n_layers ? la : -1);
  }
  return map;
}
bool IsConstant(const Dense& m) {
  return std::all_of(m.v.begin(), m.v.end(), [&](float x) { return x == m.v.front(); });
}

// When either side's norm gains are constant (folded into the matrices that
// read the normalised stream), compares the two sides' effective column-norm
// profiles: per hidden dimension, the readers' column norms times |gain|
// (which folding leaves unchanged). That profile comes from training (at
// initialisation all columns have about the same norm and gains are 1), so
// agreement is evidence that trained weights were carried over.
Result<std::optional<TensorEvidence>> FoldedGainEvidence(const AuditSide& a, const AuditSide& b,
                                                         const std::string& norm_key,
                                                         const std::vector<std::string>& readers) {
  const AuditTensor *na = FindKey(a, norm_key), *nb = FindKey(b, norm_key);
  if (na == nullptr || nb == nullptr || na->info->shape != nb->info->shape) return std::optional<TensorEvidence>();
  DOKJA_ASSIGN_OR_RETURN(Dense ga, internal::ReadHiddenAligned(a, *na));
  DOKJA_ASSIGN_OR_RETURN(Dense gb, internal::ReadDense(b, *nb));
  if (!IsConstant(ga) && !IsConstant(gb)) return std::optional<TensorEvidence>();
  const uint64_t d = gb.v.size();
  std::vector<float> cand(d, 0.0f), ref(d, 0.0f);
  for (const std::string& key : readers) {
    const AuditTensor *ra = FindKey(a, key), *rb = FindKey(b, key);
    if (ra == nullptr || rb == nullptr || ra->info->shape != rb->info->shape ||
        ra->info->row_elements() != d) {
      continue;
    }
    DOKJA_ASSIGN_OR_RETURN(Dense wa, internal::ReadHiddenAligned(a, *ra));
    DOKJA_ASSIGN_OR_RETURN(Dense wb, internal::ReadDense(b, *rb));
    const std::vector<float> norm_a = ColumnNorms(wa), norm_b = ColumnNorms(wb);
    for (uint64_t j = 0; j < d; ++j) {
      cand[j] += norm_a[j] * std::abs(ga.v[j]);
      ref[j] += norm_b[j] * std::abs(gb.v[j]);
    }
  }
  PairedMoments m;
  m.Add(cand.data(), ref.data(), d);
  if (m.T() == 0) return std::optional<TensorEvidence>();
  TensorEvidence e;
  e.candidate = na->key;
  e.reference = nb->key;
  e.mapping = "gains folded into the next matrices";
  e.constant_init = true;
  e.t = e.z = m.T();
  e.pearson = m.Pearson();
  e.n_values = d;
  return std::optional<TensorEvidence>(std::move(e));
}

// Replaces the (degenerate) evidence of folded norms by FoldedGainEvidence.
Status AddFoldedGainEvidence(const AuditSide& a, const AuditSide& b,
                             std::map<std::string, ComponentVerdict>* comps) {
  auto text = comps->find("text");
  if (text == comps->end()) return Status::OK();
  auto replace = [&](const std::string& norm, const std::vector<std::string>& readers) -> Status {
    DOKJA_ASSIGN_OR_RETURN(auto e, FoldedGainEvidence(a, b, norm, readers));
    if (!e) return Status::OK();
    for (TensorEvidence& old : text->second.tensors) {
      if (old.candidate == norm) old = *e;
    }
    return Status::OK();
  };
  for (int32_t l = 0; l < a.n_layers; ++l) {
    const std::string p = "text.blk." + std::to_string(l) + ".";
    DOKJA_RETURN_IF_ERROR(replace(p + "attn_norm.weight",
                                  {p + "attn_q.weight", p + "attn_k.weight", p + "attn_v.weight"}));
    DOKJA_RETURN_IF_ERROR(replace(p + "ffn_norm.weight", {p + "ffn_gate.weight", p + "ffn_up.weight"}));
  }
  return replace("text.output_norm.weight", {"text.lm_head.weight"});
}

}  // namespace

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kCopied: return "COPIED";
    case Verdict::kDerived: return "DERIVED";
    case Verdict::kSharedInit: return "SHARED-INIT";
    case Verdict::kOriginal: return "ORIGINAL";
    case Verdict::kInconclusive: return "INCONCLUSIVE";
  }
  return "INCONCLUSIVE";
}

namespace {

// Finds the reference tensor for candidate tensor `t` and the rows to compare.
struct Pairing {
  size_t ref = 0;
  std::string mapping;
  uint64_t n_rows = 0;
  uint64_t layer_choices = 1;  // Bonferroni factor for a layer chosen by argmax
  bool found = false;
};

Pairing FindPair(const AuditTensor& t, const AuditSide& b, const LayerMap& map) {
  Pairing p;
  CanonicalName want = t.canon;
  if (t.canon.component == Component::kText && t.canon.layer >= 0 &&
      t.canon.layer < static_cast<int32_t>(map.mapped.size())) {
    want.layer = map.mapped[static_cast<size_t>(t.canon.layer)];
    if (want.layer < 0) return p;
    if (want.layer != t.canon.layer) {
      p.mapping = "layer " + std::to_string(t.canon.layer) + "->" + std::to_string(want.layer);
      p.layer_choices = static_cast<uint64_t>(std::max(1, map.n_reference));
    }
  }
  auto it = b.by_key.find(want.ToString());
  if (it == b.by_key.end() && want.expert >= 0) {
    CanonicalName dense = want;
    dense.expert = -1;
    it = b.by_key.find(dense.ToString());
    if (it != b.by_key.end()) p.mapping = "expert " + std::to_string(want.expert) + "->dense";
  }
  if (it == b.by_key.end() && want.role == Role::kLmHead) {
    // A reference with tied embeddings keeps its head in the embedding.
    CanonicalName embd = want;
    embd.role = Role::kTokenEmbed;
    it = b.by_key.find(embd.ToString());
    if (it != b.by_key.end()) p.mapping = "tied embedding";
  }
  if (it == b.by_key.end()) return p;
  const TensorInfo& ta = *t.info;
  const TensorInfo& tb = *b.tensors[it->second].info;
  p.ref = it->second;
  if (ta.shape == tb.shape) {
    p.n_rows = ta.n_rows();
  } else if (ta.shape.size() == 2 && tb.shape.size() == 2 && ta.shape[1] == tb.shape[1] &&
             (t.canon.role == Role::kTokenEmbed || t.canon.role == Role::kLmHead)) {
    p.n_rows = std::min(ta.shape[0], tb.shape[0]);
    p.mapping = "rows [0, " + std::to_string(p.n_rows) + ")";
  } else {
    return p;
  }
  if (p.mapping.empty()) p.mapping = "same";
  p.found = true;
  return p;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The role family of a canonical name: "text.blk.3.attn_q.weight" -> "attn_q.weight"
// (layer, tower and expert dropped).
std::string RoleFamilyOf(const std::string& canonical) {
  std::string out;
  size_t start = 0;
  while (start <= canonical.size()) {
    size_t dot = canonical.find('.', start);
    if (dot == std::string::npos) dot = canonical.size();
    const std::string part = canonical.substr(start, dot - start);
    const bool number = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    const bool skip = start == 0 || part == "blk" || number || part == "exps" || part == "shexp" ||
                      (part.size() > 3 && part.compare(0, 3, "exp") == 0 &&
                       std::isdigit(static_cast<unsigned char>(part[3])));
    if (!skip) out += (out.empty() ? "" : ".") + part;
    start = dot + 1;
  }
  return out;
}

void Decide(ComponentVerdict* c, const CompareOptions& opt, const ComponentVerdict* body) {
  std::vector<double> all, trained, r_all;
  std::map<std::string, std::vector<double>> r_by_role;
  for (const TensorEvidence& e : c->tensors) {
    all.push_back(e.z);
    r_all.push_back(e.pearson);
    if (!e.constant_init) r_by_role[e.reference].push_back(e.pearson);
    if (e.constant_init && e.z != 0) trained.push_back(e.z);
  }
  // How much is kept: the best-kept role family's median r. A model that
  // carried over its MLPs is derived whatever was done to its attention.
  std::map<std::string, std::vector<double>> by_family;
  for (const auto& [ref, rs] : r_by_role) {
    auto& f = by_family[RoleFamilyOf(ref)];
    f.insert(f.end(), rs.begin(), rs.end());
  }
  double kept = by_family.empty() ? Median(r_all) : -1.0;
  for (const auto& [family, rs] : by_family) kept = std::max(kept, Median(rs));
  c->log10_p = BonferroniLog10(NormalLog10Upper(StoufferZ(all)), opt.n_references);
  c->log10_p_trained = trained.empty()
                           ? 0
                           : BonferroniLog10(NormalLog10Upper(StoufferZ(trained)), opt.n_references);
  c->median_pearson = kept;
  char buf[512];
  if (c->n_paired == 0) {
    c->verdict = Verdict::kInconclusive;
    c->reason = "no tensor of this component has a counterpart in the reference";
    return;
  }
  if (c->n_identical == c->n_tensors && c->n_paired == c->n_tensors) {
    c->verdict = Verdict::kCopied;
    c->reason = "every tensor is identical in value to the reference's";
    return;
  }
  if (!std::isfinite(c->log10_p) || !std::isfinite(c->median_pearson)) {
    c->verdict = Verdict::kInconclusive;
    c->reason = "the evidence could not be computed (non-finite statistics)";
    return;
  }
  if (c->log10_p > opt.log10_alpha) {
    c->verdict = Verdict::kOriginal;
    std::snprintf(buf, sizeof buf, "no evidence of relation: log10 p = %.2f > %.1f", c->log10_p,
                  opt.log10_alpha);
    c->reason = buf;
    return;
  }
  const bool follows_body = body != nullptr && body != c &&
                            (c->component == "token_embd" || c->component == "lm_head") &&
                            (body->verdict == Verdict::kDerived || body->verdict == Verdict::kSharedInit);
  if (follows_body) {
    // Embeddings and heads keep untrained rows (tokens never seen) at their
    // initial values, so their own share says little; they follow the body.
    c->verdict = body->verdict;
    std::snprintf(buf, sizeof buf,
                  "related (log10 p = %.4g); the kind of relation follows the text body's (%s): "
                  "rows of tokens never trained keep their initial values, so the share of "
                  "common weights here says little on its own",
                  c->log10_p, std::string(VerdictName(body->verdict)).c_str());
  } else if (c->median_pearson >= opt.derived_min_pearson) {
    c->verdict = Verdict::kDerived;
    std::snprintf(buf, sizeof buf,
                  "related (log10 p = %.4g) and trained weights are largely kept (best role "
                  "family's median r = %.3f >= %.2f), as a fine-tune, quantisation or pruning "
                  "keeps them",
                  c->log10_p, c->median_pearson, opt.derived_min_pearson);
  } else {
    c->verdict = Verdict::kSharedInit;
    std::snprintf(buf, sizeof buf,
                  "related (log10 p = %.4g) but only a small share of the weights is common "
                  "(best role family's median r = %.3f < %.2f), as in two runs from one random "
                  "initialisation",
                  c->log10_p, c->median_pearson, opt.derived_min_pearson);
  }
  c->reason = buf;
  if (!trained.empty()) {
    std::snprintf(buf, sizeof buf, "; norm gains log10 p = %.4g", c->log10_p_trained);
    c->reason += buf;
  }
  if (c->n_identical > 0) {
    c->reason += "; " + std::to_string(c->n_identical) + " of " + std::to_string(c->n_tensors) +
                 " tensors identical";
  }
}

}  // namespace

Result<Comparison> CompareModels(const Model& candidate, const Model& reference,
                                 const CompareOptions& opt) {
  AuditSide a = internal::PrepareSide(candidate), b = internal::PrepareSide(reference);
  for (const AuditSide* side : {&a, &b}) {
    for (const AuditTensor& t : side->tensors) {  // the samples' scattered rows, read ahead
      internal::PrefetchRows(*side, t, SampleRows(t.info->n_rows(), opt.max_sample_rows));
    }
  }
  Comparison out;
  out.candidate = candidate.root;
  out.reference = reference.root;
  DOKJA_RETURN_IF_ERROR(internal::FindTransform(a, b, opt));
  out.hidden_permuted = !a.transform.hidden.perm.empty();
  out.neuron_permuted_layers = static_cast<int32_t>(a.transform.neurons.size());
  out.head_permuted_layers = static_cast<int32_t>(a.transform.heads.size());
  DOKJA_ASSIGN_OR_RETURN(out.layer_map, MapLayers(a, b, opt));
  std::map<std::string, ComponentVerdict> comps;
  PairedMoments gains;  // every paired norm gain, for the report's cosine lesson
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const AuditTensor& t = a.tensors[i];
    ComponentVerdict& c = comps[ComponentKey(t.canon)];
    c.component = ComponentKey(t.canon);
    c.n_tensors++;
    Pairing p = FindPair(t, b, out.layer_map);
    if (!p.found) continue;
    const AuditTensor& r = b.tensors[p.ref];
    const bool matched = internal::RestrictedToMatchedNeurons(a, t);
    DOKJA_ASSIGN_OR_RETURN(const Sample* sa, GetSample(a, i, p.n_rows, opt.max_sample_rows, matched));
    DOKJA_ASSIGN_OR_RETURN(const Sample* sb, GetSample(b, p.ref, p.n_rows, opt.max_sample_rows, matched));
    if (IsConstantInit(t.canon.role) && t.info->shape.size() == 1 && sa->raw_size == sb->raw_size) {
      gains.Add(sa->prepared.data(), sb->prepared.data(), sa->prepared.size());  // 1-D: raw values
    }
    const bool same_sample = SameValues(*sa, *sb);
    PairedMoments m = Relate(*sa, *sb);
    TensorEvidence e;
    e.candidate = t.key;
    e.reference = r.key;
    e.mapping = p.mapping;
    e.constant_init = IsConstantInit(t.canon.role);
    e.t = m.T();
    e.z = p.layer_choices > 1
              ? ZFromLog10Upper(BonferroniLog10(NormalLog10Upper(e.t), p.layer_choices))
              : e.t;
    e.pearson = m.Pearson();
    e.n_values = m.n();
    e.n_nonfinite = m.n_nonfinite();
    if (same_sample && t.info->shape == r.info->shape) {
      DOKJA_ASSIGN_OR_RETURN(e.identical, FullyIdentical(a, t, b, r));
    }
    c.n_paired++;
    c.n_identical += e.identical;
    c.n_constant_init += e.constant_init;
    c.tensors.push_back(std::move(e));
  }
  out.norm_gain_cosine = gains.Cosine();
  out.norm_gain_pearson = gains.Pearson();
  out.norm_gain_log10_p = NormalLog10Upper(gains.T());
  out.norm_gain_values = gains.n();
  DOKJA_RETURN_IF_ERROR(AddFoldedGainEvidence(a, b, &comps));
  // The text body first: embeddings and heads may follow its kind of relation.
  const ComponentVerdict* body = nullptr;
  if (auto it = comps.find("text"); it != comps.end()) {
    Decide(&it->second, opt, nullptr);
    body = &it->second;
  }
  for (auto& [key, c] : comps) {
    if (key != "text") Decide(&c, opt, body);
    out.components.push_back(c);
  }
  return out;
}

}  // namespace dokja::audit
