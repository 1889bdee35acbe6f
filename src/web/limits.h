// The App's per-request state that outlives a request: token-bucket rate
// limits keyed by address or account, and a short-lived cache of looked-up
// sessions. Both are sharded maps under mutexes. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "web/app.h"

namespace dokja::web {

// Token buckets: each key holds up to `burst` tokens, refilled at `rate` per
// second. rate <= 0 means unlimited.
class TokenBuckets final {
 public:
  TokenBuckets(double rate, double burst) : rate_(rate), burst_(burst) {}

  // Takes one token from `key`'s bucket at `now_ms`. Returns 0 when taken,
  // otherwise the whole seconds (>= 1) until one is available.
  int64_t Take(const std::string& key, int64_t now_ms) { return Use(key, now_ms, true); }
  // Like Take but leaves the bucket as it is (a check before spending).
  int64_t Peek(const std::string& key, int64_t now_ms) { return Use(key, now_ms, false); }
  // Spends one token even if none is left (the balance may go negative, down
  // to -burst), so repeated failures push the next allowed attempt further.
  void Spend(const std::string& key, int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_ms = 0;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxKeysPerShard = 1 << 16;  // then full buckets are dropped

  int64_t Use(const std::string& key, int64_t now_ms, bool take);
  Bucket& Refill(Shard& shard, const std::string& key, int64_t now_ms);

  double rate_;
  double burst_;
  std::array<Shard, kShards> shards_;
};

// Sessions looked up recently, keyed by token hash. An entry lives
// `ttl_ms` of steady-clock time; the session's own expiry is checked by the
// caller on every use. Erasing bumps a generation: a lookup that started
// before an erase (and may have read the session just deleted) passes the
// generation it saw to Put, which then stores nothing.
class SessionCache final {
 public:
  explicit SessionCache(int64_t ttl_ms) : ttl_ms_(ttl_ms) {}

  std::shared_ptr<const Caller> Get(const std::string& token_hash);
  // The generation to pass to Put; read it before asking the store.
  uint64_t generation() const { return generation_.load(); }
  void Put(const std::string& token_hash, std::shared_ptr<const Caller> caller,
           uint64_t generation_seen);
  void Erase(const std::string& token_hash);
  void EraseAccount(int64_t account_id);

 private:
  struct Entry {
    std::shared_ptr<const Caller> caller;
    int64_t stored_ms = 0;  // steady clock
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Entry> entries;
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxPerShard = 1 << 14;

  Shard& ShardOf(const std::string& key);

  int64_t ttl_ms_;
  std::atomic<uint64_t> generation_{0};
  std::array<Shard, kShards> shards_;
};

}  // namespace dokja::web
