#include "io/env.h"

#include <algorithm>
#include <atomic>

#include "base/port/file.h"

namespace dokja::io {

Status RandomAccessFile::CheckRange(uint64_t offset, uint64_t n) const {
  uint64_t end;
  if (AddOverflows(offset, n, &end) || end > size()) {
    return Status::IOError(path() + ": read of [" + std::to_string(offset) + ", " +
                           std::to_string(offset) + " + " + std::to_string(n) +
                           ") leaves the file of " + std::to_string(size()) + " bytes");
  }
  return Status::OK();
}

Result<std::string> Env::ReadFileToString(const std::string& path, uint64_t max_bytes) {
  DOKJA_ASSIGN_OR_RETURN(auto file, OpenFile(path, OpenOptions{.use_mmap = false}));
  if (file->size() > max_bytes) {
    return Status::InvalidArgument(path + ": file of " + std::to_string(file->size()) +
                                   " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  std::string out(file->size(), '\0');
  DOKJA_RETURN_IF_ERROR(file->Read(0, out.size(), reinterpret_cast<std::byte*>(out.data())));
  return out;
}

namespace {

// Mappings beyond this many live files fall back to pread (LevelDB's limiter).
constexpr int kMaxMappedFiles = 4096;
std::atomic<int> g_mapped_files{0};

class PosixFile final : public RandomAccessFile {
 public:
  PosixFile(std::string path, port::FileHandle fd, uint64_t size, port::Mapping map)
      : path_(std::move(path)), fd_(std::move(fd)), size_(size), map_(std::move(map)) {}
  ~PosixFile() override {
    if (map_.data() != nullptr) g_mapped_files.fetch_sub(1);
  }

  const std::string& path() const override { return path_; }
  uint64_t size() const override { return size_; }
  bool mapped() const override { return map_.data() != nullptr || size_ == 0; }

  // Always pread, even when mapped: a kernel copy into a reused buffer is
  // cheaper than faulting the mapping in, and it never grows our page tables.
  Status Read(uint64_t offset, size_t n, std::byte* dst) const override {
    DOKJA_RETURN_IF_ERROR(CheckRange(offset, n));
    if (n == 0) return Status::OK();
    return port::PreadFull(fd_, path_, offset, n, dst);
  }

  Result<ByteView> View(uint64_t offset, size_t n) const override {
    DOKJA_RETURN_IF_ERROR(CheckRange(offset, n));
    if (n == 0) return ByteView();
    if (map_.data() == nullptr) return Status::Internal(path_ + ": View() on an unmapped file");
    return ByteView(map_.data() + offset, n);
  }


 private:
  std::string path_;
  port::FileHandle fd_;
  uint64_t size_;
  port::Mapping map_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<RandomAccessFile>> OpenFile(const std::string& path,
                                                     const OpenOptions& options) override {
    DOKJA_ASSIGN_OR_RETURN(port::FileHandle fd, port::OpenReadOnly(path));
    DOKJA_ASSIGN_OR_RETURN(uint64_t size, port::FileSize(fd, path));
    port::Mapping map;
    if (options.use_mmap && size > 0 && g_mapped_files.fetch_add(1) < kMaxMappedFiles) {
      auto mapped = port::MapReadOnly(fd, path, size);
      if (mapped.ok()) {
        map = std::move(mapped).value();
      } else {
        g_mapped_files.fetch_sub(1);  // fall back to pread
      }
    } else if (options.use_mmap && size > 0) {
      g_mapped_files.fetch_sub(1);
    }
    return std::unique_ptr<RandomAccessFile>(
        new PosixFile(path, std::move(fd), size, std::move(map)));
  }

  PathKind Stat(const std::string& path) override {
    switch (port::StatPath(path)) {
      case port::PathKind::kMissing: return PathKind::kMissing;
      case port::PathKind::kFile: return PathKind::kFile;
      case port::PathKind::kDirectory: return PathKind::kDirectory;
      case port::PathKind::kOther: return PathKind::kOther;
    }
    return PathKind::kOther;
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return port::ListDirectory(path);
  }
};

class MemFile final : public RandomAccessFile {
 public:
  MemFile(std::string path, std::shared_ptr<const std::string> bytes)
      : path_(std::move(path)), bytes_(std::move(bytes)) {}
  const std::string& path() const override { return path_; }
  uint64_t size() const override { return bytes_->size(); }
  bool mapped() const override { return true; }
  Status Read(uint64_t offset, size_t n, std::byte* dst) const override {
    DOKJA_RETURN_IF_ERROR(CheckRange(offset, n));
    std::copy_n(reinterpret_cast<const std::byte*>(bytes_->data()) + offset, n, dst);
    return Status::OK();
  }
  Result<ByteView> View(uint64_t offset, size_t n) const override {
    DOKJA_RETURN_IF_ERROR(CheckRange(offset, n));
    return ByteView(reinterpret_cast<const std::byte*>(bytes_->data()) + offset, n);
  }

 private:
  std::string path_;
  std::shared_ptr<const std::string> bytes_;
};

}  // namespace

Env& Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: outlives static users
  return *env;
}

void MemEnv::AddFile(const std::string& path, std::string contents) {
  auto bytes = std::make_shared<const std::string>(std::move(contents));
  for (Entry& e : files_) {
    if (e.path == path) {
      e.bytes = std::move(bytes);
      return;
    }
  }
  files_.push_back({path, std::move(bytes)});
}

Result<std::unique_ptr<RandomAccessFile>> MemEnv::OpenFile(const std::string& path,
                                                           const OpenOptions&) {
  for (const Entry& e : files_) {
    if (e.path == path) return std::unique_ptr<RandomAccessFile>(new MemFile(path, e.bytes));
  }
  if (Stat(path) == PathKind::kDirectory) {
    return Status::InvalidArgument(path + ": is a directory, expected a file");
  }
  return Status::NotFound(path + ": no such file");
}

PathKind MemEnv::Stat(const std::string& path) {
  const std::string prefix = path.empty() || path.back() == '/' ? path : path + "/";
  for (const Entry& e : files_) {
    if (e.path == path) return PathKind::kFile;
  }
  for (const Entry& e : files_) {
    if (e.path.compare(0, prefix.size(), prefix) == 0) return PathKind::kDirectory;
  }
  return PathKind::kMissing;
}

Result<std::vector<std::string>> MemEnv::ListDir(const std::string& path) {
  if (Stat(path) != PathKind::kDirectory) return Status::NotFound(path + ": no such directory");
  const std::string prefix = path.back() == '/' ? path : path + "/";
  std::vector<std::string> names;
  for (const Entry& e : files_) {
    if (e.path.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rest = e.path.substr(prefix.size());
    std::string name = rest.substr(0, rest.find('/'));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  if (!name.empty() && name.front() == '/') return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace dokja::io
