// Thin wrappers over POSIX file calls. This folder is the only code that
// includes OS headers; everything above it talks in Status and plain types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace dokja::port {

// An open read-only file descriptor; closes on destruction.
class FileHandle {
 public:
  FileHandle() = default;
  explicit FileHandle(int fd) : fd_(fd) {}
  FileHandle(FileHandle&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileHandle& operator=(FileHandle&& other) noexcept;
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  ~FileHandle();

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

Result<FileHandle> OpenReadOnly(const std::string& path);
Result<uint64_t> FileSize(const FileHandle& file, const std::string& path);

// Reads exactly n bytes at offset, retrying short reads and EINTR.
Status PreadFull(const FileHandle& file, const std::string& path, uint64_t offset, size_t n,
                 void* dst);

// A read-only private mapping of a whole file. Unmaps on destruction.
class Mapping {
 public:
  Mapping() = default;
  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();

  const std::byte* data() const { return data_; }
  uint64_t size() const { return size_; }


 private:
  friend Result<Mapping> MapReadOnly(const FileHandle&, const std::string&, uint64_t);
  const std::byte* data_ = nullptr;
  uint64_t size_ = 0;
};

// Maps a file of `size` bytes (size 0 gives an empty mapping, no syscall).
Result<Mapping> MapReadOnly(const FileHandle& file, const std::string& path, uint64_t size);

// Drops the file's clean pages from the page cache (benchmarks' cold reads).
void AdviseDropCache(const FileHandle& file);

// Asks the kernel to start reading [offset, offset + n) into the page cache
// now, without waiting or copying (a hint; errors are ignored).
void AdviseWillNeed(const FileHandle& file, uint64_t offset, uint64_t n);

enum class PathKind { kMissing, kFile, kDirectory, kOther };
PathKind StatPath(const std::string& path);
Result<std::vector<std::string>> ListDirectory(const std::string& path);  // names, sorted

// True when the stream (1 = stdout, 2 = stderr) is a terminal.
bool IsTerminal(int fd);

}  // namespace dokja::port
