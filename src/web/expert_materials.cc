#include "web/expert_materials.h"

#include <array>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "base/sha256.h"

namespace dokja::web {
namespace {

namespace fs = std::filesystem;

struct MediaType {
  std::string_view name;
  std::string_view extension;
  bool text;
};

constexpr std::array<MediaType, 9> kMediaTypes = {{
    {"application/pdf", "pdf", false},
    {"text/html", "html", true},
    {"text/plain", "txt", true},
    {"application/json", "json", true},
    {"text/csv", "csv", true},
    {"image/png", "png", false},
    {"image/jpeg", "jpg", false},
    {"image/gif", "gif", false},
    {"image/webp", "webp", false},
}};

const MediaType* FindType(std::string_view name) {
  for (const MediaType& t : kMediaTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

bool StartsWith(std::string_view bytes, std::string_view prefix) {
  return bytes.substr(0, prefix.size()) == prefix;
}

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    const uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

bool IsHexDigest(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Result<std::string> MaterialMediaType(std::string_view content_type) {
  std::string name(content_type.substr(0, content_type.find(';')));
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
  while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.erase(0, 1);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (FindType(name) == nullptr) {
    return Status::InvalidArgument(
        "media type '" + name.substr(0, 100) +
        "' is not accepted (PDF, HTML, plain text, JSON, CSV, PNG, JPEG, GIF, WebP)");
  }
  return name;
}

Status CheckMaterialBytes(std::string_view media_type, std::string_view bytes) {
  const MediaType* type = FindType(media_type);
  if (type == nullptr) return Status::InvalidArgument("unknown media type");
  if (bytes.empty()) return Status::InvalidArgument("material is empty");
  const std::string what = "content is not " + std::string(media_type);
  if (type->text) {
    if (!IsUtf8(bytes)) return Status::InvalidArgument(what + ": not valid UTF-8");
    if (media_type == "application/json" && !nlohmann::json::accept(bytes)) {
      return Status::InvalidArgument(what + ": not a JSON document");
    }
    return Status::OK();
  }
  bool ok = false;
  if (media_type == "application/pdf") ok = StartsWith(bytes, "%PDF-");
  if (media_type == "image/png") ok = StartsWith(bytes, "\x89PNG\r\n\x1a\n");
  if (media_type == "image/jpeg") ok = StartsWith(bytes, "\xFF\xD8\xFF");
  if (media_type == "image/gif") ok = StartsWith(bytes, "GIF87a") || StartsWith(bytes, "GIF89a");
  if (media_type == "image/webp") {
    ok = bytes.size() >= 12 && StartsWith(bytes, "RIFF") && bytes.substr(8, 4) == "WEBP";
  }
  return ok ? Status::OK() : Status::InvalidArgument(what + ": wrong magic bytes");
}

Result<std::string> WriteMaterialFile(const std::string& dir, std::string_view bytes) {
  const std::string digest = Sha256Hex(bytes);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(dir + ": cannot create materials directory: " + ec.message());
  const fs::path final_path = fs::path(dir) / digest;
  if (fs::exists(final_path, ec) && fs::file_size(final_path, ec) == bytes.size()) return digest;
  // Unique per process (random) and per call (counter): replicas may share dir.
  static const uint64_t process_tag = std::random_device{}();
  static std::atomic<uint64_t> counter{0};
  const fs::path tmp = fs::path(dir) / (digest + ".tmp" + std::to_string(process_tag) + "." +
                                        std::to_string(counter++));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return Status::IOError(tmp.string() + ": write failed");
  }
  fs::rename(tmp, final_path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status::IOError(final_path.string() + ": rename failed");
  }
  return digest;
}

Result<std::string> ReadMaterialFile(const std::string& dir, const store::Material& material) {
  const std::string id = "material " + std::to_string(material.id);
  if (!IsHexDigest(material.uri)) return Status::Corrupt(id + ": stored location is not a digest");
  const fs::path path = fs::path(dir) / material.uri;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(id + ": its file is missing from the materials directory");
  std::ostringstream s;
  s << in.rdbuf();
  std::string bytes = s.str();
  if (static_cast<int64_t>(bytes.size()) != material.size_bytes) {
    return Status::Corrupt(id + ": file has " + std::to_string(bytes.size()) + " bytes, expected " +
                           std::to_string(material.size_bytes));
  }
  return bytes;
}

std::string ServedContentType(const std::string& media_type) {
  const MediaType* type = FindType(media_type);
  if (type == nullptr) return "application/octet-stream";
  return type->text ? media_type + "; charset=utf-8" : media_type;
}

std::string MaterialFileName(const store::Material& material) {
  const MediaType* type = FindType(material.media_type);
  return "material-" + std::to_string(material.id) + "." +
         std::string(type ? type->extension : "bin");
}

}  // namespace dokja::web
