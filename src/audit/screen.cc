#include "audit/screen.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "audit/stats.h"
#include "base/float_conv.h"
#include "tensorfile/canonical_name.h"

namespace dokja::audit {
namespace {

constexpr uint64_t kMinAlignedValues = 16;
constexpr size_t kMinAnchors = 4;

bool Informative(const TensorFingerprint& t) {
  return !t.constant && static_cast<Role>(t.role) != Role::kRopeFreqs && t.n_elements() >= 2;
}

// Each side's sample, prepared without looking at the other side: f16 decoded,
// each row centred on its own mean, and for embeddings and heads the
// strongest common row direction removed (docs/audit.md, "Shared low-rank structure").
void PrepareInto(const TensorFingerprint& t, std::vector<float>& x) {
  const size_t n_rows = t.sample_rows.size(), n_cols = t.sample_cols.size();
  x.resize(t.samples.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = F16ToF32(t.samples[i]);
  if (n_rows < 2 || n_cols < 2) return;
  for (size_t r = 0; r < n_rows; ++r) {
    float* row = &x[r * n_cols];
    double s = 0;
    size_t n = 0;
    for (size_t c = 0; c < n_cols; ++c) {
      if (std::isfinite(row[c])) s += row[c], ++n;
    }
    const float mean = n ? static_cast<float>(s / static_cast<double>(n)) : 0.f;
    for (size_t c = 0; c < n_cols; ++c) row[c] -= mean;
  }
  const Role role = static_cast<Role>(t.role);
  if ((role != Role::kTokenEmbed && role != Role::kLmHead) || n_rows < 4) return;
  std::vector<double> v(n_cols, 1.0 / std::sqrt(static_cast<double>(n_cols))), w(n_cols);
  for (int iter = 0; iter < 8; ++iter) {
    std::fill(w.begin(), w.end(), 0.0);
    for (size_t r = 0; r < n_rows; ++r) {
      double dot = 0;
      for (size_t c = 0; c < n_cols; ++c) dot += std::isfinite(x[r * n_cols + c]) ? x[r * n_cols + c] * v[c] : 0;
      for (size_t c = 0; c < n_cols; ++c) w[c] += std::isfinite(x[r * n_cols + c]) ? dot * x[r * n_cols + c] : 0;
    }
    double norm = 0;
    for (double e : w) norm += e * e;
    if (norm <= 0) return;
    for (size_t c = 0; c < n_cols; ++c) v[c] = w[c] / std::sqrt(norm);
  }
  for (size_t r = 0; r < n_rows; ++r) {
    double dot = 0;
    for (size_t c = 0; c < n_cols; ++c) dot += std::isfinite(x[r * n_cols + c]) ? x[r * n_cols + c] * v[c] : 0;
    for (size_t c = 0; c < n_cols; ++c) x[r * n_cols + c] -= static_cast<float>(dot * v[c]);
  }
  }

std::vector<float> Prepare(const TensorFingerprint& t) {
  std::vector<float> x;
  PrepareInto(t, x);
  return x;
}

// Index pairs (i in a, j in b) of values present in both ascending lists.
template <typename T>
void Intersect(const std::vector<T>& a, const std::vector<T>& b, std::vector<std::pair<uint32_t, uint32_t>>& out) {
  out.clear();
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) ++i;
    else if (b[j] < a[i]) ++j;
    else out.emplace_back(static_cast<uint32_t>(i++), static_cast<uint32_t>(j++));
  }
}

// Buffers reused across tensors and entries (screening allocates nothing per tensor).
struct Scratch {
  std::vector<std::pair<uint32_t, uint32_t>> rows, cols;
  std::vector<float> va, vb, prepared;
};

// The aligned samples of two same-named tensors.
PairedMoments AlignedMoments(const TensorFingerprint& a, const std::vector<float>& xa,
                             const TensorFingerprint& b, const std::vector<float>& xb, Scratch& s) {
  PairedMoments m;
  if (a.row_elements() != b.row_elements()) return m;
  Intersect(a.sample_rows, b.sample_rows, s.rows);
  Intersect(a.sample_cols, b.sample_cols, s.cols);
  s.va.clear();
  s.vb.clear();
  for (const auto& [ra, rb] : s.rows) {
    for (const auto& [ca, cb] : s.cols) {
      s.va.push_back(xa[ra * a.sample_cols.size() + ca]);
      s.vb.push_back(xb[rb * b.sample_cols.size() + cb]);
    }
  }
  m.Add(s.va.data(), s.vb.data(), s.va.size());
  return m;
}

// Sketch hashes in both, and the share of a's rows estimated to be in b's.
std::pair<uint64_t, double> RowOverlap(const TensorFingerprint& a, const TensorFingerprint& b) {
  if (a.row_sketch.empty() || b.row_sketch.empty()) return {0, 0.0};
  auto limit = [](const TensorFingerprint& t) {
    return t.row_sketch.size() == t.n_sketch_rows ? UINT64_MAX : t.row_sketch.back();
  };
  const uint64_t tau = std::min(limit(a), limit(b));
  uint64_t shared = 0, a_below = 0;
  size_t j = 0;
  for (uint64_t h : a.row_sketch) {
    if (h > tau) break;
    ++a_below;
    while (j < b.row_sketch.size() && b.row_sketch[j] < h) ++j;
    if (j < b.row_sketch.size() && b.row_sketch[j] == h) ++shared;
  }
  return {shared, a_below ? static_cast<double>(shared) / static_cast<double>(a_below) : 0.0};
}

// Sampled rows (same index in both) whose sorted |values| agree: rows copied
// up to a signed permutation of the columns. Constant rows cannot be sampled
// into agreement by chance between trained models, so any match is evidence.
uint32_t PermutedRows(const TensorFingerprint& a, const TensorFingerprint& b, Scratch& s) {
  if (a.invariant_hashes.empty() || b.invariant_hashes.empty() || a.row_elements() != b.row_elements()) {
    return 0;
  }
  Intersect(a.sample_rows, b.sample_rows, s.rows);
  uint32_t n = 0;
  for (const auto& [ra, rb] : s.rows) n += a.invariant_hashes[ra] == b.invariant_hashes[rb];
  return n;
}

// T over the anchor tokens both models have, or nothing when too few are shared.
std::optional<PairedMoments> AnchorMoments(const Fingerprint& a, const Fingerprint& b) {
  if (a.anchors.empty() || b.anchors.empty() || a.anchor_cols != b.anchor_cols) return std::nullopt;
  std::unordered_map<std::string_view, const AnchorEmbedding*> by_token;
  for (const AnchorEmbedding& e : b.anchors) by_token.emplace(e.token, &e);
  std::vector<float> va, vb;
  size_t n_common = 0;
  auto centred = [](const std::vector<uint16_t>& h, std::vector<float>* out) {
    double s = 0;
    const size_t start = out->size();
    for (uint16_t v : h) out->push_back(F16ToF32(v)), s += out->back();
    const float mean = h.empty() ? 0.f : static_cast<float>(s / static_cast<double>(h.size()));
    for (size_t i = start; i < out->size(); ++i) (*out)[i] -= mean;
  };
  for (const AnchorEmbedding& e : a.anchors) {
    auto it = by_token.find(e.token);
    if (it == by_token.end() || it->second->values.size() != e.values.size()) continue;
    centred(e.values, &va);
    centred(it->second->values, &vb);
    ++n_common;
  }
  if (n_common < kMinAnchors) return std::nullopt;
  PairedMoments m;
  m.Add(va.data(), vb.data(), va.size());
  return m;
}

// The candidate's side, prepared once for all entries.
struct PreparedCandidate {
  const Fingerprint* fp = nullptr;
  std::unordered_map<std::string_view, size_t> by_name;
  std::unordered_multimap<uint64_t, size_t> by_hash;  // informative tensors only
  std::vector<std::vector<float>> samples;
  std::vector<uint32_t> component_of;                 // index into components
  std::vector<ScreenComponent> components;            // n_tensors and n_informative set
  int32_t token_embd = -1;                            // index of "token_embd", if any
};

PreparedCandidate PrepareCandidate(const Fingerprint& fp) {
  PreparedCandidate c;
  c.fp = &fp;
  std::map<std::string, uint32_t> index;
  for (const TensorFingerprint& t : fp.tensors) index.emplace(t.component, 0);
  for (auto& [name, i] : index) {
    i = static_cast<uint32_t>(c.components.size());
    c.components.push_back({});
    c.components.back().component = name;
    if (name == "token_embd") c.token_embd = static_cast<int32_t>(i);
  }
  for (size_t i = 0; i < fp.tensors.size(); ++i) {
    const TensorFingerprint& t = fp.tensors[i];
    c.by_name.emplace(t.canonical, i);
    c.samples.push_back(Prepare(t));
    c.component_of.push_back(index[t.component]);
    ScreenComponent& comp = c.components[index[t.component]];
    ++comp.n_tensors;
    if (Informative(t)) {
      ++comp.n_informative;
      c.by_hash.emplace(t.content_hash, i);
    }
  }
  return c;
}

std::string Describe(const ScreenEntryResult& e, double alpha) {
  std::string why;
  for (const ScreenComponent& c : e.components) {
    std::string part;
    if (c.copied) {
      part = c.component + " COPIED (" + std::to_string(c.n_exact) + "/" + std::to_string(c.n_informative) + " tensors identical)";
    } else if (c.n_exact > 0 || c.shared_rows > 0) {
      part = c.component + ": " + std::to_string(c.n_exact) + " identical tensors, " +
             std::to_string(c.shared_rows) + " shared rows";
    } else if (c.permuted_rows > 0) {
      part = c.component + ": " + std::to_string(c.permuted_rows) +
             " sampled rows identical up to a signed permutation of the hidden dimensions";
    } else if (c.log10_p <= alpha) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s related (log10 p %.1f)", c.component.c_str(), c.log10_p);
      part = buf;
    }
    if (!part.empty()) why += (why.empty() ? "" : "; ") + part;
  }
  return why.empty() ? "no evidence of relation" : why;
}

ScreenEntryResult ScreenOne(const PreparedCandidate& cand, const ScreenTarget& target, uint64_t m,
                            double alpha, Scratch& scratch) {
  const Fingerprint& ref = *target.fingerprint;
  std::vector<ScreenComponent> comps = cand.components;
  std::vector<double> z_sum(comps.size(), 0.0);
  std::vector<uint32_t> z_n(comps.size(), 0);
  std::vector<uint8_t> exact(cand.fp->tensors.size(), 0);
  for (const TensorFingerprint& b : ref.tensors) {
    if (Informative(b)) {
      for (auto [it, end] = cand.by_hash.equal_range(b.content_hash); it != end; ++it) exact[it->second] = 1;
    }
    auto found = cand.by_name.find(b.canonical);
    if (found == cand.by_name.end()) continue;
    const size_t i = found->second;
    const TensorFingerprint& a = cand.fp->tensors[i];
    ScreenComponent& c = comps[cand.component_of[i]];
    const auto [shared, containment] = RowOverlap(a, b);
    c.shared_rows += shared;
    c.permuted_rows += PermutedRows(a, b, scratch);
    c.row_containment = std::max(c.row_containment, containment);
    PrepareInto(b, scratch.prepared);
    const PairedMoments pm = AlignedMoments(a, cand.samples[i], b, scratch.prepared, scratch);
    if (pm.n() < kMinAlignedValues || pm.VarA() <= 0 || pm.VarB() <= 0) continue;
    ++c.n_paired;
    c.n_values += pm.n();
    z_sum[cand.component_of[i]] += pm.T();
    ++z_n[cand.component_of[i]];
  }
  for (size_t i = 0; i < exact.size(); ++i) comps[cand.component_of[i]].n_exact += exact[i];
  if (cand.token_embd >= 0) {
    if (auto anchors = AnchorMoments(*cand.fp, ref)) {
      z_sum[cand.token_embd] += anchors->T();
      ++z_n[cand.token_embd];
      comps[cand.token_embd].n_values += anchors->n();
    }
  }
  ScreenEntryResult e;
  e.name = target.name;
  e.weights_path = target.weights_path;
  for (size_t k = 0; k < comps.size(); ++k) {
    ScreenComponent& c = comps[k];
    c.copied = c.n_informative > 0 && c.n_exact == c.n_informative;
    c.z = z_n[k] ? z_sum[k] / std::sqrt(static_cast<double>(z_n[k])) : 0.0;  // Stouffer
    c.log10_p = BonferroniLog10(NormalLog10Upper(c.z), m);
    e.log10_p = std::min(e.log10_p, c.log10_p);
    e.suspect |= c.n_exact > 0 || c.shared_rows > 0 || c.permuted_rows > 0 || c.log10_p <= alpha;
  }
  e.components = std::move(comps);
  e.why = Describe(e, alpha);
  return e;
}

bool AnyCopied(const ScreenEntryResult& e) {
  return std::any_of(e.components.begin(), e.components.end(),
                     [](const ScreenComponent& c) { return c.copied; });
}

// The positions of `idx` with the k smallest index hashes, ascending by index.
template <typename T>
std::vector<size_t> SmallestByHash(const std::vector<T>& idx, size_t k, bool column) {
  std::vector<size_t> pos(idx.size());
  for (size_t i = 0; i < pos.size(); ++i) pos[i] = i;
  if (pos.size() <= k) return pos;
  std::nth_element(pos.begin(), pos.begin() + static_cast<ptrdiff_t>(k), pos.end(), [&](size_t a, size_t b) {
    return SampleIndexHash(idx[a], column) < SampleIndexHash(idx[b], column);
  });
  pos.resize(k);
  std::sort(pos.begin(), pos.end());
  return pos;
}

TensorFingerprint DigestTensor(const TensorFingerprint& t) {
  TensorFingerprint d = t;
  d.name.clear();
  if (d.row_sketch.size() > kDigestSketch) d.row_sketch.resize(kDigestSketch);
  const auto rows = SmallestByHash(t.sample_rows, kDigestSide, false);
  const auto cols = SmallestByHash(t.sample_cols, kDigestSide, true);
  d.sample_rows.clear();
  d.sample_cols.clear();
  d.samples.clear();
  d.invariant_hashes.clear();
  for (size_t r : rows) {
    d.sample_rows.push_back(t.sample_rows[r]);
    if (!t.invariant_hashes.empty()) d.invariant_hashes.push_back(t.invariant_hashes[r]);
  }
  for (size_t c : cols) d.sample_cols.push_back(t.sample_cols[c]);
  for (size_t r : rows) {
    for (size_t c : cols) d.samples.push_back(t.samples[r * t.sample_cols.size() + c]);
  }
  return d;
}

}  // namespace

Fingerprint ScreeningDigest(const Fingerprint& fp) {
  Fingerprint d;
  d.source = fp.source;
  d.format = fp.format;
  d.architecture = fp.architecture;
  d.n_params = fp.n_params;
  d.tensor_bytes = fp.tensor_bytes;
  d.options = fp.options;
  d.tensors.reserve(fp.tensors.size());
  for (const TensorFingerprint& t : fp.tensors) d.tensors.push_back(DigestTensor(t));
  const auto cols = SmallestByHash(fp.anchor_cols, kDigestSide * kDigestSide, true);
  for (size_t c : cols) d.anchor_cols.push_back(fp.anchor_cols[c]);
  for (const AnchorEmbedding& a : fp.anchors) {
    AnchorEmbedding b{a.token, a.token_id, {}};
    for (size_t c : cols) b.values.push_back(a.values[c]);
    d.anchors.push_back(std::move(b));
  }
  return d;
}

void ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  const size_t n_threads = std::min<size_t>(n, std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> threads;
  for (size_t k = 1; k < n_threads; ++k) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
}

void SortScreening(Screening* s) {
  std::stable_sort(s->entries.begin(), s->entries.end(), [](const ScreenEntryResult& a, const ScreenEntryResult& b) {
    if (a.suspect != b.suspect) return a.suspect;
    if (AnyCopied(a) != AnyCopied(b)) return AnyCopied(a);
    return a.log10_p < b.log10_p;
  });
}

bool WorthFullScreen(const ScreenEntryResult& e) {
  return std::any_of(e.components.begin(), e.components.end(), [](const ScreenComponent& c) {
    return c.n_exact > 0 || c.shared_rows > 0 || c.permuted_rows > 0 || c.z >= 3.0;
  });
}

Screening ScreenFingerprint(const Fingerprint& candidate, const std::vector<ScreenTarget>& targets,
                            const ScreenOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  Screening s;
  s.n_entries = options.n_entries ? options.n_entries : targets.size();
  s.log10_alpha = options.log10_alpha;
  const PreparedCandidate cand = PrepareCandidate(candidate);
  std::vector<ScreenEntryResult> results(targets.size());
  // Few targets: one thread. Many: 8 interleaved slices, each with its own buffers.
  const size_t n_slices = targets.size() < 64 ? 1 : 8;
  std::vector<Scratch> scratch(n_slices);
  ParallelFor(n_slices, [&](size_t slice) {
    Scratch& sc = scratch[slice];
    for (size_t i = slice; i < targets.size(); i += n_slices) {
      if (targets[i].fingerprint == nullptr) continue;
      results[i] = ScreenOne(cand, targets[i], std::max<uint64_t>(1, s.n_entries), options.log10_alpha, sc);
    }
  });
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].fingerprint != nullptr) s.entries.push_back(std::move(results[i]));
  }
  SortScreening(&s);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

}  // namespace dokja::audit
