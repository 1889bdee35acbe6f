// The fingerprint file format (docs/formats/fingerprint.md): writer and a
// reader that treats every byte as hostile.
#include <xxhash.h>

#include <bit>
#include <cassert>
#include <cstring>
#include <fstream>

#include "audit/fingerprint.h"
#include "base/bytes.h"
#include "tensorfile/canonical_name.h"

namespace dokja::audit {
namespace {

static_assert(std::endian::native == std::endian::little, "the format is little-endian");

constexpr char kMagic[8] = {'D', 'O', 'K', 'J', 'A', '-', 'F', 'P'};
constexpr size_t kHeaderBytes = 32;
constexpr uint32_t kMaxString = 4096;
constexpr uint32_t kMaxDims = 8;
// The fewest bytes a tensor record can take (3 empty strings and fixed fields).
constexpr uint64_t kMinTensorBytes = 3 * 4 + 8 + 8 + 8 + 8 + 4 + 8 + 8 + 4 + 4 + 4 + 4;
constexpr uint64_t kMinAnchorBytes = 4 + 8;

class Writer {
 public:
  template <typename T>
  void Put(T v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void Str(const std::string& s) {
    Put<uint32_t>(static_cast<uint32_t>(s.size()));
    out_ += s;
  }
  template <typename T>
  void Array(const std::vector<T>& v) {
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

// Bounds-checked reads; the first failure sticks and names the field.
class Reader {
 public:
  Reader(std::string_view bytes, std::string what) : b_(bytes), what_(std::move(what)) {}

  template <typename T>
  bool Get(T* v, const char* field) {
    if (!Need(sizeof(T), field)) return false;
    std::memcpy(v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool Str(std::string* s, const char* field) {
    uint32_t n = 0;
    if (!Get(&n, field)) return false;
    if (n > kMaxString) return Fail(std::string(field) + ": string of " + std::to_string(n) +
                                    " bytes exceeds the limit " + std::to_string(kMaxString));
    if (!Need(n, field)) return false;
    s->assign(b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // n elements of T; checks n against the bytes left before allocating.
  template <typename T>
  bool Array(std::vector<T>* v, uint64_t n, const char* field) {
    if (n > remaining() / sizeof(T)) {
      return Fail(std::string(field) + ": " + std::to_string(n) + " entries exceed the " +
                  std::to_string(remaining()) + " bytes left");
    }
    v->resize(n);
    if (n > 0) std::memcpy(v->data(), b_.data() + pos_, n * sizeof(T));  // data() may be null when empty
    pos_ += n * sizeof(T);
    return true;
  }
  bool Fail(const std::string& msg) {
    if (error_.empty()) error_ = what_ + ": corrupt fingerprint at byte " + std::to_string(pos_ + kHeaderBytes) + ": " + msg;
    return false;
  }
  uint64_t remaining() const { return b_.size() - pos_; }
  const std::string& error() const { return error_; }

 private:
  bool Need(uint64_t n, const char* field) {
    if (n <= remaining()) return true;
    return Fail(std::string(field) + ": needs " + std::to_string(n) + " bytes, " +
                std::to_string(remaining()) + " left (truncated)");
  }
  std::string_view b_;
  std::string what_;
  uint64_t pos_ = 0;
  std::string error_;
};

void PutTensor(Writer& w, const TensorFingerprint& t) {
  w.Str(t.name);
  w.Str(t.canonical);
  w.Str(t.component);
  w.Put<int32_t>(t.layer);
  w.Put<uint8_t>(t.role);
  w.Put<uint8_t>(static_cast<uint8_t>(t.dtype));
  w.Put<uint8_t>(static_cast<uint8_t>((t.constant ? 1 : 0) | (t.raw_hash ? 2 : 0)));
  w.Put<uint8_t>(static_cast<uint8_t>(t.shape.size()));
  w.Array(t.shape);
  w.Put<uint64_t>(t.content_hash);
  w.Put<double>(t.mean);
  w.Put<double>(t.stddev);
  w.Put<float>(t.abs_max);
  w.Put<uint64_t>(t.n_nonfinite);
  w.Put<uint64_t>(t.n_sketch_rows);
  w.Put<uint32_t>(static_cast<uint32_t>(t.row_sketch.size()));
  w.Array(t.row_sketch);
  w.Put<uint32_t>(static_cast<uint32_t>(t.sample_rows.size()));
  w.Array(t.sample_rows);
  w.Put<uint32_t>(static_cast<uint32_t>(t.sample_cols.size()));
  w.Array(t.sample_cols);
  w.Array(t.samples);
  w.Put<uint32_t>(static_cast<uint32_t>(t.invariant_hashes.size()));
  w.Array(t.invariant_hashes);
}

template <typename T>
bool StrictlyAscending(const std::vector<T>& v, uint64_t bound) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] >= bound || (i > 0 && v[i] <= v[i - 1])) return false;
  }
  return true;
}

bool GetShape(Reader& r, TensorFingerprint* t, uint8_t n_dims) {
  if (n_dims > kMaxDims) return r.Fail("tensor " + t->name + ": " + std::to_string(n_dims) + " dimensions (at most 8)");
  if (!r.Array(&t->shape, n_dims, "shape")) return false;
  uint64_t n = 1;
  for (uint64_t d : t->shape) {
    if (d != 0 && n > UINT64_MAX / d) return r.Fail("tensor " + t->name + ": shape overflows 64 bits");
    n *= d;
  }
  return true;
}

bool GetSamples(Reader& r, TensorFingerprint* t) {
  uint32_t k = 0, n_rows = 0, n_cols = 0;
  if (!r.Get(&k, "sketch size") || k > t->n_sketch_rows) {
    return r.Fail("tensor " + t->name + ": sketch of " + std::to_string(k) + " hashes for " +
                  std::to_string(t->n_sketch_rows) + " rows");
  }
  if (!r.Array(&t->row_sketch, k, "row sketch")) return false;
  if (!StrictlyAscending(t->row_sketch, UINT64_MAX)) return r.Fail("tensor " + t->name + ": row sketch not ascending");
  if (!r.Get(&n_rows, "sample row count") || !r.Array(&t->sample_rows, n_rows, "sample rows")) return false;
  if (!StrictlyAscending(t->sample_rows, t->n_rows())) return r.Fail("tensor " + t->name + ": sample rows not ascending within the row count");
  if (!r.Get(&n_cols, "sample column count") || !r.Array(&t->sample_cols, n_cols, "sample columns")) return false;
  if (!StrictlyAscending(t->sample_cols, t->row_elements())) return r.Fail("tensor " + t->name + ": sample columns not ascending within the row length");
  uint32_t n_invariant = 0;
  if (!r.Array(&t->samples, uint64_t{n_rows} * n_cols, "samples") || !r.Get(&n_invariant, "invariant count")) {
    return false;
  }
  if (n_invariant != 0 && n_invariant != n_rows) {
    return r.Fail("tensor " + t->name + ": " + std::to_string(n_invariant) + " invariant hashes for " +
                  std::to_string(n_rows) + " sample rows");
  }
  return r.Array(&t->invariant_hashes, n_invariant, "invariant hashes");
}

bool GetTensor(Reader& r, TensorFingerprint* t) {
  uint8_t role = 0, dtype = 0, flags = 0, n_dims = 0;
  if (!r.Str(&t->name, "tensor name") || !r.Str(&t->canonical, "canonical name") ||
      !r.Str(&t->component, "component") || !r.Get(&t->layer, "layer") || !r.Get(&role, "role") ||
      !r.Get(&dtype, "dtype") || !r.Get(&flags, "flags") || !r.Get(&n_dims, "dimension count")) {
    return false;
  }
  if (role >= static_cast<uint8_t>(Role::kCount)) return r.Fail("tensor " + t->name + ": role " + std::to_string(role) + " out of range");
  if (dtype >= kDTypeCount) return r.Fail("tensor " + t->name + ": dtype " + std::to_string(dtype) + " out of range");
  if (flags > 3) return r.Fail("tensor " + t->name + ": unknown flags " + std::to_string(flags));
  t->role = role;
  t->dtype = static_cast<DType>(dtype);
  t->constant = flags & 1;
  t->raw_hash = flags & 2;
  return GetShape(r, t, n_dims) && r.Get(&t->content_hash, "content hash") &&
         r.Get(&t->mean, "mean") && r.Get(&t->stddev, "stddev") && r.Get(&t->abs_max, "abs max") &&
         r.Get(&t->n_nonfinite, "non-finite count") && r.Get(&t->n_sketch_rows, "sketch rows") &&
         GetSamples(r, t);
}

bool GetAnchor(Reader& r, AnchorEmbedding* a, uint64_t width) {
  return r.Str(&a->token, "anchor token") && r.Get(&a->token_id, "anchor token id") &&
         r.Array(&a->values, width, "anchor values");
}

bool GetBody(Reader& r, Fingerprint* fp) {
  FingerprintOptions& o = fp->options;
  uint32_t n_tensors = 0, n_anchors = 0;
  if (!r.Str(&fp->source, "source") || !r.Str(&fp->format, "format") ||
      !r.Str(&fp->architecture, "architecture") || !r.Get(&fp->n_params, "parameter count") ||
      !r.Get(&fp->tensor_bytes, "tensor bytes") || !r.Get(&o.sample_rows, "options") ||
      !r.Get(&o.sample_cols, "options") || !r.Get(&o.sketch_min, "options") ||
      !r.Get(&o.sketch_max, "options") || !r.Get(&o.sketch_div, "options") ||
      !r.Get(&o.anchor_cols, "options") ||
      !r.Get(&n_tensors, "tensor count")) {
    return false;
  }
  if (n_tensors > r.remaining() / kMinTensorBytes) return r.Fail(std::to_string(n_tensors) + " tensors cannot fit in the bytes left");
  fp->tensors.resize(n_tensors);
  for (TensorFingerprint& t : fp->tensors) {
    if (!GetTensor(r, &t)) return false;
  }
  uint32_t n_cols = 0;
  if (!r.Get(&n_cols, "anchor column count") || !r.Array(&fp->anchor_cols, n_cols, "anchor columns")) return false;
  if (!StrictlyAscending(fp->anchor_cols, UINT32_MAX)) return r.Fail("anchor columns not ascending");
  if (!r.Get(&n_anchors, "anchor count")) return false;
  if (n_anchors > r.remaining() / kMinAnchorBytes) return r.Fail(std::to_string(n_anchors) + " anchors cannot fit in the bytes left");
  fp->anchors.resize(n_anchors);
  for (AnchorEmbedding& a : fp->anchors) {
    if (!GetAnchor(r, &a, n_cols)) return false;
  }
  if (r.remaining() != 0) return r.Fail(std::to_string(r.remaining()) + " trailing bytes");
  return true;
}

}  // namespace

std::string SerializeFingerprint(const Fingerprint& fp) {
  Writer w;
  w.Str(fp.source);
  w.Str(fp.format);
  w.Str(fp.architecture);
  w.Put<uint64_t>(fp.n_params);
  w.Put<uint64_t>(fp.tensor_bytes);
  for (uint32_t v : {fp.options.sample_rows, fp.options.sample_cols, fp.options.sketch_min,
                     fp.options.sketch_max, fp.options.sketch_div, fp.options.anchor_cols}) {
    w.Put<uint32_t>(v);
  }
  w.Put<uint32_t>(static_cast<uint32_t>(fp.tensors.size()));
  for (const TensorFingerprint& t : fp.tensors) PutTensor(w, t);
  w.Put<uint32_t>(static_cast<uint32_t>(fp.anchor_cols.size()));
  w.Array(fp.anchor_cols);
  w.Put<uint32_t>(static_cast<uint32_t>(fp.anchors.size()));
  for (const AnchorEmbedding& a : fp.anchors) {
    assert(a.values.size() == fp.anchor_cols.size());
    w.Str(a.token);
    w.Put<uint64_t>(a.token_id);
    w.Array(a.values);
  }
  const std::string& body = w.out();
  Writer h;
  h.out().append(kMagic, sizeof kMagic);
  h.Put<uint32_t>(Fingerprint::kVersion);
  h.Put<uint32_t>(0);
  h.Put<uint64_t>(body.size());
  h.Put<uint64_t>(XXH3_64bits(body.data(), body.size()));
  return h.out() + body;
}

Result<Fingerprint> ParseFingerprint(std::string_view bytes, const std::string& what) {
  if (bytes.size() < kHeaderBytes) {
    return Status::Corrupt(what + ": " + std::to_string(bytes.size()) + " bytes is shorter than the 32-byte fingerprint header");
  }
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return Status::Corrupt(what + ": not a dokja fingerprint (bad magic)");
  }
  const auto version = LoadLE<uint32_t>(bytes.data() + 8);
  const auto flags = LoadLE<uint32_t>(bytes.data() + 12);
  const auto body_bytes = LoadLE<uint64_t>(bytes.data() + 16);
  const auto checksum = LoadLE<uint64_t>(bytes.data() + 24);
  if (version != Fingerprint::kVersion) {
    return Status::Corrupt(what + ": fingerprint version " + std::to_string(version) + ", this dokja reads version 1");
  }
  if (flags != 0) return Status::Corrupt(what + ": unknown header flags " + std::to_string(flags));
  if (body_bytes != bytes.size() - kHeaderBytes) {
    return Status::Corrupt(what + ": header says " + std::to_string(body_bytes) + " body bytes, the file has " +
                           std::to_string(bytes.size() - kHeaderBytes) + " (truncated or padded)");
  }
  const std::string_view body = bytes.substr(kHeaderBytes);
  if (XXH3_64bits(body.data(), body.size()) != checksum) {
    return Status::Corrupt(what + ": fingerprint checksum mismatch (the file is damaged)");
  }
  Fingerprint fp;
  Reader r(body, what);
  if (!GetBody(r, &fp)) return Status::Corrupt(r.error());
  return fp;
}

Status WriteFingerprintFile(const std::string& path, const Fingerprint& fp) {
  const std::string bytes = SerializeFingerprint(fp);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return Status::IOError(path + ": cannot write the fingerprint");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError(path + ": cannot move the fingerprint into place");
  }
  return Status::OK();
}

Result<Fingerprint> ReadFingerprintFile(const std::string& path) {
  constexpr uint64_t kMaxFileBytes = 1ull << 30;  // 1 GiB; a 70B model's is ~10 MiB
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::NotFound(path + ": cannot open the fingerprint");
  const auto size = static_cast<uint64_t>(in.tellg());
  if (size > kMaxFileBytes) return Status::Corrupt(path + ": " + std::to_string(size) + " bytes is too large for a fingerprint");
  std::string bytes(size, '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (!in) return Status::IOError(path + ": read failed");
  return ParseFingerprint(bytes, path);
}

bool LooksLikeFingerprintFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, sizeof magic);
  return in && std::memcmp(magic, kMagic, sizeof kMagic) == 0;
}

}  // namespace dokja::audit
