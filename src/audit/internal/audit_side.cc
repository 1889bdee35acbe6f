#include "audit/internal/audit_side.h"

#include <algorithm>
#include <numeric>

#include "tensorfile/rotary_layout.h"

namespace dokja::audit::internal {
namespace {

std::vector<uint32_t> Inverse(const std::vector<uint32_t>& map) {
  std::vector<uint32_t> inv(map.size());
  for (size_t i = 0; i < map.size(); ++i) inv[map[i]] = static_cast<uint32_t>(i);
  return inv;
}

enum class HiddenAxis { kNone, kColumns, kRows, kVector };

HiddenAxis HiddenAxisOf(Role r) {
  switch (r) {
    case Role::kAttnQ: case Role::kAttnK: case Role::kAttnV: case Role::kAttnQKV:
    case Role::kFfnGate: case Role::kFfnUp: case Role::kFfnGateUp: case Role::kRouter:
    case Role::kTokenEmbed: case Role::kLmHead: case Role::kAttnQA: case Role::kAttnKVA:
      return HiddenAxis::kColumns;
    case Role::kAttnO: case Role::kFfnDown:
      return HiddenAxis::kRows;
    case Role::kAttnNorm: case Role::kFfnNorm: case Role::kOutputNorm: case Role::kAttnPostNorm:
    case Role::kFfnPostNorm:
      return HiddenAxis::kVector;
    default:
      return HiddenAxis::kNone;
  }
}

// Where a reference-coordinate row or column comes from in the candidate.
struct Source {
  uint64_t index = 0;
  float sign = 1;
};

// Reference index i of a full permutation (candidate j -> reference perm[j]).
std::vector<Source> FromPermutation(const SignedPermutation& p, const std::vector<uint64_t>& want,
                                    bool use_sign) {
  const std::vector<uint32_t> inv = Inverse(p.perm);
  std::vector<Source> out;
  out.reserve(want.size());
  for (uint64_t i : want) {
    const uint32_t j = inv[i];
    out.push_back({j, use_sign ? static_cast<float>(p.sign[j]) : 1.0f});
  }
  return out;
}

Result<std::vector<Source>> FromNeurons(const NeuronMatch& m, const std::vector<uint64_t>& want,
                                        const AuditTensor& t) {
  std::vector<Source> out;
  out.reserve(want.size());
  for (uint64_t i : want) {
    auto it = std::lower_bound(m.ref_rows.begin(), m.ref_rows.end(), i);
    if (it == m.ref_rows.end() || *it != i) {
      return Status::Internal(t.key + ": reference neuron " + std::to_string(i) +
                              " is not among the matched neurons");
    }
    out.push_back({m.cand_rows[static_cast<size_t>(it - m.ref_rows.begin())], 1.0f});
  }
  return out;
}

std::vector<Source> Identity(const std::vector<uint64_t>& want) {
  std::vector<Source> out;
  out.reserve(want.size());
  for (uint64_t i : want) out.push_back({i, 1.0f});
  return out;
}

// Candidate rows (with signs) of reference rows `rows` of tensor t.
Result<std::vector<Source>> RowSources(const Transform& tr, const AuditTensor& t,
                                       const std::vector<uint64_t>& rows) {
  const Role role = t.canon.role;
  const uint64_t n = t.info->n_rows();
  const bool text = t.canon.component == Component::kText && t.canon.expert == -1;
  if (!text) return Identity(rows);
  if (!tr.hidden.perm.empty() && HiddenAxisOf(role) == HiddenAxis::kRows && n == tr.hidden.perm.size()) {
    return FromPermutation(tr.hidden, rows, true);
  }
  if (auto it = tr.neurons.find(t.canon.layer); it != tr.neurons.end() &&
      (role == Role::kFfnGate || role == Role::kFfnUp) && n == it->second.n_neurons) {
    return FromNeurons(it->second, rows, t);
  }
  if (auto it = tr.heads.find(t.canon.layer); it != tr.heads.end()) {
    const HeadAlignment& h = it->second;
    if (role == Role::kAttnQ && n == h.q_rows.perm.size()) return FromPermutation(h.q_rows, rows, false);
    if ((role == Role::kAttnK || role == Role::kAttnV) && n == h.kv_rows.perm.size()) {
      return FromPermutation(h.kv_rows, rows, false);
    }
  }
  return Identity(rows);
}

// Candidate columns (with signs) of reference columns `cols` of tensor t.
Result<std::vector<Source>> ColumnSources(const Transform& tr, const AuditTensor& t,
                                          const std::vector<uint64_t>& cols) {
  const Role role = t.canon.role;
  const uint64_t n = t.info->row_elements();
  const bool text = t.canon.component == Component::kText && t.canon.expert == -1;
  if (!text) return Identity(cols);
  const HiddenAxis axis = HiddenAxisOf(role);
  if (!tr.hidden.perm.empty() && n == tr.hidden.perm.size() &&
      (axis == HiddenAxis::kColumns || axis == HiddenAxis::kVector)) {
    return FromPermutation(tr.hidden, cols, axis == HiddenAxis::kColumns);
  }
  if (auto it = tr.neurons.find(t.canon.layer);
      it != tr.neurons.end() && role == Role::kFfnDown && n == it->second.n_neurons) {
    return FromNeurons(it->second, cols, t);
  }
  if (auto it = tr.heads.find(t.canon.layer);
      it != tr.heads.end() && role == Role::kAttnO && n == it->second.q_rows.perm.size()) {
    return FromPermutation(it->second.q_rows, cols, false);
  }
  return Identity(cols);
}

std::vector<uint64_t> AllOf(uint64_t n) {
  std::vector<uint64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace

AuditSide PrepareSide(const Model& m) {
  AuditSide side;
  side.model = &m;
  std::vector<std::string> names;
  for (const TensorInfo& t : m.weights->tensors()) names.push_back(t.name);
  std::vector<CanonicalName> canon = CanonicalizeAll(names);
  const bool interleaved =
      m.weights->format() == TensorFormat::kGguf &&
      GgufArchHasInterleavedRope(m.weights->metadata().GetString("general.architecture").value_or(""));
  for (size_t i = 0; i < canon.size(); ++i) {
    AuditTensor t;
    t.canon = canon[i];
    t.key = canon[i].ToString();
    t.info = &m.weights->tensors()[i];
    if (interleaved && m.arch && m.arch->head_dim > 0 && t.canon.component == Component::kText &&
        (t.canon.role == Role::kAttnQ || t.canon.role == Role::kAttnK)) {
      const int64_t heads = t.canon.role == Role::kAttnQ ? m.arch->n_heads : m.arch->n_kv_heads;
      if (heads * m.arch->head_dim == static_cast<int64_t>(t.info->shape.empty() ? 0 : t.info->shape[0])) {
        t.stored_of_hf = Inverse(InterleavedToHalfRows(static_cast<int32_t>(heads),
                                                       static_cast<int32_t>(m.arch->head_dim)));
      }
    }
    if (t.canon.component == Component::kText && t.canon.layer >= 0) {
      side.n_layers = std::max(side.n_layers, t.canon.layer + 1);
    }
    side.by_key.emplace(t.key, side.tensors.size());
    side.tensors.push_back(std::move(t));
  }
  for (const std::string& path : m.weights->paths()) {
    auto h = port::OpenReadOnly(path);
    side.hint_handles.push_back(h.ok() ? std::move(h).value() : port::FileHandle());
  }
  return side;
}

void PrefetchRows(const AuditSide& side, const AuditTensor& t, const std::vector<uint64_t>& rows) {
  const TensorInfo& info = *t.info;
  const uint64_t n_rows = info.n_rows();
  if (n_rows == 0 || info.file_index >= side.hint_handles.size()) return;
  const port::FileHandle& h = side.hint_handles[info.file_index];
  if (!h.valid()) return;
  const uint64_t row_bytes = info.n_bytes / n_rows;
  for (uint64_t r : rows) {
    const uint64_t stored = t.stored_of_hf.empty() ? r : t.stored_of_hf[r];
    if (stored < n_rows) port::AdviseWillNeed(h, info.offset + stored * row_bytes, row_bytes);
  }
}

const AuditTensor* FindKey(const AuditSide& side, const std::string& key) {
  auto it = side.by_key.find(key);
  return it == side.by_key.end() ? nullptr : &side.tensors[it->second];
}

std::vector<uint64_t> SampleRows(uint64_t n_rows, uint32_t max_rows) {
  if (n_rows <= max_rows) return AllOf(n_rows);
  std::vector<uint64_t> rows;
  for (uint32_t i = 0; i < max_rows; ++i) rows.push_back(i * n_rows / max_rows);
  return rows;
}

Result<std::vector<float>> ReadRows(const AuditSide& side, const AuditTensor& t,
                                    const std::vector<uint64_t>& rows) {
  const TensorFile& f = *side.model->weights;
  const uint64_t cols = t.info->row_elements();
  std::vector<float> out(rows.size() * cols);
  size_t i = 0;
  while (i < rows.size()) {
    // Coalesce runs of consecutive stored rows into one read.
    auto stored = [&](size_t k) { return t.stored_of_hf.empty() ? rows[k] : t.stored_of_hf[rows[k]]; };
    size_t j = i + 1;
    while (j < rows.size() && stored(j) == stored(j - 1) + 1) ++j;
    DOKJA_RETURN_IF_ERROR(f.ReadRowsF32(*t.info, stored(i), stored(i) + (j - i), out.data() + i * cols));
    i = j;
  }
  return out;
}

Result<std::vector<float>> ReadAlignedRows(const AuditSide& side, const AuditTensor& t,
                                           const std::vector<uint64_t>& rows,
                                           const std::vector<uint64_t>& cols) {
  const Transform& tr = side.transform;
  const uint64_t n_cols = t.info->row_elements();
  if (!tr.active() && cols.empty()) return ReadRows(side, t, rows);
  DOKJA_ASSIGN_OR_RETURN(std::vector<Source> row_src, RowSources(tr, t, rows));
  DOKJA_ASSIGN_OR_RETURN(std::vector<Source> col_src,
                         ColumnSources(tr, t, cols.empty() ? AllOf(n_cols) : cols));
  std::vector<uint64_t> stored_rows;
  stored_rows.reserve(row_src.size());
  for (const Source& s : row_src) stored_rows.push_back(s.index);
  DOKJA_ASSIGN_OR_RETURN(std::vector<float> raw, ReadRows(side, t, stored_rows));
  const uint64_t out_cols = col_src.size();
  bool as_read = out_cols == n_cols;
  for (uint64_t c = 0; c < out_cols && as_read; ++c) as_read = col_src[c].index == c && col_src[c].sign == 1;
  for (size_t r = 0; r < row_src.size() && as_read; ++r) as_read = row_src[r].sign == 1;
  if (as_read) return raw;  // rows re-ordered at most: nothing to copy
  std::vector<float> out(rows.size() * out_cols);
  for (size_t r = 0; r < row_src.size(); ++r) {
    const float* in = raw.data() + r * n_cols;
    float* o = out.data() + r * out_cols;
    for (uint64_t c = 0; c < out_cols; ++c) o[c] = row_src[r].sign * col_src[c].sign * in[col_src[c].index];
  }
  return out;
}

Result<Dense> ReadDense(const AuditSide& side, const AuditTensor& t) {
  Dense m;
  m.rows = t.info->n_rows();
  m.cols = t.info->row_elements();
  DOKJA_ASSIGN_OR_RETURN(m.v, ReadRows(side, t, AllOf(m.rows)));
  return m;
}

Result<Dense> ReadHiddenAligned(const AuditSide& side, const AuditTensor& t) {
  DOKJA_ASSIGN_OR_RETURN(Dense m, ReadDense(side, t));
  const SignedPermutation& hidden = side.transform.hidden;
  const bool text = t.canon.component == Component::kText && t.canon.expert == -1;
  if (hidden.perm.empty() || !text) return m;
  const uint64_t d = hidden.perm.size();
  switch (HiddenAxisOf(t.canon.role)) {
    case HiddenAxis::kColumns: if (m.cols == d) ApplyToColumns(hidden, &m); break;
    case HiddenAxis::kRows: if (m.rows == d) ApplyToRows(hidden, &m); break;
    case HiddenAxis::kVector: if (m.cols == d) ApplyToColumns(hidden, &m, false); break;
    case HiddenAxis::kNone: break;
  }
  return m;
}

bool RestrictedToMatchedNeurons(const AuditSide& side, const AuditTensor& t) {
  if (t.canon.role != Role::kFfnDown || t.canon.component != Component::kText || t.canon.expert != -1) {
    return false;
  }
  auto it = side.transform.neurons.find(t.canon.layer);
  return it != side.transform.neurons.end() && t.info->row_elements() == it->second.n_neurons;
}

}  // namespace dokja::audit::internal
