#include <algorithm>
#include <cstring>

#include "io/env.h"
#include "tensorfile/tensor_file.h"

namespace dokja {
namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Picks the weights inside a model folder.
Result<std::string> PickWeightsInFolder(io::Env& env, const std::string& dir) {
  DOKJA_ASSIGN_OR_RETURN(std::vector<std::string> names, env.ListDir(dir));
  std::vector<std::string> index, safetensors, gguf;
  for (const std::string& n : names) {
    if (EndsWith(n, ".safetensors.index.json")) index.push_back(n);
    else if (EndsWith(n, ".safetensors")) safetensors.push_back(n);
    else if (EndsWith(n, ".gguf")) gguf.push_back(n);
  }
  auto pick = [&](const std::vector<std::string>& c, const char* what) -> Result<std::string> {
    if (c.size() == 1) return io::JoinPath(dir, c[0]);
    std::string list;
    for (const auto& n : c) list += (list.empty() ? "" : ", ") + n;
    return Status::InvalidArgument(dir + ": " + std::to_string(c.size()) + " " + what +
                                   " files (" + list + "); name one");
  };
  if (!index.empty()) return pick(index, "*.safetensors.index.json");
  if (!safetensors.empty()) return pick(safetensors, "*.safetensors");
  if (!gguf.empty()) return pick(gguf, "*.gguf");
  return Status::NotFound(dir + ": no *.safetensors, *.safetensors.index.json or *.gguf inside");
}

}  // namespace

Result<std::unique_ptr<TensorFile>> OpenTensorFile(io::Env& env, const std::string& path) {
  switch (env.Stat(path)) {
    case io::PathKind::kMissing: return Status::NotFound(path + ": no such file or folder");
    case io::PathKind::kOther: return Status::InvalidArgument(path + ": not a regular file");
    case io::PathKind::kDirectory: {
      DOKJA_ASSIGN_OR_RETURN(std::string weights, PickWeightsInFolder(env, path));
      return OpenTensorFile(env, weights);
    }
    case io::PathKind::kFile: break;
  }
  if (EndsWith(path, ".json")) return OpenShardedSafetensors(env, path);
  DOKJA_ASSIGN_OR_RETURN(auto file, env.OpenFile(path, io::OpenOptions{.use_mmap = false}));
  char magic[4] = {};
  if (file->size() >= 4) {
    DOKJA_RETURN_IF_ERROR(file->Read(0, 4, reinterpret_cast<std::byte*>(magic)));
  }
  if (std::memcmp(magic, "GGUF", 4) == 0) return OpenGguf(env, path);
  return OpenSafetensors(env, path);
}

}  // namespace dokja
