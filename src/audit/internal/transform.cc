#include "audit/internal/transform.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "audit/align.h"
#include "audit/internal/match.h"
#include "audit/stats.h"

namespace dokja::audit::internal {
namespace {

// Values per matched item (neuron row, head) we aim for: enough that a
// related item stands far above the best of thousands of chance matches.
constexpr uint64_t kMinMatchValues = 4096;

// Candidate rows streamed per chunk while matching neurons.
constexpr uint64_t kChunkRows = 256;

// True when sampled rows of tensor `key` match the reference's rows of the
// same index (candidate columns in reference order): nothing to re-match.
// Absent or differently shaped tensors count as in place.
Result<bool> RowsInPlace(const AuditSide& a, const AuditSide& b, const std::string& key, double log10_alpha) {
  const AuditTensor *ta = FindKey(a, key), *tb = FindKey(b, key);
  if (ta == nullptr || tb == nullptr || ta->info->shape != tb->info->shape || ta->info->shape.size() != 2) {
    return true;
  }
  const std::vector<uint64_t> rows = SampleRows(ta->info->n_rows(), 256);
  Dense da{rows.size(), ta->info->row_elements(), {}}, db{rows.size(), tb->info->row_elements(), {}};
  DOKJA_ASSIGN_OR_RETURN(da.v, ReadAlignedRows(a, *ta, rows));
  DOKJA_ASSIGN_OR_RETURN(db.v, ReadRows(b, *tb, rows));
  return RowIdentityHolds(da, db, log10_alpha);
}

// Rows [begin, end) of `up` (and `gate` beside them when given), aligned,
// each row normalised.
Result<std::vector<float>> MatchRowsOf(const AuditSide& side, const AuditTensor& up, const AuditTensor* gate,
                                       const std::vector<uint64_t>& rows) {
  DOKJA_ASSIGN_OR_RETURN(std::vector<float> u, ReadAlignedRows(side, up, rows));
  const uint64_t d = up.info->row_elements();
  if (gate == nullptr) {
    NormaliseRows(&u, d);
    return u;
  }
  DOKJA_ASSIGN_OR_RETURN(std::vector<float> g, ReadAlignedRows(side, *gate, rows));
  const uint64_t dg = gate->info->row_elements();
  Dense both = SideBySide(Dense{rows.size(), d, std::move(u)}, Dense{rows.size(), dg, std::move(g)});
  NormaliseRows(&both.v, both.cols);
  return std::move(both.v);
}

// Layer l's MLP neurons: each sampled reference neuron ([up | gate] row)
// matched to the best-correlated of all candidate neurons, in reference
// coordinates for the hidden dimensions.
Status FindNeurons(AuditSide& a, const AuditSide& b, int32_t l, const CompareOptions& opt) {
  const std::string p = "text.blk." + std::to_string(l) + ".";
  const AuditTensor *ua = FindKey(a, p + "ffn_up.weight"), *ub = FindKey(b, p + "ffn_up.weight");
  if (ua == nullptr || ub == nullptr || ua->info->shape != ub->info->shape || ua->info->shape.size() != 2) {
    return Status::OK();
  }
  DOKJA_ASSIGN_OR_RETURN(bool in_place, RowsInPlace(a, b, p + "ffn_up.weight", opt.log10_alpha));
  if (in_place) return Status::OK();
  const uint64_t n = ua->info->n_rows(), d = ua->info->row_elements();
  const AuditTensor *ga = FindKey(a, p + "ffn_gate.weight"), *gb = FindKey(b, p + "ffn_gate.weight");
  // Gate rows join the up rows only while a row is short of kMinMatchValues.
  const bool with_gate = ga != nullptr && gb != nullptr && ga->info->shape == gb->info->shape &&
                         ga->info->shape == ua->info->shape && d < kMinMatchValues;
  const std::vector<uint64_t> sampled = SampleRows(n, opt.max_sample_rows);
  DOKJA_ASSIGN_OR_RETURN(std::vector<float> ref, MatchRowsOf(b, *ub, with_gate ? gb : nullptr, sampled));
  const uint64_t cols = with_gate ? 2 * d : d;
  BestRowMatch match(std::move(ref), cols);
  for (uint64_t begin = 0; begin < n; begin += kChunkRows) {
    std::vector<uint64_t> rows(std::min(kChunkRows, n - begin));
    std::iota(rows.begin(), rows.end(), begin);
    DOKJA_ASSIGN_OR_RETURN(std::vector<float> chunk, MatchRowsOf(a, *ua, with_gate ? ga : nullptr, rows));
    match.Add(chunk, begin);
  }
  NeuronMatch m;
  m.n_neurons = n;
  m.ref_rows = sampled;
  m.cand_rows = match.best_row();
  m.worst_log10_p = -1e300;
  for (double r : match.best_r()) {
    // Under independence r ~ N(0, 1/cols); the best of n is corrected by n.
    const double log10_p = BonferroniLog10(NormalLog10Upper(r * std::sqrt(static_cast<double>(cols))), n);
    m.worst_log10_p = std::max(m.worst_log10_p, log10_p);
  }
  if (m.worst_log10_p > opt.log10_alpha) return Status::OK();
  std::vector<uint64_t> distinct = m.cand_rows;
  std::sort(distinct.begin(), distinct.end());
  if (std::adjacent_find(distinct.begin(), distinct.end()) != distinct.end()) return Status::OK();
  if (m.cand_rows == m.ref_rows) return Status::OK();  // in place after all
  a.transform.neurons[l] = std::move(m);
  return Status::OK();
}

// Rows h * head_dim + o for every head h and offset o.
std::vector<uint64_t> HeadRows(uint64_t n_heads, uint64_t head_dim, const std::vector<uint64_t>& offsets) {
  std::vector<uint64_t> rows;
  for (uint64_t h = 0; h < n_heads; ++h) {
    for (uint64_t o : offsets) rows.push_back(h * head_dim + o);
  }
  return rows;
}

// A permutation of blocks of `from` rows as one of blocks of `to` rows.
SignedPermutation Reblock(const SignedPermutation& rows, uint64_t from, uint64_t to) {
  SignedPermutation out;
  out.worst_log10_p = rows.worst_log10_p;
  for (uint64_t h = 0; h * from < rows.perm.size(); ++h) {
    const uint64_t target = rows.perm[h * from] / from;
    for (uint64_t i = 0; i < to; ++i) {
      out.perm.push_back(static_cast<uint32_t>(target * to + i));
      out.sign.push_back(1);
    }
  }
  return out;
}

// The rows of each head used to match heads: the same offsets in every
// head, enough of them for kMinMatchValues values (all when head_dim is smaller).
std::vector<uint64_t> HeadOffsets(uint64_t head_dim, uint64_t d) {
  const uint64_t per_head = std::min<uint64_t>(head_dim, std::max<uint64_t>(8, (kMinMatchValues + d - 1) / d));
  return SampleRows(head_dim, static_cast<uint32_t>(per_head));
}

// head_dim of the candidate's architecture, or 0 when unknown.
uint64_t HeadDim(const AuditSide& a) {
  const ModelArch* arch = a.model->arch ? &*a.model->arch : nullptr;
  if (arch == nullptr || arch->n_heads <= 0) return 0;
  const int64_t head_dim = arch->head_dim > 0 ? arch->head_dim : arch->d_model / arch->n_heads;
  return head_dim > 0 ? static_cast<uint64_t>(head_dim) : 0;
}

// Reads the per-head sample rows of q, k and v into `w`.
Status ReadHeadSample(const AuditSide& side, const AuditTensor* const qkv[3], uint64_t head_dim,
                      const std::vector<uint64_t>& offsets, AttentionWeights* w) {
  Dense* out[3] = {&w->q, &w->k, &w->v};
  for (int i = 0; i < 3; ++i) {
    const std::vector<uint64_t> rows = HeadRows(qkv[i]->info->n_rows() / head_dim, head_dim, offsets);
    out[i]->rows = rows.size();
    out[i]->cols = qkv[i]->info->row_elements();
    DOKJA_ASSIGN_OR_RETURN(out[i]->v, ReadAlignedRows(side, *qkv[i], rows));
  }
  return Status::OK();
}

// Layer l's attention heads (align.h MatchHeads) on a few rows of every head,
// in reference coordinates for the hidden dimensions.
Status FindHeads(AuditSide& a, const AuditSide& b, int32_t l, double log10_alpha) {
  const uint64_t hd = HeadDim(a);
  if (hd == 0) return Status::OK();
  const std::string p = "text.blk." + std::to_string(l) + ".";
  const AuditTensor* ta[3] = {FindKey(a, p + "attn_q.weight"), FindKey(a, p + "attn_k.weight"),
                              FindKey(a, p + "attn_v.weight")};
  const AuditTensor* tb[3] = {FindKey(b, p + "attn_q.weight"), FindKey(b, p + "attn_k.weight"),
                              FindKey(b, p + "attn_v.weight")};
  for (int i = 0; i < 3; ++i) {
    if (ta[i] == nullptr || tb[i] == nullptr || ta[i]->info->shape != tb[i]->info->shape ||
        ta[i]->info->shape.size() != 2 || ta[i]->info->n_rows() % hd != 0) {
      return Status::OK();
    }
  }
  DOKJA_ASSIGN_OR_RETURN(bool q_in_place, RowsInPlace(a, b, p + "attn_q.weight", log10_alpha));
  DOKJA_ASSIGN_OR_RETURN(bool k_in_place, RowsInPlace(a, b, p + "attn_k.weight", log10_alpha));
  if (q_in_place && k_in_place) return Status::OK();
  const std::vector<uint64_t> offsets = HeadOffsets(hd, ta[0]->info->row_elements());
  AttentionWeights wa, wb;
  DOKJA_RETURN_IF_ERROR(ReadHeadSample(a, ta, hd, offsets, &wa));
  DOKJA_RETURN_IF_ERROR(ReadHeadSample(b, tb, hd, offsets, &wb));
  HeadAlignment sub = MatchHeads(wa, wb, offsets.size(), log10_alpha);
  if (sub.empty()) return Status::OK();
  HeadAlignment heads;
  heads.q_rows = Reblock(sub.q_rows, offsets.size(), hd);
  heads.kv_rows = Reblock(sub.kv_rows, offsets.size(), hd);
  a.transform.heads[l] = std::move(heads);
  return Status::OK();
}

// Read-ahead hints for the scattered rows the search reads in every layer:
// the in-place checks' rows and the reference's sampled neurons.
void PrefetchSearchRows(const AuditSide& a, const AuditSide& b, const CompareOptions& opt) {
  for (int32_t l = 0; l < std::min(a.n_layers, b.n_layers); ++l) {
    const std::string p = "text.blk." + std::to_string(l) + ".";
    for (const char* role : {"ffn_up.weight", "attn_q.weight", "attn_k.weight"}) {
      for (const AuditSide* side : {&a, &b}) {
        if (const AuditTensor* t = FindKey(*side, p + role)) PrefetchRows(*side, *t, SampleRows(t->info->n_rows(), 256));
      }
    }
    for (const char* role : {"ffn_up.weight", "ffn_gate.weight"}) {
      if (const AuditTensor* t = FindKey(b, p + role)) {
        PrefetchRows(b, *t, SampleRows(t->info->n_rows(), opt.max_sample_rows));
      }
    }
    const uint64_t hd = HeadDim(a);
    for (const char* role : {"attn_q.weight", "attn_k.weight", "attn_v.weight"}) {
      for (const AuditSide* side : {&a, &b}) {
        const AuditTensor* t = FindKey(*side, p + role);
        if (t == nullptr || hd == 0 || t->info->n_rows() % hd != 0) continue;
        PrefetchRows(*side, *t, HeadRows(t->info->n_rows() / hd, hd, HeadOffsets(hd, t->info->row_elements())));
      }
    }
  }
}

}  // namespace

Status FindTransform(AuditSide& a, const AuditSide& b, const CompareOptions& opt) {
  const std::string embd = "text.token_embd.weight";
  const AuditTensor* ea = FindKey(a, embd);
  const AuditTensor* eb = FindKey(b, embd);
  if (ea == nullptr || eb == nullptr || ea->info->shape.size() != 2 ||
      eb->info->shape.size() != 2 || ea->info->shape[1] != eb->info->shape[1]) {
    return Status::OK();
  }
  const uint64_t common = std::min(ea->info->shape[0], eb->info->shape[0]);
  const std::vector<uint64_t> rows = SampleRows(common, 2048);
  Dense ca{rows.size(), ea->info->shape[1], {}}, cb{rows.size(), eb->info->shape[1], {}};
  DOKJA_ASSIGN_OR_RETURN(ca.v, ReadRows(a, *ea, rows));
  DOKJA_ASSIGN_OR_RETURN(cb.v, ReadRows(b, *eb, rows));
  if (!IdentityHolds(ca, cb, opt.log10_alpha)) {
    if (!ColumnsLookMatchable(ca, cb, opt.log10_alpha)) return Status::OK();
    SignedPermutation hidden = MatchColumns(ca, cb, opt.log10_alpha, /*allow_sign=*/true);
    if (hidden.perm.empty()) return Status::OK();
    if (!hidden.identity()) a.transform.hidden = std::move(hidden);
  }
  PrefetchSearchRows(a, b, opt);
  for (int32_t l = 0; l < std::min(a.n_layers, b.n_layers); ++l) {
    DOKJA_RETURN_IF_ERROR(FindNeurons(a, b, l, opt));
    DOKJA_RETURN_IF_ERROR(FindHeads(a, b, l, opt.log10_alpha));
  }
  a.samples.clear();
  return Status::OK();
}

}  // namespace dokja::audit::internal
