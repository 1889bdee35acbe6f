// The runner's durable request cache: one SQLite table of answers keyed by
// SHA-256(backend identity, request canonical JSON). An answer is on disk
// once Commit returns (WAL, synchronous=FULL), so it survives kill -9.
//
// Schema (docs/formats/request_cache.md):
//   backends(identity_sha256 TEXT PRIMARY KEY, identity TEXT)
//   answers(key TEXT PRIMARY KEY, identity_sha256 TEXT, request TEXT,
//           response TEXT, created_unix INTEGER)
//
// Thread-safety: one thread at a time (it owns one SQLite connection). Open
// the same file twice for a reading thread and a writing thread (WAL lets
// readers run during a write).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "bench/backend.h"
#include "store/sqlite_db.h"

namespace dokja::bench {

// The cache key of `request` for a backend whose Identity() is `identity`:
// hex SHA-256 of identity, a NUL byte, and the request's canonical JSON.
std::string CacheKey(const std::string& identity, const Request& request);
// The same, from the request's CanonicalJson().
std::string CacheKey(const std::string& identity, std::string_view request_json);

// CacheKey for many requests to one backend: hashes the identity once.
// Thread-safe (Key is const and copies the state it starts from).
class CacheKeyHasher {
 public:
  explicit CacheKeyHasher(std::string_view identity);
  // CacheKey(identity, request_json).
  std::string Key(std::string_view request_json) const;

 private:
  Sha256 prefix_;  // identity and the NUL byte absorbed
};

class RequestCache {
 public:
  // Opens or creates the cache at `path` and records `identity`.
  static Result<std::unique_ptr<RequestCache>> Open(const std::string& path, const std::string& identity);

  // The stored answer for `key`; nullopt when there is none. Corrupt when
  // the stored JSON does not parse.
  Result<std::optional<Response>> Lookup(const std::string& key);

  struct Entry {  // all borrowed for the call
    std::string_view key;
    std::string_view request_json;
    const Response* response = nullptr;
  };
  // Stores `entries` in one transaction (an entry whose key is already
  // stored is left as it is); durable when this returns OK.
  Status Commit(const std::vector<Entry>& entries);

  // Answers stored for this cache's identity.
  Result<int64_t> Count();
  // Whether any answer is stored for this cache's identity.
  Result<bool> HasAnswers();

 private:
  RequestCache(std::unique_ptr<store::SqliteDb> db, std::string identity_sha)
      : db_(std::move(db)), identity_sha_(std::move(identity_sha)) {}
  std::unique_ptr<store::SqliteDb> db_;
  std::string identity_sha_;
  // Compiled on first use; destroyed before db_.
  std::optional<store::SqliteStatement> lookup_, insert_;
};

}  // namespace dokja::bench
