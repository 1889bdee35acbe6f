#include "tensorfile/safetensors/safetensors_reader.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "base/bytes.h"
#include "tensorfile/safetensors/internal/header.h"

namespace dokja {
namespace safetensors_internal {
namespace {

// Dtypes of newer safetensors versions that dokja has no DType for. Files
// using them are well-formed, so they get Unsupported rather than Corrupt.
constexpr std::array<std::string_view, 7> kNewerSpecDTypes = {
    "F4", "F6_E2M3", "F6_E3M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "C64"};

std::string Range(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

Result<DType> CheckDType(const std::string& what, const std::string& name) {
  if (auto dtype = DTypeFromSafetensorsName(name)) return *dtype;
  if (std::find(kNewerSpecDTypes.begin(), kNewerSpecDTypes.end(), name) != kNewerSpecDTypes.end()) {
    return Status::Unsupported(what + ": dtype '" + name +
                               "' is valid safetensors but dokja cannot read it");
  }
  return Status::Corrupt(what + ": unknown dtype '" + name +
                         "' (expected BOOL, U8, I8, U16, I16, U32, I32, U64, I64, F16, BF16, "
                         "F32, F64, F8_E4M3 or F8_E5M2)");
}

// Checks one entry on its own; the tiling of the buffer is checked later.
Result<TensorInfo> CheckEntry(const RawTensorEntry& e, const std::string& path, uint64_t data_start,
                              uint64_t data_bytes) {
  const std::string what = path + ": tensor '" + e.name + "'";
  TensorInfo t;
  t.name = e.name;
  t.shape = e.shape;
  DOKJA_ASSIGN_OR_RETURN(t.dtype, CheckDType(what, e.dtype));
  DOKJA_RETURN_IF_ERROR(ComputeTensorSize(what, t.shape, t.dtype, &t.n_elements, &t.n_bytes));
  if (e.begin > e.end) {
    return Status::Corrupt(what + ": data_offsets " + Range(e.begin, e.end) +
                           " end before they start");
  }
  if (e.end > data_bytes) {
    return Status::Corrupt(what + ": data_offsets " + Range(e.begin, e.end) +
                           " reach past the data buffer of " + std::to_string(data_bytes) +
                           " bytes (file truncated?)");
  }
  if (e.end - e.begin != t.n_bytes) {
    return Status::Corrupt(what + ": data_offsets " + Range(e.begin, e.end) + " span " +
                           std::to_string(e.end - e.begin) + " bytes but " + e.dtype + " " +
                           t.ShapeString() + " needs " + std::to_string(t.n_bytes));
  }
  t.offset = data_start + e.begin;  // <= file size: no overflow
  return t;
}

// REQUIRES: tensors sorted by offset, each inside the buffer.
Status CheckTiling(const std::vector<TensorInfo>& tensors, const std::string& path,
                   uint64_t data_start, uint64_t data_bytes) {
  uint64_t covered = 0;  // the buffer is tiled up to here
  const TensorInfo* prev = nullptr;
  for (const TensorInfo& t : tensors) {
    const uint64_t begin = t.offset - data_start;
    const std::string what =
        path + ": tensor '" + t.name + "': data_offsets " + Range(begin, begin + t.n_bytes);
    if (begin < covered) {
      return Status::Corrupt(what + " overlap tensor '" + prev->name + "', which ends at " +
                             std::to_string(covered));
    }
    if (begin > covered) {
      return Status::Corrupt(what + " leave a hole of " + std::to_string(begin - covered) +
                             " bytes after " +
                             (prev ? "tensor '" + prev->name + "'" : std::string("the header")));
    }
    covered = begin + t.n_bytes;
    prev = &t;
  }
  if (covered != data_bytes) {
    return Status::Corrupt(path + ": data buffer of " + std::to_string(data_bytes) + " bytes has " +
                           std::to_string(data_bytes - covered) +
                           " trailing bytes that no tensor's data_offsets cover");
  }
  return Status::OK();
}

// Reads the 8-byte length and checks it against the cap and the file size.
Result<uint64_t> ReadHeaderLength(const io::RandomAccessFile& file, const std::string& path) {
  const uint64_t size = file.size();
  if (size < 8) {
    return Status::Corrupt(path + ": file of " + std::to_string(size) +
                           " bytes is too short for the 8-byte header length");
  }
  std::array<std::byte, 8> bytes;
  DOKJA_RETURN_IF_ERROR(file.Read(0, bytes.size(), bytes.data()));
  const uint64_t n = LoadLE<uint64_t>(bytes.data());
  if (n > kSafetensorsMaxHeaderBytes) {
    return Status::Corrupt(path + ": header length " + std::to_string(n) +
                           " exceeds the limit of " + std::to_string(kSafetensorsMaxHeaderBytes) +
                           " bytes");
  }
  if (n > size - 8) {
    return Status::Corrupt(path + ": header length " + std::to_string(n) + " exceeds the " +
                           std::to_string(size - 8) + " bytes after the length field");
  }
  return n;
}

Result<RawHeader> ReadAndParseHeader(const io::RandomAccessFile& file, const std::string& path,
                                     uint64_t n) {
  if (file.mapped()) {
    DOKJA_ASSIGN_OR_RETURN(ByteView view, file.View(8, n));
    return ParseHeaderJson(AsStringView(view), path);
  }
  std::string text(n, '\0');  // freed on return: we keep no header bytes
  DOKJA_RETURN_IF_ERROR(file.Read(8, n, reinterpret_cast<std::byte*>(text.data())));
  return ParseHeaderJson(text, path);
}

}  // namespace

Result<std::vector<TensorInfo>> ValidateHeader(const RawHeader& header, const std::string& path,
                                               uint64_t data_start, uint64_t data_bytes) {
  std::vector<TensorInfo> tensors;
  tensors.reserve(header.tensors.size());
  for (const RawTensorEntry& e : header.tensors) {
    DOKJA_ASSIGN_OR_RETURN(TensorInfo t, CheckEntry(e, path, data_start, data_bytes));
    tensors.push_back(std::move(t));
  }
  // Stable, so zero-byte tensors at the same offset keep their header order.
  std::stable_sort(tensors.begin(), tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.n_bytes < b.n_bytes;
  });
  DOKJA_RETURN_IF_ERROR(CheckTiling(tensors, path, data_start, data_bytes));
  return tensors;
}

Result<LoadedFile> LoadFile(io::Env& env, const std::string& path, const io::OpenOptions& options) {
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> file, env.OpenFile(path, options));
  DOKJA_ASSIGN_OR_RETURN(uint64_t n, ReadHeaderLength(*file, path));
  DOKJA_ASSIGN_OR_RETURN(RawHeader raw, ReadAndParseHeader(*file, path, n));
  const uint64_t data_start = 8 + n;
  DOKJA_ASSIGN_OR_RETURN(std::vector<TensorInfo> tensors,
                         ValidateHeader(raw, path, data_start, file->size() - data_start));
  return LoadedFile{std::move(file), std::move(tensors), std::move(raw.metadata)};
}

}  // namespace safetensors_internal

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(io::Env& env,
                                                               const std::string& path,
                                                               const io::OpenOptions& options) {
  DOKJA_ASSIGN_OR_RETURN(safetensors_internal::LoadedFile loaded,
                         safetensors_internal::LoadFile(env, path, options));
  Metadata metadata;
  for (auto& [key, value] : loaded.metadata) {
    metadata.Add(key, MetaValue{.type = MetaType::kString, .value = std::move(value)});
  }
  std::vector<std::unique_ptr<io::RandomAccessFile>> files;
  files.push_back(std::move(loaded.file));
  return std::unique_ptr<SafetensorsFile>(
      new SafetensorsFile(std::move(files), std::move(loaded.tensors), std::move(metadata)));
}

Result<std::unique_ptr<TensorFile>> OpenSafetensors(io::Env& env, const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file, SafetensorsFile::Open(env, path));
  return std::unique_ptr<TensorFile>(std::move(file));
}

Result<std::unique_ptr<TensorFile>> OpenShardedSafetensors(io::Env& env,
                                                           const std::string& index_path) {
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file,
                         SafetensorsFile::OpenSharded(env, index_path));
  return std::unique_ptr<TensorFile>(std::move(file));
}

}  // namespace dokja
