// OpenSharded: a `*.safetensors.index.json` and the shards it names.
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "base/utf8.h"
#include "tensorfile/safetensors/internal/header.h"
#include "tensorfile/safetensors/safetensors_reader.h"

namespace dokja {
namespace {

using json = nlohmann::json;
using safetensors_internal::LoadedFile;

// The parts of an index we use. weight_map is kept sorted by shard name.
struct ShardIndex {
  std::map<std::string, std::vector<std::string>> tensors_by_shard;
  std::unordered_map<std::string, std::string> shard_of;  // weight_map
  Metadata metadata;
};

// Parses JSON, rejecting duplicate keys at any depth (nlohmann's DOM would
// keep the last one, hiding a tensor mapped to two shards).
Result<json> ParseJsonNoDuplicates(const std::string& text, const std::string& path) {
  size_t bad = 0;
  if (!IsValidUtf8(text, &bad)) {
    return Status::Corrupt(path + ": not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  std::vector<std::unordered_set<std::string>> keys;  // one set per open object
  std::string duplicate;
  auto callback = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    if (event == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (event == json::parse_event_t::key && !keys.empty() && duplicate.empty() &&
        !keys.back().insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  try {
    json doc = json::parse(text, callback);
    if (!duplicate.empty()) return Status::Corrupt(path + ": duplicate key '" + duplicate + "'");
    return doc;
  } catch (const std::exception& e) {
    std::string what = e.what();
    if (size_t cut = what.find("] "); cut != std::string::npos) what = what.substr(cut + 2);
    return Status::Corrupt(path + ": not valid JSON: " + what);
  }
}

// Shard names must stay inside the index's folder: relative, no "..".
Status CheckShardName(const std::string& shard, const std::string& tensor,
                      const std::string& path) {
  const std::string what = path + ": weight_map: tensor '" + tensor + "' names shard '" + shard;
  if (shard.empty()) return Status::Corrupt(what + "', an empty file name");
  if (shard.front() == '/' || shard.find('\\') != std::string::npos) {
    return Status::Corrupt(what +
                           "'; shard names must be relative paths inside the index's folder");
  }
  for (char c : shard) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return Status::Corrupt(what + "', which holds a control character");
    }
  }
  for (size_t start = 0; start <= shard.size();) {
    size_t slash = shard.find('/', start);
    if (slash == std::string::npos) slash = shard.size();
    if (shard.compare(start, slash - start, "..") == 0 && slash - start == 2) {
      return Status::Corrupt(what + "'; '..' would leave the index's folder");
    }
    start = slash + 1;
  }
  return Status::OK();
}

// Index metadata values keep their JSON type; objects, arrays and null are
// kept as their JSON text.
MetaValue ToMetaValue(const json& v) {
  if (v.is_string()) return {MetaType::kString, v.get<std::string>()};
  if (v.is_number_unsigned()) return {MetaType::kU64, v.get<uint64_t>()};
  if (v.is_number_integer()) return {MetaType::kI64, v.get<int64_t>()};
  if (v.is_number_float()) return {MetaType::kF64, v.get<double>()};
  if (v.is_boolean()) return {MetaType::kBool, v.get<bool>()};
  return {MetaType::kString, v.dump()};
}

Result<ShardIndex> ReadIndex(io::Env& env, const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::string text, env.ReadFileToString(path, kSafetensorsMaxIndexBytes));
  DOKJA_ASSIGN_OR_RETURN(json doc, ParseJsonNoDuplicates(text, path));
  if (!doc.is_object()) return Status::Corrupt(path + ": index must be a JSON object");
  ShardIndex index;
  if (auto it = doc.find("metadata"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return Status::Corrupt(path + ": metadata must be an object");
    for (const auto& [key, value] : it->items()) index.metadata.Add(key, ToMetaValue(value));
  }
  auto map = doc.find("weight_map");
  if (map == doc.end() || !map->is_object()) {
    return Status::Corrupt(path + ": weight_map must be an object mapping tensor names to shards");
  }
  if (map->empty()) return Status::Corrupt(path + ": weight_map names no tensors");
  for (const auto& [tensor, shard] : map->items()) {
    if (!shard.is_string()) {
      return Status::Corrupt(path + ": weight_map: tensor '" + tensor +
                             "' must map to a shard file name (a string)");
    }
    const std::string name = shard.get<std::string>();
    DOKJA_RETURN_IF_ERROR(CheckShardName(name, tensor, path));
    index.tensors_by_shard[name].push_back(tensor);
    index.shard_of.emplace(tensor, name);
  }
  return index;
}

Result<LoadedFile> LoadShard(io::Env& env, const std::string& index_path, const std::string& shard,
                             const ShardIndex& index, const io::OpenOptions& options) {
  const std::string shard_path = io::JoinPath(io::DirName(index_path), shard);
  if (env.Stat(shard_path) == io::PathKind::kMissing) {
    const auto& tensors = index.tensors_by_shard.at(shard);
    return Status::NotFound(index_path + ": shard '" + shard + "' (named for tensor '" +
                            tensors.front() + "' and " + std::to_string(tensors.size() - 1) +
                            " more) does not exist: " + shard_path);
  }
  return safetensors_internal::LoadFile(env, shard_path, options);
}

// Checks that the weight_map and the shard headers agree exactly.
Status CrossCheck(const ShardIndex& index, const std::vector<std::string>& shards,
                  const std::vector<LoadedFile>& loaded, const std::string& path) {
  std::unordered_map<std::string_view, size_t> owner;  // tensor -> shard index
  for (size_t s = 0; s < loaded.size(); ++s) {
    for (const TensorInfo& t : loaded[s].tensors) {
      auto [it, inserted] = owner.emplace(t.name, s);
      if (!inserted) {
        return Status::Corrupt(path + ": tensor '" + t.name + "' appears in both shard '" +
                               shards[it->second] + "' and shard '" + shards[s] + "'");
      }
      auto mapped = index.shard_of.find(t.name);
      if (mapped == index.shard_of.end()) {
        return Status::Corrupt(path + ": tensor '" + t.name + "' in shard '" + shards[s] +
                               "' is missing from weight_map");
      }
    }
  }
  for (const auto& [tensor, shard] : index.shard_of) {
    auto it = owner.find(tensor);
    if (it == owner.end()) {
      return Status::Corrupt(path + ": weight_map: tensor '" + tensor + "' is not in shard '" +
                             shard + "'");
    }
    if (shards[it->second] != shard) {
      return Status::Corrupt(path + ": weight_map: tensor '" + tensor + "' is mapped to shard '" +
                             shard + "' but lives in shard '" + shards[it->second] + "'");
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::OpenSharded(
    io::Env& env, const std::string& index_path, const io::OpenOptions& options) {
  DOKJA_ASSIGN_OR_RETURN(ShardIndex index, ReadIndex(env, index_path));
  std::vector<std::string> shards;
  std::vector<LoadedFile> loaded;
  for (const auto& entry : index.tensors_by_shard) {
    shards.push_back(entry.first);
    DOKJA_ASSIGN_OR_RETURN(LoadedFile file,
                           LoadShard(env, index_path, entry.first, index, options));
    loaded.push_back(std::move(file));
  }
  DOKJA_RETURN_IF_ERROR(CrossCheck(index, shards, loaded, index_path));

  std::vector<std::unique_ptr<io::RandomAccessFile>> files;
  std::vector<TensorInfo> tensors;
  Metadata metadata = std::move(index.metadata);
  for (size_t s = 0; s < loaded.size(); ++s) {
    for (TensorInfo& t : loaded[s].tensors) {
      t.file_index = static_cast<uint32_t>(s);
      tensors.push_back(std::move(t));
    }
    for (auto& [key, value] : loaded[s].metadata) {
      metadata.Add(key, MetaValue{MetaType::kString, std::move(value)});  // first shard wins
    }
    files.push_back(std::move(loaded[s].file));
  }
  return std::unique_ptr<SafetensorsFile>(
      new SafetensorsFile(std::move(files), std::move(tensors), std::move(metadata)));
}

}  // namespace dokja
