// Env: every file access goes through here, so tests can swap in memory files.
//
// PosixEnv (Env::Default()) maps files read-only and falls back to pread when
// a mapping fails or the process-wide mapping cap is reached. MemEnv keeps
// files in memory for tests and fuzzers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace dokja::io {

struct OpenOptions {
  // Map the file when possible; false forces the pread path.
  bool use_mmap = true;
};

// A read-only file of fixed size.
// Thread-safe: all methods are const and the bytes never change under us.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  virtual const std::string& path() const = 0;
  virtual uint64_t size() const = 0;
  // True when View() hands out zero-copy views.
  virtual bool mapped() const = 0;

  // Copies [offset, offset + n) into dst. IOError if the range leaves the file.
  // For bulk sequential reads into a reused buffer; use View() for zero-copy
  // access to mapped bytes.
  virtual Status Read(uint64_t offset, size_t n, std::byte* dst) const = 0;

  // A zero-copy view of [offset, offset + n), valid while this object lives.
  // REQUIRES: mapped(). IOError if the range leaves the file.
  virtual Result<ByteView> View(uint64_t offset, size_t n) const = 0;

 protected:
  // Shared range check: OK when [offset, offset + n) lies inside the file.
  Status CheckRange(uint64_t offset, uint64_t n) const;
};

enum class PathKind { kMissing, kFile, kDirectory, kOther };

class Env {
 public:
  virtual ~Env() = default;

  virtual Result<std::unique_ptr<RandomAccessFile>> OpenFile(const std::string& path,
                                                             const OpenOptions& options = {}) = 0;
  virtual PathKind Stat(const std::string& path) = 0;
  // Entry names in a directory, sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;

  // Whole file as a string; InvalidArgument when larger than max_bytes.
  Result<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes);

  // The process-wide POSIX Env. Never null; lives for the whole program.
  static Env& Default();
};

// An Env whose files live in memory. Thread-compatible: add files before use.
class MemEnv final : public Env {
 public:
  // Adds or replaces a file; directories are implied by the paths.
  void AddFile(const std::string& path, std::string contents);

  Result<std::unique_ptr<RandomAccessFile>> OpenFile(const std::string& path,
                                                     const OpenOptions& options = {}) override;
  PathKind Stat(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;

 private:
  struct Entry {
    std::string path;
    std::shared_ptr<const std::string> bytes;  // shared with open files
  };
  std::vector<Entry> files_;
};

// Path helpers for '/'-separated paths.
std::string JoinPath(const std::string& dir, const std::string& name);
std::string DirName(const std::string& path);   // "a/b/c" -> "a/b"; "c" -> "."
std::string BaseName(const std::string& path);  // "a/b/c" -> "c"

}  // namespace dokja::io
