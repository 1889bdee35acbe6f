// The runner's durable request cache: SQLite, answers keyed by
// SHA-256(backend identity, request canonical JSON). An answer is on disk
// once Commit returns (WAL, synchronous=FULL), so it survives kill -9.
//
// Schema, format 3 (docs/formats/request_cache.md):
//   backends(id INTEGER PRIMARY KEY, identity_sha256 TEXT UNIQUE, identity TEXT,
//            n_answers INTEGER)
//   answers(id INTEGER PRIMARY KEY, key BLOB, backend INTEGER, request TEXT,
//           response TEXT, created_unix INTEGER)
//   answer_keys(first_id INTEGER PRIMARY KEY, backend INTEGER, prefixes BLOB)
// Rows are only appended, in commit order, and no index is written in
// random order: each commit adds one answer_keys row listing its answers'
// 8-byte key prefixes, and each RequestCache reads those into memory (its
// backend's only) to find answers by key. Format 1 and 2 files are
// converted in place on first open.
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
#include "bench/internal/key_index.h"
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
  static constexpr int kFormat = 3;
  // Multi-row INSERT statements Commit uses (of 128, 32, 8 and 1 rows).
  static constexpr size_t kInsertStatements = 4;

  // Opens or creates the cache at `path`, records `identity` and reads the
  // keys of its answers. A format 1 or 2 cache is converted (one
  // transaction; no answer is dropped). A file from a newer dokja (format >
  // kFormat) is refused.
  static Result<std::unique_ptr<RequestCache>> Open(const std::string& path, const std::string& identity);
  // Rolls back what was inserted and not committed.
  ~RequestCache() { Abandon(); }

  // The stored answer for `key`; nullopt when there is none. Corrupt when
  // the stored JSON does not parse. Sees answers other connections
  // committed since this one opened.
  Result<std::optional<Response>> Lookup(const CacheDigest& key);
  Result<std::optional<Response>> Lookup(const std::string& hex_key);

  struct Entry {  // borrowed for the call
    CacheDigest key;
    std::string_view request_json;
    const Response* response = nullptr;
  };
  // Stores `entries` in one transaction (an entry whose key is already
  // stored, by any connection, is left as it is); durable when this
  // returns OK.
  Status Commit(const std::vector<Entry>& entries);

  // Commit in two steps, for a writer that wants to spread the work of a
  // large transaction over time: Insert adds `entries` to an open
  // transaction (beginning one if none is open); nothing is durable, or
  // visible to other connections, until CommitInserted returns OK. On any
  // error the whole open transaction is rolled back: every entry inserted
  // since the last CommitInserted is gone.
  Status Insert(const std::vector<Entry>& entries);
  Status CommitInserted();  // OK at once when nothing is open

  // Answers stored for this cache's identity.
  Result<int64_t> Count();
  // Whether any answer is stored for this cache's identity.
  Result<bool> HasAnswers();

 private:
  RequestCache(std::unique_ptr<store::SqliteDb> db, int64_t backend_id)
      : db_(std::move(db)), backend_id_(backend_id) {}
  std::unique_ptr<store::SqliteDb> db_;
  int64_t backend_id_;  // backends.id of this cache's identity
  // Reads answer_keys rows past the last one read, when another connection
  // may have committed some (or always, with `force`).
  Status ReadNewKeys(bool force);
  // Inserts rows[0..n) with ids from next_id_ on, with insert statement
  // `tier` (a fixed number of rows each: kInsertSizes in cache.cc).
  Status InsertRows(const Entry* const* rows, size_t tier);
  // Rolls back the open transaction, if any.
  void Abandon();

  // Compiled on first use; destroyed before db_.
  std::optional<store::SqliteStatement> lookup_, insert_[kInsertStatements], count_, keys_, key_log_,
      data_version_, max_id_;
  internal::KeyIndex index_;     // this backend's answers: key prefix -> answers.id
  int64_t keys_read_through_ = 0;  // answer_keys.first_id of the last row read into index_
  int64_t data_version_seen_ = -1;  // PRAGMA data_version when keys were last read
  bool reread_keys_ = false;     // index_ holds rolled-back rows: read it again
  bool in_transaction_ = false;  // Insert began one; CommitInserted or Abandon ends it
  int64_t next_id_ = 0;          // in a transaction: the id the next row gets
  int64_t first_id_ = 0;         // in a transaction: the id of its first row
  std::string prefixes_;         // in a transaction: its rows' key prefixes, 8 bytes each
  std::vector<const Entry*> fresh_;  // Insert's scratch: entries not stored yet
  std::vector<std::string> json_;  // Insert's scratch: one response JSON per row of a statement
};

}  // namespace dokja::bench
