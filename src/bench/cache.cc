#include "bench/cache.h"

#include <ctime>

#include "base/sha256.h"

namespace dokja::bench {

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

std::string CacheKeyHasher::Key(std::string_view request_json) const {
  Sha256 sha = prefix_;
  sha.Update(request_json);
  return sha.FinalHex();
}

Result<std::unique_ptr<RequestCache>> RequestCache::Open(const std::string& path,
                                                         const std::string& identity) {
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDb> db, store::SqliteDb::Open(path));
  DOKJA_RETURN_IF_ERROR(db->Exec(
      "CREATE TABLE IF NOT EXISTS backends(identity_sha256 TEXT PRIMARY KEY, identity TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS answers(key TEXT PRIMARY KEY, identity_sha256 TEXT NOT NULL,"
      " request TEXT NOT NULL, response TEXT NOT NULL, created_unix INTEGER NOT NULL);"));
  const std::string sha = Sha256Hex(identity);
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement insert,
                         db->Prepare("INSERT OR IGNORE INTO backends VALUES(?, ?)"));
  insert.Bind(1, std::string_view(sha)).Bind(2, std::string_view(identity));
  DOKJA_RETURN_IF_ERROR(insert.Run().WithPrefix(path));
  return std::unique_ptr<RequestCache>(new RequestCache(std::move(db), sha));
}

Result<std::optional<Response>> RequestCache::Lookup(const std::string& key) {
  if (!lookup_) {
    DOKJA_ASSIGN_OR_RETURN(lookup_, db_->Prepare("SELECT response FROM answers WHERE key = ?"));
  }
  store::SqliteStatement& select = *lookup_;
  select.Reset();
  select.Bind(1, std::string_view(key));
  DOKJA_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row) return std::optional<Response>();
  Result<Response> r = Response::FromJson(select.ColumnText(0));
  select.Reset();
  if (!r.ok()) return r.status().WithPrefix(db_->path() + ": answer " + key);
  return std::optional<Response>(std::move(r).value());
}

Status RequestCache::Commit(const std::vector<Entry>& entries) {
  if (entries.empty()) return Status::OK();
  DOKJA_RETURN_IF_ERROR(db_->Begin());
  Status status = [&]() -> Status {
    if (!insert_) {
      DOKJA_ASSIGN_OR_RETURN(insert_, db_->Prepare("INSERT OR IGNORE INTO answers VALUES(?, ?, ?, ?, ?)"));
    }
    store::SqliteStatement& insert = *insert_;
    insert.Reset();
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    for (const Entry& e : entries) {
      const std::string json = e.response->ToJson();
      insert.Bind(1, e.key).Bind(2, std::string_view(identity_sha_));
      insert.Bind(3, e.request_json).Bind(4, std::string_view(json)).Bind(5, now);
      DOKJA_RETURN_IF_ERROR(insert.Run());
      insert.Reset();
    }
    return Status::OK();
  }();
  if (!status.ok()) {
    (void)db_->Rollback();
    return status.WithPrefix(db_->path());
  }
  return db_->Commit().WithPrefix(db_->path());
}

Result<int64_t> RequestCache::Count() {
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement count,
                         db_->Prepare("SELECT COUNT(*) FROM answers WHERE identity_sha256 = ?"));
  count.Bind(1, std::string_view(identity_sha_));
  DOKJA_ASSIGN_OR_RETURN(bool row, count.Step());
  return row ? count.ColumnInt64(0) : int64_t{0};
}

Result<bool> RequestCache::HasAnswers() {
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement any,
                         db_->Prepare("SELECT 1 FROM answers WHERE identity_sha256 = ? LIMIT 1"));
  any.Bind(1, std::string_view(identity_sha_));
  return any.Step();
}

}  // namespace dokja::bench
