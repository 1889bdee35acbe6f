// The runner's durable request cache: SQLite, answers keyed by
// SHA-256(backend identity, request canonical JSON). An answer is on disk
// once Commit returns (WAL, synchronous=FULL), so it survives kill -9.
//
// Schema, format 2 (docs/formats/request_cache.md):
//   backends(id INTEGER PRIMARY KEY, identity_sha256 TEXT UNIQUE, identity TEXT,
//            n_answers INTEGER)
//   answers(id INTEGER PRIMARY KEY, key_prefix INTEGER UNIQUE, key BLOB,
//           backend INTEGER, request TEXT, response TEXT, created_unix INTEGER)
// Rows are appended in commit order; the only random-order index is over
// 8-byte key prefixes, so a commit writes few pages. Format 1 files (key as
// the primary key) are converted in place on first open.
//
// Thread-safety: one thread at a time (it owns one SQLite connection). Open
// the same file twice for a reading thread and a writing thread (WAL lets
// readers run during a write).
#pragma once

#include <array>
#include <cstdint>
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

// A cache key as bytes: SHA-256(identity, NUL, request canonical JSON).
using CacheDigest = std::array<uint8_t, 32>;

// The key's first 8 bytes, big-endian: uniform (a SHA-256), so the runner
// hashes by it, and the cache indexes it (as a signed SQLite integer).
uint64_t CacheKeyPrefix(const CacheDigest& key);

// The cache key of `request` for a backend whose Identity() is `identity`:
// hex SHA-256 of identity, a NUL byte, and the request's canonical JSON.
std::string CacheKey(const std::string& identity, const Request& request);
// The same, from the request's CanonicalJson().
std::string CacheKey(const std::string& identity, std::string_view request_json);

// CacheKey for many requests to one backend: hashes the identity once.
// Thread-safe (the methods are const and copy the state they start from).
class CacheKeyHasher {
 public:
  explicit CacheKeyHasher(std::string_view identity);
  // The key's bytes.
  CacheDigest Digest(std::string_view request_json) const;
  // CacheKey(identity, request_json): the digest in hex.
  std::string Key(std::string_view request_json) const;

 private:
  Sha256 prefix_;  // identity and the NUL byte absorbed
};

class RequestCache {
 public:
  // The on-disk format this code writes (PRAGMA user_version).
  static constexpr int kFormat = 2;
  // Multi-row INSERT statements Commit uses (of 128, 32, 8 and 1 rows).
  static constexpr size_t kInsertStatements = 4;

  // Opens or creates the cache at `path` and records `identity`. A format 1
  // cache is converted (one transaction; no answer is dropped). A file from
  // a newer dokja (format > kFormat) is refused.
  static Result<std::unique_ptr<RequestCache>> Open(const std::string& path, const std::string& identity);

  // The stored answer for `key`; nullopt when there is none. Corrupt when
  // the stored JSON does not parse.
  Result<std::optional<Response>> Lookup(const CacheDigest& key);
  Result<std::optional<Response>> Lookup(const std::string& hex_key);

  struct Entry {  // borrowed for the call
    CacheDigest key;
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
  RequestCache(std::unique_ptr<store::SqliteDb> db, int64_t backend_id)
      : db_(std::move(db)), backend_id_(backend_id) {}
  std::unique_ptr<store::SqliteDb> db_;
  int64_t backend_id_;  // backends.id of this cache's identity
  // Inserts entries from `e` with insert statement `tier` (a fixed number
  // of rows each: kInsertSizes in cache.cc).
  Status InsertRows(const Entry* e, size_t tier);

  // Compiled on first use; destroyed before db_.
  std::optional<store::SqliteStatement> lookup_, insert_[kInsertStatements], count_;
  int64_t inserted_ = 0;  // rows the current Commit inserted
  std::vector<std::string> json_;  // Commit's scratch: one response JSON per row of a statement
};

}  // namespace dokja::bench
