// WriteShardedSafetensors: greedy split by data bytes, then one index.json.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "io/env.h"
#include "tensorfile/safetensors/internal/writer.h"
#include "tensorfile/safetensors/safetensors_writer.h"

namespace dokja {
namespace {

// Tensor indices per shard: a shard takes tensors in order while its data
// stays within max_bytes; an oversized tensor sits alone.
std::vector<std::vector<size_t>> PlanShards(const std::vector<uint64_t>& sizes,
                                            uint64_t max_bytes) {
  std::vector<std::vector<size_t>> shards;
  uint64_t shard_bytes = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (shards.empty() || (!shards.back().empty() && sizes[i] > max_bytes - shard_bytes)) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(i);
    shard_bytes += std::min(sizes[i], max_bytes);  // an oversized tensor fills its shard
  }
  return shards;
}

std::string ShardName(const std::string& prefix, size_t index, size_t count) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "-%05zu-of-%05zu", index + 1, count);
  return prefix + buf + ".safetensors";
}

Status WriteOne(const SinkOpener& open, const std::string& path, auto&& write) {
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<ByteSink> sink, open(path));
  DOKJA_RETURN_IF_ERROR(write(*sink));
  return sink->Close();
}

Result<std::string> BuildIndex(const std::vector<TensorToWrite>& tensors,
                               const std::vector<uint64_t>& sizes,
                               const std::vector<std::vector<size_t>>& plan,
                               const std::string& prefix) {
  nlohmann::json weight_map = nlohmann::json::object();  // sorted by name, like Hugging Face's
  uint64_t total = 0;
  for (size_t s = 0; s < plan.size(); ++s) {
    for (size_t i : plan[s]) {
      weight_map[tensors[i].name] = ShardName(prefix, s, plan.size());
      total += sizes[i];
    }
  }
  nlohmann::ordered_json index = {{"metadata", {{"total_size", total}}},
                                  {"weight_map", std::move(weight_map)}};
  try {
    return index.dump(2) + "\n";
  } catch (const std::exception& e) {  // names were checked for UTF-8 already
    return Status::Internal(std::string("safetensors index: ") + e.what());
  }
}

}  // namespace

Result<ShardedWriteResult> WriteShardedSafetensors(const std::string& dir,
                                                   const std::vector<TensorToWrite>& tensors,
                                                   const SafetensorsMetadata& metadata,
                                                   const ShardedWriteOptions& options) {
  if (tensors.empty()) return Status::InvalidArgument("a sharded checkpoint needs a tensor");
  if (options.max_shard_bytes == 0) return Status::InvalidArgument("max_shard_bytes must be > 0");
  if (options.prefix.empty() || options.prefix.find('/') != std::string::npos) {
    return Status::InvalidArgument("shard prefix '" + options.prefix + "' must be a plain name");
  }
  DOKJA_ASSIGN_OR_RETURN(std::vector<uint64_t> sizes, safetensors_internal::CheckTensors(tensors));
  const SinkOpener open = options.open_sink ? options.open_sink : SinkOpener(NewFileSink);
  const auto plan = PlanShards(sizes, options.max_shard_bytes);
  ShardedWriteResult result;
  for (size_t s = 0; s < plan.size(); ++s) {
    std::vector<TensorToWrite> shard;
    for (size_t i : plan[s]) shard.push_back(tensors[i]);
    const std::string path = io::JoinPath(dir, ShardName(options.prefix, s, plan.size()));
    DOKJA_RETURN_IF_ERROR(WriteOne(open, path, [&](ByteSink& sink) {
      return WriteSafetensors(sink, shard, metadata, {.buffer_bytes = options.buffer_bytes});
    }));
    result.shard_paths.push_back(path);
  }
  DOKJA_ASSIGN_OR_RETURN(std::string index, BuildIndex(tensors, sizes, plan, options.prefix));
  result.index_path = io::JoinPath(dir, options.prefix + ".safetensors.index.json");
  DOKJA_RETURN_IF_ERROR(WriteOne(open, result.index_path,
                                 [&](ByteSink& sink) { return sink.Append(AsBytes(index)); }));
  return result;
}

}  // namespace dokja
