#include "bench/cache.h"

#include <ctime>

#include "base/sha256.h"

namespace dokja::bench {
namespace {

// Format 2's index column: CacheKeyPrefix as a signed integer (SQLite's
// integers are signed); written only when converting format 1.
int64_t KeyPrefix(const CacheDigest& d) { return static_cast<int64_t>(CacheKeyPrefix(d)); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The digest a 64-character lowercase hex key spells; nullopt otherwise.
std::optional<CacheDigest> ParseHexKey(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  CacheDigest d;
  for (size_t i = 0; i < 32; ++i) {
    const int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return d;
}

// Format 2, the target of format 1's conversion (then converted to 3).
constexpr const char* kSchemaV2 =
    "CREATE TABLE backends(id INTEGER PRIMARY KEY, identity_sha256 TEXT NOT NULL UNIQUE,"
    " identity TEXT NOT NULL, n_answers INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE answers(id INTEGER PRIMARY KEY, key_prefix INTEGER NOT NULL, key BLOB NOT NULL,"
    " backend INTEGER NOT NULL, request TEXT NOT NULL, response TEXT NOT NULL,"
    " created_unix INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX answers_by_key_prefix ON answers(key_prefix);";

// backends.n_answers counts the backend's rows (Commit adds what it
// inserted), so Count and HasAnswers need no index over answers.backend.
// answer_keys: one row per commit (per run of consecutive ids of one
// backend, after a conversion): the 8-byte big-endian key prefixes of
// answers first_id, first_id + 1, ... in order. A new file gets both
// statements; converting format 2 adds answer_keys alone.
constexpr const char* kSchemaV3Answers =
    "CREATE TABLE backends(id INTEGER PRIMARY KEY, identity_sha256 TEXT NOT NULL UNIQUE,"
    " identity TEXT NOT NULL, n_answers INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE answers(id INTEGER PRIMARY KEY, key BLOB NOT NULL, backend INTEGER NOT NULL,"
    " request TEXT NOT NULL, response TEXT NOT NULL, created_unix INTEGER NOT NULL);";
constexpr const char* kSchemaV3AnswerKeys =
    "CREATE TABLE answer_keys(first_id INTEGER PRIMARY KEY, backend INTEGER NOT NULL, prefixes BLOB NOT NULL);";

// The big-endian integer in p[0..8): a key's prefix, from the key or from
// answer_keys.prefixes (which holds each key's first 8 bytes as they are).
uint64_t ReadPrefix(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

Result<int64_t> UserVersion(store::SqliteDb& db) {
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement q, db.Prepare("PRAGMA user_version"));
  DOKJA_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt64(0) : int64_t{0};
}

Result<bool> TableExists(store::SqliteDb& db, std::string_view name) {
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement q,
                         db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
  q.Bind(1, name);
  return q.Step();
}

// Format 1 (answers keyed by hex key TEXT PRIMARY KEY, identity hash per
// row) to format 2, inside the caller's transaction. Every row is copied.
Status ConvertFromFormat1(store::SqliteDb& db) {
  DOKJA_RETURN_IF_ERROR(db.Exec("ALTER TABLE answers RENAME TO answers_v1;"
                                "ALTER TABLE backends RENAME TO backends_v1;"));
  DOKJA_RETURN_IF_ERROR(db.Exec(kSchemaV2));
  DOKJA_RETURN_IF_ERROR(db.Exec(
      "INSERT INTO backends(identity_sha256, identity) SELECT identity_sha256, identity FROM backends_v1"
      " ORDER BY rowid;"
      "INSERT OR IGNORE INTO backends(identity_sha256, identity)"
      " SELECT DISTINCT identity_sha256, '' FROM answers_v1;"));
  DOKJA_ASSIGN_OR_RETURN(
      store::SqliteStatement select,
      db.Prepare("SELECT a.key, b.id, a.request, a.response, a.created_unix FROM answers_v1 a"
                 " JOIN backends b ON b.identity_sha256 = a.identity_sha256 ORDER BY a.rowid"));
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement insert,
                         db.Prepare("INSERT OR IGNORE INTO answers(key_prefix, key, backend, request, response,"
                                    " created_unix) VALUES(?, ?, ?, ?, ?, ?)"));
  while (true) {
    DOKJA_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    const std::string key = select.ColumnText(0);
    const std::optional<CacheDigest> digest = ParseHexKey(key);
    if (!digest) return Status::Corrupt("format 1 answer with a malformed key '" + key + "'");
    insert.Bind(1, KeyPrefix(*digest)).BindBlob(2, digest->data(), digest->size()).Bind(3, select.ColumnInt64(1));
    const std::string request = select.ColumnText(2), response = select.ColumnText(3);
    insert.Bind(4, std::string_view(request)).Bind(5, std::string_view(response)).Bind(6, select.ColumnInt64(4));
    DOKJA_RETURN_IF_ERROR(insert.Run());
    insert.Reset();
  }
  return db.Exec(
      "UPDATE backends SET n_answers = (SELECT count(*) FROM answers WHERE answers.backend = backends.id);"
      "DROP TABLE answers_v1; DROP TABLE backends_v1;");
}

// Format 2 (a UNIQUE index over answers.key_prefix) to format 3, inside
// the caller's transaction: the key prefixes move to answer_keys, one row
// per run of consecutive ids of one backend.
Status ConvertFromFormat2(store::SqliteDb& db) {
  DOKJA_RETURN_IF_ERROR(db.Exec(kSchemaV3AnswerKeys));
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement select,
                         db.Prepare("SELECT id, key, backend FROM answers ORDER BY id"));
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement insert,
                         db.Prepare("INSERT INTO answer_keys(first_id, backend, prefixes) VALUES(?, ?, ?)"));
  int64_t first = 0, next = 0, backend = 0;
  std::string prefixes;
  auto flush = [&]() -> Status {
    if (prefixes.empty()) return Status::OK();
    insert.Reset();
    insert.Bind(1, first).Bind(2, backend).BindBlob(3, prefixes.data(), prefixes.size());
    prefixes.clear();
    return insert.Run();
  };
  while (true) {
    DOKJA_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    const int64_t id = select.ColumnInt64(0), b = select.ColumnInt64(2);
    const std::string key = select.ColumnBlob(1);
    if (key.size() != 32) return Status::Corrupt("answer " + std::to_string(id) + " has a key of " +
                                                 std::to_string(key.size()) + " bytes, not 32");
    if (prefixes.empty() || id != next || b != backend || prefixes.size() >= 8 * 4096) {
      DOKJA_RETURN_IF_ERROR(flush());
      first = id;
      backend = b;
    }
    prefixes.append(key, 0, 8);
    next = id + 1;
  }
  DOKJA_RETURN_IF_ERROR(flush());
  return db.Exec("DROP INDEX answers_by_key_prefix; ALTER TABLE answers DROP COLUMN key_prefix;");
}

// Brings the file to format 3 (creating it, or converting format 1 or 2),
// in one transaction so that concurrent openers see one or the other.
Status EnsureSchema(store::SqliteDb& db) {
  DOKJA_ASSIGN_OR_RETURN(int64_t version, UserVersion(db));
  if (version == RequestCache::kFormat) return Status::OK();
  if (version > RequestCache::kFormat) {
    return Status::Unsupported("request cache format " + std::to_string(version) +
                               " was written by a newer dokja (this one reads formats 1-" +
                               std::to_string(RequestCache::kFormat) + ")");
  }
  DOKJA_RETURN_IF_ERROR(db.Begin());
  Status s = [&]() -> Status {
    DOKJA_ASSIGN_OR_RETURN(int64_t v, UserVersion(db));  // another opener may have won
    if (v == RequestCache::kFormat) return Status::OK();
    DOKJA_ASSIGN_OR_RETURN(bool has_answers, TableExists(db, "answers"));
    if (!has_answers) {
      DOKJA_RETURN_IF_ERROR(db.Exec(kSchemaV3Answers));
      DOKJA_RETURN_IF_ERROR(db.Exec(kSchemaV3AnswerKeys));
    } else {
      if (v < 2) {
        DOKJA_RETURN_IF_ERROR(ConvertFromFormat1(db).WithPrefix("converting the request cache to format 2"));
      }
      DOKJA_RETURN_IF_ERROR(ConvertFromFormat2(db).WithPrefix("converting the request cache to format 3"));
    }
    return db.Exec("PRAGMA user_version = " + std::to_string(RequestCache::kFormat));
  }();
  if (!s.ok()) {
    (void)db.Rollback();
    return s;
  }
  return db.Commit();
}

}  // namespace

uint64_t CacheKeyPrefix(const CacheDigest& key) { return ReadPrefix(key.data()); }

std::string CacheKey(const std::string& identity, const Request& request) {
  return CacheKey(identity, request.CanonicalJson());
}

std::string CacheKey(const std::string& identity, std::string_view request_json) {
  return CacheKeyHasher(identity).Key(request_json);
}

CacheKeyHasher::CacheKeyHasher(std::string_view identity) {
  prefix_.Update(identity);
  prefix_.Update(std::string_view("\0", 1));
}

CacheDigest CacheKeyHasher::Digest(std::string_view request_json) const {
  Sha256 sha = prefix_;
  sha.Update(request_json);
  return sha.Final();
}

std::string CacheKeyHasher::Key(std::string_view request_json) const {
  const CacheDigest d = Digest(request_json);
  return HexEncode(d.data(), d.size());
}

Result<std::unique_ptr<RequestCache>> RequestCache::Open(const std::string& path,
                                                         const std::string& identity) {
  store::SqliteOptions options;
  // 16 KiB pages: a commit appends about 250 B per answer and touches much
  // of the key index; 4 KiB pages cost a system call per 4 KiB written
  // (bench/runner_overhead --only cache: about 2.7 -> 1.9 us per answer).
  options.new_page_size = 16384;
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDb> db, store::SqliteDb::Open(path, options));
  DOKJA_RETURN_IF_ERROR(EnsureSchema(*db).WithPrefix(path));
  // Checkpoint (copy the WAL back into the file) every 64 pages, about one
  // 100 ms commit's worth at full speed: the runner's committer thread then
  // does it during the run, instead of the run's end waiting for the whole
  // WAL when the cache closes (closing after 20,000 answers: 10 ms -> 3 ms).
  DOKJA_RETURN_IF_ERROR(db->Exec("PRAGMA wal_autocheckpoint = 64"));
  // The backend's row, added when missing. Only a new backend writes here:
  // a run's writer holds the write lock for up to ~100 ms at a time, and
  // opening a cache to read should not wait for it.
  const std::string sha = Sha256Hex(identity);
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement id,
                         db->Prepare("SELECT id FROM backends WHERE identity_sha256 = ?"));
  id.Bind(1, std::string_view(sha));
  DOKJA_ASSIGN_OR_RETURN(bool row, id.Step());
  if (!row) {
    id.Reset();
    DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement insert,
                           db->Prepare("INSERT OR IGNORE INTO backends(identity_sha256, identity) VALUES(?, ?)"));
    insert.Bind(1, std::string_view(sha)).Bind(2, std::string_view(identity));
    DOKJA_RETURN_IF_ERROR(insert.Run().WithPrefix(path));
    id.Bind(1, std::string_view(sha));
    DOKJA_ASSIGN_OR_RETURN(row, id.Step());
  }
  if (!row) return Status::Internal(path + ": backend row missing after insert");
  std::unique_ptr<RequestCache> cache(new RequestCache(std::move(db), id.ColumnInt64(0)));
  DOKJA_RETURN_IF_ERROR(cache->ReadNewKeys(/*force=*/true).WithPrefix(path));
  return cache;
}

Status RequestCache::ReadNewKeys(bool force) {
  // PRAGMA data_version changes when another connection commits: without
  // a change there is nothing new to read.
  if (!data_version_) {
    DOKJA_ASSIGN_OR_RETURN(data_version_, db_->Prepare("PRAGMA data_version"));
  }
  data_version_->Rewind();
  DOKJA_ASSIGN_OR_RETURN(bool got, data_version_->Step());
  const int64_t version = got ? data_version_->ColumnInt64(0) : -1;
  data_version_->Rewind();
  if (reread_keys_) {
    index_.Clear();
    keys_read_through_ = 0;
    reread_keys_ = false;
    force = true;
  }
  if (!force && version == data_version_seen_) return Status::OK();
  data_version_seen_ = version;
  if (!keys_) {
    DOKJA_ASSIGN_OR_RETURN(keys_, db_->Prepare("SELECT first_id, prefixes FROM answer_keys"
                                               " WHERE first_id > ? AND backend = ? ORDER BY first_id"));
  }
  store::SqliteStatement& q = *keys_;
  q.Reset();
  q.Bind(1, keys_read_through_).Bind(2, backend_id_);
  while (true) {
    Result<bool> row = q.Step();
    if (!row.ok() || !*row) {
      q.Reset();
      return row.status();
    }
    const int64_t first = q.ColumnInt64(0);
    const std::string prefixes = q.ColumnBlob(1);
    if (prefixes.size() % 8 != 0) {
      q.Reset();
      return Status::Corrupt("answer_keys row " + std::to_string(first) + " holds " +
                             std::to_string(prefixes.size()) + " bytes, not a multiple of 8");
    }
    for (size_t j = 0; j < prefixes.size() / 8; ++j) {
      index_.Insert(ReadPrefix(reinterpret_cast<const unsigned char*>(prefixes.data()) + 8 * j),
                    first + static_cast<int64_t>(j));
    }
    keys_read_through_ = first;
  }
}

Result<std::optional<Response>> RequestCache::Lookup(const std::string& hex_key) {
  const std::optional<CacheDigest> d = ParseHexKey(hex_key);
  if (!d) return Status::InvalidArgument("not a cache key: '" + hex_key + "'");
  return Lookup(*d);
}

Result<std::optional<Response>> RequestCache::Lookup(const CacheDigest& key) {
  const uint64_t prefix = CacheKeyPrefix(key);
  int64_t id = reread_keys_ ? 0 : index_.Find(prefix);
  if (id == 0) {
    // Not among the answers read so far: another connection may have
    // committed it since.
    DOKJA_RETURN_IF_ERROR(ReadNewKeys(/*force=*/false).WithPrefix(db_->path()));
    id = index_.Find(prefix);
    if (id == 0) return std::optional<Response>();
  }
  if (!lookup_) {
    DOKJA_ASSIGN_OR_RETURN(lookup_, db_->Prepare("SELECT key, response FROM answers WHERE id = ?"));
  }
  store::SqliteStatement& select = *lookup_;
  select.Reset();
  select.Bind(1, id);
  DOKJA_ASSIGN_OR_RETURN(bool row, select.Step());
  // Another key with the same 8-byte prefix (about n^2 / 2^65 odds) is not
  // this one's answer; nor is a row someone deleted.
  if (!row || select.ColumnBlob(0) != std::string_view(reinterpret_cast<const char*>(key.data()), key.size())) {
    select.Reset();
    return std::optional<Response>();
  }
  Result<Response> r = Response::FromJson(select.ColumnText(1));
  select.Reset();
  if (!r.ok()) return r.status().WithPrefix(db_->path() + ": answer " + HexEncode(key.data(), key.size()));
  return std::optional<Response>(std::move(r).value());
}

// Rows per multi-row INSERT, largest first: one statement execution for
// 128 answers costs about 40% less per answer than 128 single-row ones
// (bench/runner_overhead --only cache), and the smaller sizes keep a
// batch's remainder off the single-row statement.
constexpr size_t kInsertSizes[RequestCache::kInsertStatements] = {128, 32, 8, 1};

Status RequestCache::InsertRows(const Entry* const* rows, size_t tier) {
  const size_t n = kInsertSizes[tier];
  std::optional<store::SqliteStatement>& slot = insert_[tier];
  if (!slot) {
    // The id is left to SQLite (the largest id + 1: this transaction's next
    // id, as it holds the write lock), which then appends without first
    // looking the id up (about 10% of Commit's instructions); checked below.
    std::string sql = "INSERT INTO answers(id, key, backend, request, response, created_unix) VALUES";
    for (size_t r = 0; r < n; ++r) sql += r == 0 ? "(NULL, ?, ?, ?, ?, ?)" : ",(NULL, ?, ?, ?, ?, ?)";
    DOKJA_ASSIGN_OR_RETURN(slot, db_->Prepare(sql));
  }
  store::SqliteStatement& insert = *slot;
  json_.resize(kInsertSizes[0]);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (size_t r = 0; r < n; ++r) {
    const Entry& e = *rows[r];
    json_[r].clear();  // keeps its buffer from the last statement
    e.response->AppendJson(json_[r]);
    const int b = static_cast<int>(5 * r);
    insert.BindBlobUnowned(b + 1, e.key.data(), e.key.size()).Bind(b + 2, backend_id_);
    insert.BindUnowned(b + 3, e.request_json).BindUnowned(b + 4, json_[r]).Bind(b + 5, now);
  }
  Status s = insert.Run();
  insert.Rewind();
  if (!s.ok()) return s;
  next_id_ += static_cast<int64_t>(n);
  if (db_->LastInsertRowId() != next_id_ - 1) {
    return Status::Corrupt("answers got ids up to " + std::to_string(db_->LastInsertRowId()) + ", expected up to " +
                           std::to_string(next_id_ - 1));
  }
  return Status::OK();
}

Status RequestCache::Insert(const std::vector<Entry>& entries) {
  if (entries.empty()) return Status::OK();
  Status s = [&]() -> Status {
    if (!in_transaction_) {
      DOKJA_RETURN_IF_ERROR(db_->Begin());
      in_transaction_ = true;
      // Holding the write lock: read what other writers committed (so no
      // key is stored twice), then number this transaction's rows after
      // the last row.
      DOKJA_RETURN_IF_ERROR(ReadNewKeys(/*force=*/false));
      if (!max_id_) {
        DOKJA_ASSIGN_OR_RETURN(max_id_, db_->Prepare("SELECT coalesce(max(id), 0) FROM answers"));
      }
      max_id_->Rewind();
      DOKJA_ASSIGN_OR_RETURN(bool row, max_id_->Step());
      next_id_ = first_id_ = (row ? max_id_->ColumnInt64(0) : 0) + 1;
      max_id_->Rewind();
      prefixes_.clear();
    }
    // Entries already stored, or repeated within `entries`, are skipped.
    fresh_.clear();
    for (const Entry& e : entries) {
      if (!index_.Insert(CacheKeyPrefix(e.key), next_id_ + static_cast<int64_t>(fresh_.size()))) continue;
      fresh_.push_back(&e);
      prefixes_.append(reinterpret_cast<const char*>(e.key.data()), 8);
    }
    size_t i = 0;
    for (size_t tier = 0; tier < kInsertStatements; ++tier) {
      for (; i + kInsertSizes[tier] <= fresh_.size(); i += kInsertSizes[tier]) {
        DOKJA_RETURN_IF_ERROR(InsertRows(&fresh_[i], tier));
      }
    }
    return Status::OK();
  }();
  if (!s.ok()) {
    Abandon();
    return s.WithPrefix(db_->path());
  }
  return Status::OK();
}

Status RequestCache::CommitInserted() {
  if (!in_transaction_) return Status::OK();
  Status status = [&]() -> Status {
    const int64_t inserted = next_id_ - first_id_;
    if (inserted > 0) {
      if (!key_log_) {
        DOKJA_ASSIGN_OR_RETURN(key_log_, db_->Prepare("INSERT INTO answer_keys(first_id, backend, prefixes) VALUES(?, ?, ?)"));
      }
      key_log_->Reset();
      key_log_->Bind(1, first_id_).Bind(2, backend_id_).BindBlobUnowned(3, prefixes_.data(), prefixes_.size());
      DOKJA_RETURN_IF_ERROR(key_log_->Run());
      if (!count_) {
        DOKJA_ASSIGN_OR_RETURN(count_, db_->Prepare("UPDATE backends SET n_answers = n_answers + ? WHERE id = ?"));
      }
      count_->Reset();
      count_->Bind(1, inserted).Bind(2, backend_id_);
      DOKJA_RETURN_IF_ERROR(count_->Run());
    }
    return db_->Commit();
  }();
  if (!status.ok()) {
    Abandon();
    return status.WithPrefix(db_->path());
  }
  in_transaction_ = false;
  if (next_id_ > first_id_) keys_read_through_ = first_id_;
  return Status::OK();
}

void RequestCache::Abandon() {
  if (!in_transaction_) return;
  (void)db_->Rollback();
  in_transaction_ = false;
  // index_ holds the rolled-back rows' keys.
  if (next_id_ > first_id_ || !prefixes_.empty()) reread_keys_ = true;
}

Status RequestCache::Commit(const std::vector<Entry>& entries) {
  DOKJA_RETURN_IF_ERROR(Insert(entries));
  return CommitInserted();
}

Result<int64_t> RequestCache::Count() {
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement count,
                         db_->Prepare("SELECT n_answers FROM backends WHERE id = ?"));
  count.Bind(1, backend_id_);
  DOKJA_ASSIGN_OR_RETURN(bool row, count.Step());
  return row ? count.ColumnInt64(0) : int64_t{0};
}

Result<bool> RequestCache::HasAnswers() {
  DOKJA_ASSIGN_OR_RETURN(int64_t n, Count());
  return n > 0;
}

}  // namespace dokja::bench
