#include "tensorfile/gguf/internal/header_cursor.h"

#include <algorithm>
#include <cstring>

namespace dokja::gguf_internal {

HeaderCursor::HeaderCursor(const io::RandomAccessFile& file, size_t chunk_bytes)
    : file_(file), chunk_bytes_(std::max<size_t>(chunk_bytes, 64)), size_(file.size()) {}

Status HeaderCursor::Fill(size_t n) {
  const uint64_t rel = pos_ - window_start_;
  if (pos_ >= window_start_ && rel <= window_.size() && window_.size() - rel >= n) {
    return Status::OK();
  }
  const size_t len = static_cast<size_t>(std::min<uint64_t>(chunk_bytes_, remaining()));
  if (file_.mapped()) {
    DOKJA_ASSIGN_OR_RETURN(window_, file_.View(pos_, len));
  } else {
    buffer_.resize(len);
    DOKJA_RETURN_IF_ERROR(file_.Read(pos_, len, buffer_.data()));
    window_ = ByteView(buffer_.data(), len);
  }
  window_start_ = pos_;
  return Status::OK();
}

Status HeaderCursor::ReadBytes(size_t n, std::byte* dst) {
  if (n > remaining()) {
    return Status::Corrupt("truncated: need " + std::to_string(n) + " bytes at offset " +
                           std::to_string(pos_) + " but only " + std::to_string(remaining()) +
                           " are left (the file ends at " + std::to_string(size_) + ")");
  }
  if (n == 0) return Status::OK();
  if (n > chunk_bytes_) {  // large strings skip the window
    DOKJA_RETURN_IF_ERROR(file_.Read(pos_, n, dst));
  } else {
    DOKJA_RETURN_IF_ERROR(Fill(n));
    std::memcpy(dst, window_.data() + (pos_ - window_start_), n);
  }
  pos_ += n;
  return Status::OK();
}

Status HeaderCursor::ReadString(std::string* out) {
  uint64_t len = 0;
  DOKJA_RETURN_IF_ERROR(Read(&len));
  if (len > remaining()) {
    return Status::Corrupt("string length " + std::to_string(len) + " at offset " +
                           std::to_string(pos_ - 8) + " exceeds the " +
                           std::to_string(remaining()) + " bytes left in the file");
  }
  out->resize(static_cast<size_t>(len));
  return ReadBytes(static_cast<size_t>(len), reinterpret_cast<std::byte*>(out->data()));
}

}  // namespace dokja::gguf_internal
