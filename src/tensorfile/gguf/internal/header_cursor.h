// HeaderCursor: the read interface the GGUF parser is fed by.
//
// It walks a RandomAccessFile front to back in bounded chunks: a zero-copy
// view of the mapping when the file is mapped, a copy through pread
// otherwise. The parser never assumes the whole file is in memory, and every
// read is checked against the bytes left, so a truncated file is a Corrupt
// status, never a read past the end.
//
// Error messages from the cursor name the offset and the bytes wanted but not
// the file; the parser adds the field and OpenGguf adds the path.
//
// Thread-compatible: one cursor per parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "io/env.h"

namespace dokja::gguf_internal {

class HeaderCursor {
 public:
  // Bytes fetched per refill; larger reads go straight to their destination.
  static constexpr size_t kDefaultChunkBytes = size_t{1} << 20;  // 1 MiB

  // `file` must outlive the cursor. Starts at offset 0.
  explicit HeaderCursor(const io::RandomAccessFile& file,
                        size_t chunk_bytes = kDefaultChunkBytes);
  HeaderCursor(const HeaderCursor&) = delete;
  HeaderCursor& operator=(const HeaderCursor&) = delete;

  uint64_t offset() const { return pos_; }
  uint64_t size() const { return size_; }
  uint64_t remaining() const { return size_ - pos_; }

  // Copies the next n bytes into dst and advances. Corrupt when fewer than n
  // bytes are left; IOError when the OS read fails.
  Status ReadBytes(size_t n, std::byte* dst);

  // The next fixed-width little-endian value.
  template <typename T>
  Status Read(T* out) {
    std::byte buf[sizeof(T)];
    DOKJA_RETURN_IF_ERROR(ReadBytes(sizeof(T), buf));
    *out = LoadLE<T>(buf);
    return Status::OK();
  }

  // A GGUF string: u64 length, then that many bytes (no terminator). The
  // length is checked against the bytes left before anything is allocated.
  Status ReadString(std::string* out);

 private:
  // Makes [pos_, pos_ + n) available in window_, n <= chunk_bytes_.
  Status Fill(size_t n);

  const io::RandomAccessFile& file_;
  const size_t chunk_bytes_;
  const uint64_t size_;
  uint64_t pos_ = 0;
  // The buffered window covers file bytes [window_start_, window_start_ + window_.size()).
  uint64_t window_start_ = 0;
  ByteView window_;
  // Backing store for window_ on the pread path; unused when mapped.
  std::vector<std::byte> buffer_;
};

}  // namespace dokja::gguf_internal
