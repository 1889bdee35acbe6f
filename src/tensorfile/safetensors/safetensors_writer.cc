#include "tensorfile/safetensors/safetensors_writer.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "base/utf8.h"
#include "tensorfile/safetensors/internal/header.h"
#include "tensorfile/safetensors/internal/writer.h"
#include "tensorfile/safetensors/safetensors_reader.h"
#include "tensorfile/tensor_file.h"

namespace dokja {
namespace safetensors_internal {
namespace {

using ordered_json = nlohmann::ordered_json;

Status CheckUtf8(const std::string& s, const std::string& what) {
  size_t bad = 0;
  if (!IsValidUtf8(s, &bad)) {
    return Status::InvalidArgument(what + " is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  return Status::OK();
}

Result<uint64_t> CheckTensor(const TensorToWrite& t, std::unordered_set<std::string_view>* seen) {
  const std::string what = "tensor '" + t.name + "'";
  DOKJA_RETURN_IF_ERROR(CheckUtf8(t.name, "tensor name"));
  if (t.name == "__metadata__") {
    return Status::InvalidArgument("tensor name '__metadata__' is reserved for metadata");
  }
  if (!seen->insert(t.name).second) return Status::InvalidArgument(what + " appears twice");
  if (Traits(t.dtype).safetensors_name.empty()) {
    return Status::InvalidArgument(what + ": safetensors has no dtype for " +
                                   std::string(DTypeName(t.dtype)));
  }
  uint64_t n_elements = 0, n_bytes = 0;
  Status size = ComputeTensorSize(what, t.shape, t.dtype, &n_elements, &n_bytes);
  if (!size.ok()) return Status::InvalidArgument(size.message());
  if (!t.fill && t.bytes.size() != n_bytes) {
    return Status::InvalidArgument(what + ": has " + std::to_string(t.bytes.size()) +
                                   " bytes but " + std::string(DTypeName(t.dtype)) + " shape " +
                                   "needs " + std::to_string(n_bytes));
  }
  return n_bytes;
}

}  // namespace

Result<std::vector<uint64_t>> CheckTensors(const std::vector<TensorToWrite>& tensors) {
  std::unordered_set<std::string_view> seen;
  std::vector<uint64_t> sizes;
  sizes.reserve(tensors.size());
  uint64_t total = 0;
  for (const TensorToWrite& t : tensors) {
    DOKJA_ASSIGN_OR_RETURN(uint64_t n_bytes, CheckTensor(t, &seen));
    if (AddOverflows(total, n_bytes, &total)) {
      return Status::InvalidArgument("tensors' total size overflows 64 bits");
    }
    sizes.push_back(n_bytes);
  }
  return sizes;
}

Result<std::string> BuildHeader(const std::vector<TensorToWrite>& tensors,
                                const std::vector<uint64_t>& sizes,
                                const SafetensorsMetadata& metadata) {
  ordered_json header = ordered_json::object();
  if (!metadata.empty()) {
    ordered_json& meta = header["__metadata__"] = ordered_json::object();
    for (const auto& [key, value] : metadata) {
      DOKJA_RETURN_IF_ERROR(CheckUtf8(key, "metadata key"));
      DOKJA_RETURN_IF_ERROR(CheckUtf8(value, "metadata value of '" + key + "'"));
      meta[key] = value;
    }
  }
  uint64_t offset = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    ordered_json entry = ordered_json::object();
    entry["dtype"] = Traits(tensors[i].dtype).safetensors_name;
    entry["shape"] = tensors[i].shape;
    entry["data_offsets"] = ordered_json::array({offset, offset + sizes[i]});
    header[tensors[i].name] = std::move(entry);
    offset += sizes[i];
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const std::exception& e) {  // only for invalid UTF-8, checked above
    return Status::Internal(std::string("safetensors header: ") + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  if (text.size() > kSafetensorsMaxHeaderBytes) {
    return Status::InvalidArgument("safetensors header of " + std::to_string(text.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(kSafetensorsMaxHeaderBytes));
  }
  std::string out(8, '\0');
  const uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + text;
}

Status WriteTensorData(ByteSink& sink, const TensorToWrite& t, uint64_t n_bytes,
                       size_t buffer_bytes, std::vector<std::byte>* buffer) {
  if (!t.fill) return sink.Append(t.bytes);
  if (buffer->empty() && n_bytes > 0) buffer->resize(std::max<size_t>(buffer_bytes, 1));
  for (uint64_t offset = 0; offset < n_bytes;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buffer->size(), n_bytes - offset));
    std::span<std::byte> chunk(buffer->data(), n);
    Status filled = t.fill(offset, chunk);
    if (!filled.ok()) return filled.WithPrefix("tensor '" + t.name + "'");
    DOKJA_RETURN_IF_ERROR(sink.Append(chunk));
    offset += n;
  }
  return Status::OK();
}

}  // namespace safetensors_internal

Status WriteSafetensors(ByteSink& sink, const std::vector<TensorToWrite>& tensors,
                        const SafetensorsMetadata& metadata,
                        const SafetensorsWriteOptions& options) {
  using namespace safetensors_internal;
  DOKJA_ASSIGN_OR_RETURN(std::vector<uint64_t> sizes, CheckTensors(tensors));
  DOKJA_ASSIGN_OR_RETURN(std::string header, BuildHeader(tensors, sizes, metadata));
  DOKJA_RETURN_IF_ERROR(sink.Append(AsBytes(header)));
  std::vector<std::byte> buffer;  // allocated on the first streamed tensor
  for (size_t i = 0; i < tensors.size(); ++i) {
    DOKJA_RETURN_IF_ERROR(
        WriteTensorData(sink, tensors[i], sizes[i], options.buffer_bytes, &buffer));
  }
  return Status::OK();
}

Status WriteSafetensorsFile(const std::string& path, const std::vector<TensorToWrite>& tensors,
                            const SafetensorsMetadata& metadata,
                            const SafetensorsWriteOptions& options) {
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<ByteSink> sink, NewFileSink(path));
  DOKJA_RETURN_IF_ERROR(WriteSafetensors(*sink, tensors, metadata, options));
  return sink->Close();
}

Result<std::string> SerializeSafetensors(const std::vector<TensorToWrite>& tensors,
                                         const SafetensorsMetadata& metadata) {
  std::string out;
  StringSink sink(&out);
  DOKJA_RETURN_IF_ERROR(WriteSafetensors(sink, tensors, metadata));
  return out;
}

}  // namespace dokja
