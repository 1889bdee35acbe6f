// ComputeFingerprint: one sequential pass over every tensor.
#include "audit/fingerprint.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "audit/compare.h"
#include "audit/internal/anchors.h"
#include "audit/internal/readahead.h"
#include "base/float_conv.h"
#include "tensorfile/canonical_name.h"
#include "tensorfile/rotary_layout.h"

namespace dokja::audit {
namespace {

constexpr uint64_t kRowSeed = 0x646f6b6a61726f77ull;  // "dokjarow"
constexpr uint64_t kColSeed = 0x646f6b6a61636f6cull;  // "dokjacol"
// Above this many rows a tensor is hashed as one stream, without a row sketch
// (its per-row hashes would take more memory than they are worth).
constexpr uint64_t kMaxHashedRows = uint64_t{1} << 26;

// splitmix64: a cheap, well-mixed hash of an index.
uint64_t MixIndex(uint64_t x, uint64_t seed) {
  x += seed + 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t SampleIndexHash(uint64_t index, bool column) {
  return MixIndex(index, column ? kColSeed : kRowSeed);
}

namespace internal {

std::vector<uint64_t> BottomIndices(uint64_t n, uint64_t k, bool column) {
  std::vector<uint64_t> out;
  if (k >= n) {
    for (uint64_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  std::vector<std::pair<uint64_t, uint64_t>> heap;  // max-heap on hash
  heap.reserve(k);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t h = SampleIndexHash(i, column);
    if (heap.size() < k) {
      heap.emplace_back(h, i);
      std::push_heap(heap.begin(), heap.end());
    } else if (h < heap.front().first) {
      std::pop_heap(heap.begin(), heap.end());
      heap.back() = {h, i};
      std::push_heap(heap.begin(), heap.end());
    }
  }
  for (const auto& [h, i] : heap) out.push_back(i);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace internal

namespace {

using internal::BottomIndices;

struct XxhFree {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};
using XxhState = std::unique_ptr<XXH3_state_t, XxhFree>;

struct SegmentBits {
  uint32_t row_diff = 0, tensor_diff = 0;  // OR of (bits ^ first bits)
  uint64_t n_special = 0;                  // NaN or infinite
  int32_t abs_max_bits = 0;                // largest |finite value|, as bits
};

// f32 bits of a value as read: f32 as is; bf16 is the top half of an f32.
inline uint32_t RawBits(float v) { return std::bit_cast<uint32_t>(v); }
inline uint32_t RawBits(uint16_t bf16) { return uint32_t{bf16} << 16; }

// out[i] = CanonicalF32Bits(v[i]); plain loops over locals so they vectorise.
template <typename T>
SegmentBits CanonicaliseSegment(const T* __restrict v, uint32_t* __restrict out, uint64_t n,
                                uint32_t row_first, uint32_t tensor_first) {
  uint32_t d = 0, td = 0, sp = 0;
  int32_t am = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t u = RawBits(v[i]);
    // Branch-free masks (the selects' ternary form does not vectorise).
    const uint32_t special = (u & 0x7f800000u) == 0x7f800000u;
    const uint32_t nan_mask = 0u - (special & ((u & 0x007fffffu) != 0));
    u = (u & ~nan_mask) | (0x7fc00000u & nan_mask);          // one NaN
    u &= 0u - static_cast<uint32_t>(u != 0x80000000u);      // -0 -> +0
    out[i] = u;
    d |= u ^ row_first;
    td |= u ^ tensor_first;
    sp += special;
    // |x| bits order like |x| for finite x; specials count as 0.
    const int32_t a = static_cast<int32_t>(u & 0x7fffffffu & (special - 1u));
    am = a > am ? a : am;
  }
  return {d, td, sp, am};
}

// Hashes, sketches, samples and summarises one tensor as its values stream by.
// Thread-compatible.
class TensorDigest final {
 public:
  TensorDigest(const TensorInfo& t, const FingerprintPlan& plan,
               const std::vector<uint32_t>* hf_row_of_stored, TensorFingerprint* out)
      : out_(*out), hf_row_(hf_row_of_stored), row_elems_(t.row_elements()),
        n_rows_(t.n_rows()), per_row_(n_rows_ <= kMaxHashedRows),
        row_state_(XXH3_createState()), whole_state_(XXH3_createState()) {
    out_.sample_rows = BottomIndices(n_rows_, plan.sample_rows, false);
    for (uint64_t c : BottomIndices(row_elems_, plan.sample_cols, true)) {
      out_.sample_cols.push_back(static_cast<uint32_t>(c));
    }
    out_.samples.assign(out_.sample_rows.size() * out_.sample_cols.size(), 0);
    const Role role = static_cast<Role>(out_.role);
    invariant_ = (role == Role::kTokenEmbed || role == Role::kLmHead) && row_elems_ >= 16 &&
                 row_elems_ <= (1u << 24) && n_rows_ > 1;
    if (invariant_) out_.invariant_hashes.assign(out_.sample_rows.size(), 0);
    if (per_row_) {
      row_hashes_.assign(n_rows_, 0);
      row_varies_.assign(n_rows_, 0);
    }
    XXH3_64bits_reset(whole_state_.get());
    StartRow();
  }

  // Values as f32, or (T = uint16_t) as raw bf16.
  template <typename T>
  Status Consume(const T* values, uint64_t count) {
    while (count > 0) {
      const uint64_t seg = std::min(count, row_elems_ - col_);
      Segment(values, seg);
      values += seg;
      count -= seg;
      if (col_ == row_elems_) EndRow();
    }
    return Status::OK();
  }

  void Finish(uint64_t sketch_k) {
    out_.constant = !tensor_varies_ && n_values_ > 0;
    const uint64_t finite = n_values_ - out_.n_nonfinite;
    if (finite > 0) {
      out_.mean = sum_ / static_cast<double>(finite);
      out_.stddev = std::sqrt(std::max(0.0, sumsq_ / static_cast<double>(finite) - out_.mean * out_.mean));
    }
    out_.abs_max = abs_max_;
    const uint64_t shape_seed = XXH3_64bits(out_.shape.data(), out_.shape.size() * sizeof(uint64_t));
    if (!per_row_) {
      out_.content_hash = XXH3_64bits_digest(whole_state_.get()) ^ shape_seed;
      return;
    }
    out_.content_hash = XXH3_64bits_withSeed(row_hashes_.data(), row_hashes_.size() * 8, shape_seed);
    std::vector<uint64_t> varied;
    for (uint64_t r = 0; r < n_rows_; ++r) {
      if (row_varies_[r]) varied.push_back(row_hashes_[r]);
    }
    std::sort(varied.begin(), varied.end());
    varied.erase(std::unique(varied.begin(), varied.end()), varied.end());
    out_.n_sketch_rows = varied.size();
    if (varied.size() > sketch_k) varied.resize(sketch_k);
    out_.row_sketch = std::move(varied);
  }

 private:
  uint64_t CanonicalRow(uint64_t stored) const {
    return hf_row_ != nullptr && stored < hf_row_->size() ? (*hf_row_)[stored] : stored;
  }

  void StartRow() {
    col_ = 0;
    row_diff_ = 0;
    slot_ = -1;
    if (row_ >= n_rows_) return;
    const uint64_t c = CanonicalRow(row_);
    auto it = std::lower_bound(out_.sample_rows.begin(), out_.sample_rows.end(), c);
    if (it != out_.sample_rows.end() && *it == c) slot_ = it - out_.sample_rows.begin();
  }

  void EndRow() {
    if (invariant_ && slot_ >= 0) {
      // The row's |values| as a multiset: unchanged by a signed permutation of columns.
      std::sort(sorted_abs_.begin(), sorted_abs_.end());
      out_.invariant_hashes[static_cast<size_t>(slot_)] = XXH3_64bits(sorted_abs_.data(), sorted_abs_.size() * 4);
      sorted_abs_.clear();
    }
    if (per_row_) {
      const uint64_t h = row_one_shot_ ? row_hash_ : XXH3_64bits_digest(row_state_.get());
      const uint64_t c = CanonicalRow(row_);
      row_hashes_[c] = h;
      row_varies_[c] = row_diff_ != 0;
    }
    ++row_;
    StartRow();
  }

  // Canonical bits and statistics of [col_, col_ + n) of the current row.
  template <typename T>
  void Segment(const T* v, uint64_t n) {
    buf_.resize(n);
    if (n_values_ == 0) tensor_first_ = CanonicalF32Bits(std::bit_cast<float>(RawBits(v[0])));
    if (col_ == 0) row_first_ = CanonicalF32Bits(std::bit_cast<float>(RawBits(v[0])));
    const SegmentBits bits = CanonicaliseSegment(v, buf_.data(), n, row_first_, tensor_first_);
    row_diff_ |= bits.row_diff;
    tensor_varies_ |= bits.tensor_diff != 0;
    out_.n_nonfinite += bits.n_special;
    abs_max_ = std::max(abs_max_, BitsToF32(static_cast<uint32_t>(bits.abs_max_bits)));
    if (bits.n_special == 0) {
      FiniteSums(buf_.data(), n);
    } else {
      for (uint64_t i = 0; i < n; ++i) {
        const float x = std::bit_cast<float>(buf_[i]);
        if (!std::isfinite(x)) continue;
        sum_ += x;
        sumsq_ += static_cast<double>(x) * x;
      }
    }
    Hash(n);
    Sample(n);
    n_values_ += n;
    col_ += n;
  }

  // Sums of values (canonical bits, all finite) in 8 float lanes
  // (vectorised), flushed to double.
  void FiniteSums(const uint32_t* v, uint64_t n) {
    float s[8] = {}, q[8] = {};
    uint64_t i = 0;
    for (uint64_t block = 0; block < n; block += 2048) {  // keep float partial sums short
      const uint64_t end = std::min(n, block + 2048) / 8 * 8;
      for (; i < end; i += 8) {
        for (int j = 0; j < 8; ++j) {
          const float x = std::bit_cast<float>(v[i + j]);
          s[j] += x;
          q[j] += x * x;
        }
      }
      Flush(s, q);
    }
    for (; i < n; ++i) {
      const float x = std::bit_cast<float>(v[i]);
      s[0] += x;
      q[0] += x * x;
    }
    Flush(s, q);
  }

  void Flush(float* s, float* q) {
    for (int j = 0; j < 8; ++j) {
      sum_ += s[j];
      sumsq_ += q[j];
      s[j] = q[j] = 0;
    }
  }

  void Hash(uint64_t n) {
    if (!per_row_) {
      XXH3_64bits_update(whole_state_.get(), buf_.data(), n * 4);
      return;
    }
    row_one_shot_ = col_ == 0 && n == row_elems_;
    if (row_one_shot_) {
      row_hash_ = XXH3_64bits(buf_.data(), n * 4);
      return;
    }
    if (col_ == 0) XXH3_64bits_reset(row_state_.get());
    XXH3_64bits_update(row_state_.get(), buf_.data(), n * 4);
  }

  void Sample(uint64_t n) {
    if (slot_ < 0) return;
    if (invariant_) {
      for (uint64_t i = 0; i < n; ++i) sorted_abs_.push_back(buf_[i] & 0x7fffffffu);
    }
    const auto& cols = out_.sample_cols;
    auto it = std::lower_bound(cols.begin(), cols.end(), static_cast<uint32_t>(col_));
    for (; it != cols.end() && *it < col_ + n; ++it) {
      const size_t j = it - cols.begin();
      out_.samples[static_cast<size_t>(slot_) * cols.size() + j] = F32ToF16(BitsToF32(buf_[*it - col_]));
    }
  }

  TensorFingerprint& out_;
  const std::vector<uint32_t>* hf_row_;
  const uint64_t row_elems_, n_rows_;
  const bool per_row_;
  XxhState row_state_, whole_state_;
  std::vector<uint64_t> row_hashes_;  // canonical row order
  std::vector<uint8_t> row_varies_;
  std::vector<uint32_t> buf_;
  uint64_t row_ = 0, col_ = 0, n_values_ = 0;
  int64_t slot_ = -1;
  bool row_one_shot_ = false, tensor_varies_ = false;
  bool invariant_ = false;             // keep invariant_hashes (embeddings and heads)
  std::vector<uint32_t> sorted_abs_;   // the current sampled row's |value| bits
  uint64_t row_hash_ = 0;
  uint32_t row_first_ = 0, tensor_first_ = 0, row_diff_ = 0;
  float abs_max_ = 0;
  double sum_ = 0, sumsq_ = 0;
};

// Hash of the stored bytes, for types we cannot convert to f32.
Status RawHash(const TensorFile& file, const TensorInfo& t, TensorFingerprint* out) {
  XxhState state(XXH3_createState());
  XXH3_64bits_reset(state.get());
  std::vector<std::byte> buf(std::min<uint64_t>(t.n_bytes, 16 << 20));
  for (uint64_t off = 0; off < t.n_bytes; off += buf.size()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), t.n_bytes - off));
    DOKJA_RETURN_IF_ERROR(file.ReadRaw(t, off, n, buf.data()));
    XXH3_64bits_update(state.get(), buf.data(), n);
  }
  out->raw_hash = true;
  out->content_hash = XXH3_64bits_digest(state.get());
  return Status::OK();
}

// hf_row[stored row] for GGUF q/k tensors stored in interleaved rotary order; empty otherwise.
std::vector<uint32_t> RotaryRows(const Model& m, const CanonicalName& c, const TensorInfo& t) {
  const bool interleaved =
      m.weights->format() == TensorFormat::kGguf &&
      GgufArchHasInterleavedRope(m.weights->metadata().GetString("general.architecture").value_or(""));
  if (!interleaved || !m.arch || m.arch->head_dim <= 0 || c.component != Component::kText ||
      (c.role != Role::kAttnQ && c.role != Role::kAttnK) || t.shape.empty()) {
    return {};
  }
  const int64_t heads = c.role == Role::kAttnQ ? m.arch->n_heads : m.arch->n_kv_heads;
  if (heads * m.arch->head_dim != static_cast<int64_t>(t.shape[0])) return {};
  return InterleavedToHalfRows(static_cast<int32_t>(heads), static_cast<int32_t>(m.arch->head_dim));
}

}  // namespace

uint64_t TensorFingerprint::n_elements() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

uint32_t CanonicalF32Bits(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu) != 0) return 0x7fc00000u;
  return u == 0x80000000u ? 0 : u;
}

FingerprintPlan PlanTensor(const std::vector<uint64_t>& shape, const FingerprintOptions& o) {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  const uint64_t row_elems = shape.empty() ? 1 : shape.back();
  const uint64_t n_rows = shape.size() <= 1 || row_elems == 0 ? 1 : n / row_elems;
  FingerprintPlan p;
  p.sample_rows = std::min<uint64_t>(n_rows, o.sample_rows);
  p.sample_cols = std::min<uint64_t>(row_elems, o.sample_cols);
  if (n == 0) p.sample_rows = p.sample_cols = 0;
  const uint64_t k = std::clamp<uint64_t>(n_rows / std::max(1u, o.sketch_div), o.sketch_min,
                                          std::max(o.sketch_min, o.sketch_max));
  p.sketch_k = n_rows > 1 ? std::min(k, n_rows) : 0;
  return p;
}

namespace {

// Fingerprints tensor i into *tf; `progress` counts tensor bytes done (all threads).
Status FingerprintTensor(const Model& model, const CanonicalName& canon, const TensorInfo& t,
                         const FingerprintOptions& options, internal::ReadAhead& read_ahead,
                         std::atomic<uint64_t>& progress, TensorFingerprint* tf) {
  const TensorFile& file = *model.weights;
  tf->name = t.name;
  tf->canonical = canon.ToString();
  tf->component = ComponentKey(canon);
  tf->layer = canon.layer;
  tf->role = static_cast<uint8_t>(canon.role);
  tf->dtype = t.dtype;
  tf->shape = t.shape;
  if (!Traits(t.dtype).can_dequantize) {
    DOKJA_RETURN_IF_ERROR(RawHash(file, t, tf));
    read_ahead.Advance(progress += t.n_bytes);
    return Status::OK();
  }
  const FingerprintPlan plan = PlanTensor(t.shape, options);
  const std::vector<uint32_t> hf_rows = RotaryRows(model, canon, t);
  TensorDigest digest(t, plan, hf_rows.empty() ? nullptr : &hf_rows, tf);
  const uint64_t row = std::max<uint64_t>(1, t.row_elements());
  const uint64_t chunk = row <= options.chunk_elems ? options.chunk_elems / row * row : options.chunk_elems;
  const uint64_t bytes_per_chunk = t.n_elements ? t.n_bytes / t.n_elements * chunk : 0;
  if (t.dtype == DType::kBF16 && t.n_elements > 0) {
    // bf16 straight from the file: no f32 copy of the values (the common case).
    std::vector<uint16_t> raw(std::min<uint64_t>(chunk, t.n_elements));
    for (uint64_t first = 0; first < t.n_elements; first += raw.size()) {
      const uint64_t n = std::min<uint64_t>(raw.size(), t.n_elements - first);
      DOKJA_RETURN_IF_ERROR(file.ReadRaw(t, first * 2, n * 2, reinterpret_cast<std::byte*>(raw.data())));
      read_ahead.Advance(progress += n * 2);
      DOKJA_RETURN_IF_ERROR(digest.Consume(raw.data(), n));
    }
  } else if (t.n_elements > 0) {
    DOKJA_RETURN_IF_ERROR(file.StreamF32(
        t,
        [&](const float* v, uint64_t, uint64_t n) {
          read_ahead.Advance(progress += bytes_per_chunk);
          return digest.Consume(v, n);
        },
        chunk));
  }
  digest.Finish(plan.sketch_k);
  return Status::OK();
}

}  // namespace

Result<Fingerprint> ComputeFingerprint(const Model& model, const FingerprintOptions& options) {
  const TensorFile& file = *model.weights;
  Fingerprint fp;
  fp.source = model.root;
  fp.format = std::string(TensorFormatName(file.format()));
  if (model.arch) fp.architecture = model.arch->architecture;
  fp.options = options;
  std::vector<std::string> names;
  for (const TensorInfo& t : file.tensors()) {
    names.push_back(t.name);
    fp.n_params += t.n_elements;
    fp.tensor_bytes += t.n_bytes;
  }
  const std::vector<CanonicalName> canon = CanonicalizeAll(names);
  fp.tensors.resize(file.tensors().size());
  {
    internal::ReadAhead read_ahead(file, options.read_ahead_bytes);
    std::atomic<uint64_t> progress{0};
    std::atomic<size_t> next{0};
    std::mutex mu;
    Status first_error;  // guarded by mu
    // Workers take tensors in file order, so together they read the file front to back.
    auto work = [&] {
      for (size_t i = next++; i < fp.tensors.size(); i = next++) {
        Status s = FingerprintTensor(model, canon[i], file.tensors()[i], options, read_ahead, progress,
                                     &fp.tensors[i]);
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = s;
          next = fp.tensors.size();
        }
      }
    };
    const unsigned n_threads = options.threads
                                   ? options.threads
                                   : std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    std::vector<std::thread> workers;
    for (unsigned k = 1; k < n_threads; ++k) workers.emplace_back(work);
    work();
    for (std::thread& w : workers) w.join();
    DOKJA_RETURN_IF_ERROR(first_error);
  }
  DOKJA_ASSIGN_OR_RETURN(fp.anchors, internal::AnchorEmbeddings(model, canon, options.anchor_cols,
                                                                 &fp.anchor_cols));
  return fp;
}

}  // namespace dokja::audit
