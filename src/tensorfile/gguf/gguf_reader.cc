#include "tensorfile/gguf/gguf_reader.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <unordered_set>
#include <utility>

#include "base/utf8.h"
#include "tensorfile/gguf/internal/header_cursor.h"

namespace dokja {
namespace {

using gguf_internal::HeaderCursor;

// Fewest bytes a KV pair (1-byte key, u32 type, 1-byte value) and a tensor
// info (1-byte name, n_dims 0, type, offset) take; counts are checked against these.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 4 + 8;

struct Preamble {
  uint32_t version = 0;
  uint64_t n_tensors = 0;
  uint64_t n_kv = 0;
};

// A tensor info as read, before the data section is known.
struct RawTensorInfo {
  TensorInfo info;
  uint64_t rel_offset = 0;
};

// The bytes as hex digits, first byte first.
std::string Hex(const unsigned char* b, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[b[i] >> 4];
    out += kDigits[b[i] & 15];
  }
  return out;
}

Status CheckVersion(uint32_t version) {
  if (version == 2 || version == 3) return Status::OK();
  if (version == 1) {
    return Status::Unsupported("version 1 (u32 counts and lengths) is not supported; expected 2 or 3");
  }
  if ((version & 0xffffu) == 0 && (version >> 16) != 0) {
    const unsigned char be[4] = {static_cast<unsigned char>(version >> 24),
                                 static_cast<unsigned char>(version >> 16),
                                 static_cast<unsigned char>(version >> 8),
                                 static_cast<unsigned char>(version)};
    return Status::Unsupported("version field 0x" + Hex(be, 4) +
                               " looks byte-swapped: big-endian GGUF is not supported");
  }
  if (version == 0) return Status::Corrupt("version 0 is not a GGUF version; expected 2 or 3");
  return Status::Unsupported("version " + std::to_string(version) + " is not supported; expected 2 or 3");
}

Status ReadPreamble(HeaderCursor& cur, Preamble* p) {
  unsigned char magic[4] = {};
  Status s = cur.ReadBytes(4, reinterpret_cast<std::byte*>(magic));
  if (!s.ok()) return s.WithPrefix("magic");
  if (std::memcmp(magic, "GGUF", 4) != 0) {
    return Status::Corrupt("magic is 0x" + Hex(magic, 4) + ", expected \"GGUF\" (0x47475546)");
  }
  s = cur.Read(&p->version);
  if (!s.ok()) return s.WithPrefix("version");
  DOKJA_RETURN_IF_ERROR(CheckVersion(p->version));
  s = cur.Read(&p->n_tensors);
  if (!s.ok()) return s.WithPrefix("n_tensors");
  s = cur.Read(&p->n_kv);
  if (!s.ok()) return s.WithPrefix("n_kv");
  if (p->n_kv > cur.remaining() / kMinKvBytes) {
    return Status::Corrupt("n_kv " + std::to_string(p->n_kv) + " needs at least " +
                           std::to_string(kMinKvBytes) + " bytes each but " +
                           std::to_string(cur.remaining()) + " bytes are left");
  }
  if (p->n_tensors > cur.remaining() / kMinTensorInfoBytes) {
    return Status::Corrupt("n_tensors " + std::to_string(p->n_tensors) + " needs at least " +
                           std::to_string(kMinTensorInfoBytes) + " bytes each but " +
                           std::to_string(cur.remaining()) + " bytes are left");
  }
  return Status::OK();
}

Result<uint32_t> AlignmentOf(const Metadata& meta) {
  const MetaValue* v = meta.Find("general.alignment");
  if (v == nullptr) return kGgufDefaultAlignment;
  if (v->type != MetaType::kU32) {
    return Status::Corrupt("general.alignment: type " + std::string(MetaTypeName(v->type)) +
                           ", expected u32");
  }
  const uint64_t a = std::get<uint64_t>(v->value);
  if (a == 0 || (a & (a - 1)) != 0) {
    return Status::Corrupt("general.alignment: " + std::to_string(a) +
                           " is not a non-zero power of two");
  }
  return static_cast<uint32_t>(a);
}

// Reads ne[] (innermost first) and returns the PyTorch-order shape.
Status ReadShape(HeaderCursor& cur, std::vector<uint64_t>* shape) {
  uint32_t n_dims = 0;
  Status s = cur.Read(&n_dims);
  if (!s.ok()) return s.WithPrefix("n_dims");
  if (n_dims > kGgufMaxDims) {
    return Status::Corrupt("n_dims " + std::to_string(n_dims) + " exceeds " +
                           std::to_string(kGgufMaxDims));
  }
  shape->assign(n_dims, 0);
  for (uint32_t dim_idx = 0; dim_idx < n_dims; ++dim_idx) {
    uint64_t ne = 0;
    s = cur.Read(&ne);
    if (!s.ok()) return s.WithPrefix("ne[" + std::to_string(dim_idx) + "]");
    if (ne == 0 || ne > static_cast<uint64_t>(INT64_MAX)) {
      return Status::Corrupt("ne[" + std::to_string(dim_idx) + "] is " + std::to_string(ne) +
                             ", expected 1.." + std::to_string(INT64_MAX));
    }
    (*shape)[n_dims - 1 - dim_idx] = ne;
  }
  return Status::OK();
}

Status ReadTensorInfo(HeaderCursor& cur, uint64_t tensor_idx, RawTensorInfo* raw) {
  const std::string where = "tensor #" + std::to_string(tensor_idx);
  TensorInfo& t = raw->info;
  Status s = cur.ReadString(&t.name);
  if (!s.ok()) return s.WithPrefix(where + ": name");
  if (t.name.empty()) return Status::Corrupt(where + ": name is empty");
  if (!IsValidUtf8(t.name)) {
    return Status::Corrupt(where + ": name is not valid UTF-8");
  }
  const std::string named = where + " '" + t.name + "'";
  s = ReadShape(cur, &t.shape);
  if (!s.ok()) return s.WithPrefix(named);
  uint32_t ggml_type = 0;
  s = cur.Read(&ggml_type);
  if (!s.ok()) return s.WithPrefix(named + ": ggml type");
  std::optional<DType> dtype = DTypeFromGgmlType(ggml_type);
  if (!dtype) return Status::Corrupt(named + ": unknown ggml type " + std::to_string(ggml_type));
  t.dtype = *dtype;
  s = cur.Read(&raw->rel_offset);
  if (!s.ok()) return s.WithPrefix(named + ": offset");
  return ComputeTensorSize(named, t.shape, t.dtype, &t.n_elements, &t.n_bytes);
}

Status ReadTensorInfos(HeaderCursor& cur, uint64_t n_tensors, std::vector<RawTensorInfo>* out) {
  if (n_tensors > cur.remaining() / kMinTensorInfoBytes) {
    return Status::Corrupt("n_tensors " + std::to_string(n_tensors) + " needs at least " +
                           std::to_string(kMinTensorInfoBytes) + " bytes each but only " +
                           std::to_string(cur.remaining()) + " bytes follow the metadata");
  }
  // Grow as infos parse: an info takes ~25 bytes in the file but ~150 here.
  out->reserve(static_cast<size_t>(std::min<uint64_t>(n_tensors, 4096)));
  for (uint64_t tensor_idx = 0; tensor_idx < n_tensors; ++tensor_idx) {
    DOKJA_RETURN_IF_ERROR(ReadTensorInfo(cur, tensor_idx, &out->emplace_back()));
  }
  std::unordered_set<std::string_view> names;  // views into *out, which no longer grows
  for (size_t tensor_idx = 0; tensor_idx < out->size(); ++tensor_idx) {
    const std::string& name = (*out)[tensor_idx].info.name;
    if (!names.insert(name).second) {
      return Status::Corrupt("tensor #" + std::to_string(tensor_idx) + " '" + name +
                             "': duplicate tensor name");
    }
  }
  return Status::OK();
}

std::string Named(size_t idx, const TensorInfo& t) {
  return "tensor #" + std::to_string(idx) + " '" + t.name + "'";
}

// Checks each tensor's alignment and range, then that no two ranges overlap.
Status CheckDataRanges(const std::vector<RawTensorInfo>& raws, uint32_t alignment,
                       uint64_t data_bytes) {
  for (size_t idx = 0; idx < raws.size(); ++idx) {
    const RawTensorInfo& r = raws[idx];
    if (r.rel_offset % alignment != 0) {
      return Status::Corrupt(Named(idx, r.info) + ": offset " + std::to_string(r.rel_offset) +
                             " is not a multiple of the alignment " + std::to_string(alignment));
    }
    uint64_t end = 0;
    if (AddOverflows(r.rel_offset, r.info.n_bytes, &end) || end > data_bytes) {
      return Status::Corrupt(Named(idx, r.info) + ": offset " + std::to_string(r.rel_offset) +
                             " + " + std::to_string(r.info.n_bytes) +
                             " bytes exceeds the data section of " + std::to_string(data_bytes) +
                             " bytes");
    }
  }
  std::vector<size_t> order(raws.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return raws[a].rel_offset < raws[b].rel_offset; });
  for (size_t k = 1; k < order.size(); ++k) {
    const RawTensorInfo& prev = raws[order[k - 1]];
    const RawTensorInfo& next = raws[order[k]];
    if (prev.rel_offset + prev.info.n_bytes > next.rel_offset) {
      return Status::Corrupt(Named(order[k], next.info) + ": bytes at offset " +
                             std::to_string(next.rel_offset) + " overlap " +
                             Named(order[k - 1], prev.info) + " at [" +
                             std::to_string(prev.rel_offset) + ", " +
                             std::to_string(prev.rel_offset + prev.info.n_bytes) + ")");
    }
  }
  return Status::OK();
}

struct ParsedHeader {
  Preamble preamble;
  Metadata metadata;
  uint32_t alignment = kGgufDefaultAlignment;
  uint64_t data_offset = 0;
  std::vector<TensorInfo> tensors;
};

// Parses everything before the data section; messages carry no path.
Status ParseHeader(HeaderCursor& cur, const GgufOptions& options, ParsedHeader* h) {
  DOKJA_RETURN_IF_ERROR(ReadPreamble(cur, &h->preamble));
  DOKJA_RETURN_IF_ERROR(
      gguf_internal::ParseKvPairs(cur, h->preamble.n_kv, options.kv_limits, &h->metadata));
  DOKJA_ASSIGN_OR_RETURN(h->alignment, AlignmentOf(h->metadata));
  std::vector<RawTensorInfo> raws;
  DOKJA_RETURN_IF_ERROR(ReadTensorInfos(cur, h->preamble.n_tensors, &raws));
  // The end of the infos is at most the file size, so this cannot overflow.
  h->data_offset = (cur.offset() + h->alignment - 1) / h->alignment * h->alignment;
  if (!raws.empty() && h->data_offset > cur.size()) {
    return Status::Corrupt("data section: starts at " + std::to_string(h->data_offset) +
                           " (end of tensor infos rounded up to the alignment " +
                           std::to_string(h->alignment) + ") past the end of the file at " +
                           std::to_string(cur.size()));
  }
  const uint64_t data_bytes = raws.empty() ? 0 : cur.size() - h->data_offset;
  DOKJA_RETURN_IF_ERROR(CheckDataRanges(raws, h->alignment, data_bytes));
  h->tensors.reserve(raws.size());
  for (RawTensorInfo& r : raws) {
    r.info.offset = h->data_offset + r.rel_offset;
    h->tensors.push_back(std::move(r.info));
  }
  return Status::OK();
}

}  // namespace

GgufFile::GgufFile(std::unique_ptr<io::RandomAccessFile> file, std::vector<TensorInfo> tensors,
                   Metadata metadata, uint32_t version, uint32_t alignment, uint64_t data_offset)
    : TensorFile(
          [&] {
            std::vector<std::unique_ptr<io::RandomAccessFile>> files;
            files.push_back(std::move(file));
            return files;
          }(),
          std::move(tensors), std::move(metadata)),
      version_(version),
      alignment_(alignment),
      data_offset_(data_offset) {}

Result<std::unique_ptr<GgufFile>> OpenGgufFile(io::Env& env, const std::string& path,
                                               const GgufOptions& options) {
  DOKJA_ASSIGN_OR_RETURN(auto file, env.OpenFile(path, io::OpenOptions{.use_mmap = options.use_mmap}));
  ParsedHeader h;
  {
    HeaderCursor cur(*file, options.header_chunk_bytes);
    Status s = ParseHeader(cur, options, &h);
    if (!s.ok()) return s.code() == StatusCode::kIOError ? s : s.WithPrefix(path);
  }
  return std::unique_ptr<GgufFile>(new GgufFile(std::move(file), std::move(h.tensors),
                                                std::move(h.metadata), h.preamble.version,
                                                h.alignment, h.data_offset));
}

Result<std::unique_ptr<TensorFile>> OpenGguf(io::Env& env, const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> f, OpenGgufFile(env, path));
  return std::unique_ptr<TensorFile>(std::move(f));
}

}  // namespace dokja
