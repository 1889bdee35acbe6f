// NewFileSink: buffered stdio writes to a temporary file, renamed on Close.
//
// Plain <cstdio> keeps OS headers out of this folder. io::Env has no write
// side yet; when it gains one, this moves there.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tensorfile/safetensors/safetensors_writer.h"

namespace dokja {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

class FileSink final : public ByteSink {
 public:
  FileSink(std::string path, std::string tmp_path, std::FILE* file)
      : path_(std::move(path)), tmp_path_(std::move(tmp_path)), file_(file) {}
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  ~FileSink() override {
    if (file_ != nullptr) std::fclose(file_);
    if (!committed_) std::remove(tmp_path_.c_str());
  }

  Status Append(ByteView bytes) override {
    if (file_ == nullptr) return Status::Internal(path_ + ": Append after Close");
    if (bytes.empty()) return Status::OK();
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
      return Status::IOError(tmp_path_ + ": write failed: " + ErrnoText());
    }
    return Status::OK();
  }

  Status Close() override {
    if (file_ == nullptr) return Status::Internal(path_ + ": Close called twice");
    const bool flushed = std::fflush(file_) == 0;
    const std::string flush_error = flushed ? "" : ErrnoText();
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!flushed || !closed) {
      return Status::IOError(tmp_path_ +
                             ": flush or close failed: " + (flushed ? ErrnoText() : flush_error));
    }
    if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
      return Status::IOError(path_ + ": rename from " + tmp_path_ + " failed: " + ErrnoText());
    }
    committed_ = true;
    return Status::OK();
  }

 private:
  std::string path_;
  std::string tmp_path_;
  std::FILE* file_;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<ByteSink>> NewFileSink(const std::string& path) {
  std::string tmp_path = path + ".tmp";
  std::FILE* file = std::fopen(tmp_path.c_str(), "wb");
  if (file == nullptr) return Status::IOError(tmp_path + ": cannot create: " + ErrnoText());
  // Large stdio buffer: small appends (headers, tiny tensors) coalesce, and
  // big ones go straight through.
  std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
  return std::unique_ptr<ByteSink>(new FileSink(path, std::move(tmp_path), file));
}

}  // namespace dokja
