#include "bench/cache.h"

#include <ctime>

#include "base/sha256.h"

namespace dokja::bench {
namespace {

// The index column: CacheKeyPrefix as a signed integer (SQLite's integers
// are signed).
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

// backends.n_answers counts the backend's rows (Commit adds what it
// inserted), so Count and HasAnswers need no index over answers.backend.
constexpr const char* kSchemaV2 =
    "CREATE TABLE backends(id INTEGER PRIMARY KEY, identity_sha256 TEXT NOT NULL UNIQUE,"
    " identity TEXT NOT NULL, n_answers INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE answers(id INTEGER PRIMARY KEY, key_prefix INTEGER NOT NULL, key BLOB NOT NULL,"
    " backend INTEGER NOT NULL, request TEXT NOT NULL, response TEXT NOT NULL,"
    " created_unix INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX answers_by_key_prefix ON answers(key_prefix);";

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

// Brings the file to format 2 (creating it, or converting format 1), in one
// transaction so that concurrent openers see one or the other.
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
    if (has_answers) {
      DOKJA_RETURN_IF_ERROR(ConvertFromFormat1(db).WithPrefix("converting the request cache to format 2"));
    } else {
      DOKJA_RETURN_IF_ERROR(db.Exec(kSchemaV2));
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

uint64_t CacheKeyPrefix(const CacheDigest& key) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | key[i];
  return v;
}

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
  const std::string sha = Sha256Hex(identity);
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement insert,
                         db->Prepare("INSERT OR IGNORE INTO backends(identity_sha256, identity) VALUES(?, ?)"));
  insert.Bind(1, std::string_view(sha)).Bind(2, std::string_view(identity));
  DOKJA_RETURN_IF_ERROR(insert.Run().WithPrefix(path));
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement id,
                         db->Prepare("SELECT id FROM backends WHERE identity_sha256 = ?"));
  id.Bind(1, std::string_view(sha));
  DOKJA_ASSIGN_OR_RETURN(bool row, id.Step());
  if (!row) return Status::Internal(path + ": backend row missing after insert");
  return std::unique_ptr<RequestCache>(new RequestCache(std::move(db), id.ColumnInt64(0)));
}

Result<std::optional<Response>> RequestCache::Lookup(const std::string& hex_key) {
  const std::optional<CacheDigest> d = ParseHexKey(hex_key);
  if (!d) return Status::InvalidArgument("not a cache key: '" + hex_key + "'");
  return Lookup(*d);
}

Result<std::optional<Response>> RequestCache::Lookup(const CacheDigest& key) {
  if (!lookup_) {
    DOKJA_ASSIGN_OR_RETURN(lookup_, db_->Prepare("SELECT key, response FROM answers WHERE key_prefix = ?"));
  }
  store::SqliteStatement& select = *lookup_;
  select.Reset();
  select.Bind(1, KeyPrefix(key));
  DOKJA_ASSIGN_OR_RETURN(bool row, select.Step());
  // Another key with the same 8-byte prefix (about n^2 / 2^65 odds) is not
  // this one's answer.
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

Status RequestCache::InsertRows(const Entry* e, size_t tier) {
  const size_t rows = kInsertSizes[tier];
  std::optional<store::SqliteStatement>& slot = insert_[tier];
  if (!slot) {
    std::string sql = "INSERT OR IGNORE INTO answers(key_prefix, key, backend, request, response, created_unix) VALUES";
    for (size_t r = 0; r < rows; ++r) sql += r == 0 ? "(?, ?, ?, ?, ?, ?)" : ",(?, ?, ?, ?, ?, ?)";
    DOKJA_ASSIGN_OR_RETURN(slot, db_->Prepare(sql));
  }
  store::SqliteStatement& insert = *slot;
  insert.Reset();
  json_.resize(kInsertSizes[0]);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (size_t r = 0; r < rows; ++r) {
    json_[r] = e[r].response->ToJson();
    const int b = static_cast<int>(6 * r);
    insert.Bind(b + 1, KeyPrefix(e[r].key)).BindBlob(b + 2, e[r].key.data(), e[r].key.size()).Bind(b + 3, backend_id_);
    insert.BindUnowned(b + 4, e[r].request_json).BindUnowned(b + 5, json_[r]).Bind(b + 6, now);
  }
  Status s = insert.Run();
  insert.Reset();
  if (s.ok()) inserted_ += db_->Changes();
  return s;
}

Status RequestCache::Commit(const std::vector<Entry>& entries) {
  if (entries.empty()) return Status::OK();
  DOKJA_RETURN_IF_ERROR(db_->Begin());
  Status status = [&]() -> Status {
    inserted_ = 0;
    size_t i = 0;
    for (size_t tier = 0; tier < kInsertStatements; ++tier) {
      for (; i + kInsertSizes[tier] <= entries.size(); i += kInsertSizes[tier]) {
        DOKJA_RETURN_IF_ERROR(InsertRows(&entries[i], tier));
      }
    }
    if (!count_) {
      DOKJA_ASSIGN_OR_RETURN(count_, db_->Prepare("UPDATE backends SET n_answers = n_answers + ? WHERE id = ?"));
    }
    count_->Reset();
    count_->Bind(1, inserted_).Bind(2, backend_id_);
    return count_->Run();
  }();
  if (!status.ok()) {
    (void)db_->Rollback();
    return status.WithPrefix(db_->path());
  }
  return db_->Commit().WithPrefix(db_->path());
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
