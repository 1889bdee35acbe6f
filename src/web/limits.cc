#include "web/limits.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>

namespace dokja::web {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TokenBuckets::Bucket& TokenBuckets::Refill(Shard& shard, const std::string& key, int64_t now_ms) {
  if (shard.buckets.size() >= kMaxKeysPerShard && shard.buckets.find(key) == shard.buckets.end()) {
    // Forget keys whose bucket has refilled: they behave like new keys.
    for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
      const double elapsed_s = static_cast<double>(now_ms - it->second.updated_ms) / 1000.0;
      if (it->second.tokens + elapsed_s * rate_ >= burst_) {
        it = shard.buckets.erase(it);
      } else {
        ++it;
      }
    }
  }
  auto [it, inserted] = shard.buckets.try_emplace(key);
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = burst_;
  } else if (now_ms > bucket.updated_ms) {
    const double elapsed_s = static_cast<double>(now_ms - bucket.updated_ms) / 1000.0;
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed_s * rate_);
  }
  bucket.updated_ms = std::max(bucket.updated_ms, now_ms);
  return bucket;
}

int64_t TokenBuckets::Use(const std::string& key, int64_t now_ms, bool take) {
  if (rate_ <= 0) return 0;
  Shard& shard = shards_[std::hash<std::string>()(key) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  Bucket& bucket = Refill(shard, key, now_ms);
  if (bucket.tokens >= 1.0) {
    if (take) bucket.tokens -= 1.0;
    return 0;
  }
  const double wait_s = (1.0 - bucket.tokens) / rate_;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_s)));
}

void TokenBuckets::Spend(const std::string& key, int64_t now_ms) {
  if (rate_ <= 0) return;
  Shard& shard = shards_[std::hash<std::string>()(key) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  Bucket& bucket = Refill(shard, key, now_ms);
  bucket.tokens = std::max(-burst_, bucket.tokens - 1.0);
}

SessionCache::Shard& SessionCache::ShardOf(const std::string& key) {
  return shards_[std::hash<std::string>()(key) % kShards];
}

std::shared_ptr<const Caller> SessionCache::Get(const std::string& token_hash) {
  if (ttl_ms_ <= 0) return nullptr;
  Shard& shard = ShardOf(token_hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.entries.find(token_hash);
  if (it == shard.entries.end()) return nullptr;
  if (SteadyMs() - it->second.stored_ms >= ttl_ms_) {
    shard.entries.erase(it);
    return nullptr;
  }
  return it->second.caller;
}

void SessionCache::Put(const std::string& token_hash, std::shared_ptr<const Caller> caller,
                       uint64_t generation_seen) {
  if (ttl_ms_ <= 0) return;
  Shard& shard = ShardOf(token_hash);
  const int64_t now = SteadyMs();
  std::lock_guard<std::mutex> lock(shard.mu);
  if (generation_.load() != generation_seen) return;  // an erase ran meanwhile
  if (shard.entries.size() >= kMaxPerShard) {
    for (auto it = shard.entries.begin(); it != shard.entries.end();) {
      it = now - it->second.stored_ms >= ttl_ms_ ? shard.entries.erase(it) : std::next(it);
    }
    if (shard.entries.size() >= kMaxPerShard) shard.entries.clear();
  }
  shard.entries[token_hash] = Entry{std::move(caller), now};
}

void SessionCache::Erase(const std::string& token_hash) {
  ++generation_;
  Shard& shard = ShardOf(token_hash);
  std::lock_guard<std::mutex> lock(shard.mu);
  shard.entries.erase(token_hash);
}

void SessionCache::EraseAccount(int64_t account_id) {
  ++generation_;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (auto it = shard.entries.begin(); it != shard.entries.end();) {
      it = it->second.caller->account.id == account_id ? shard.entries.erase(it) : std::next(it);
    }
  }
}

}  // namespace dokja::web
