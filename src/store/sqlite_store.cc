#include "store/sqlite_store.h"

#include <map>
#include <mutex>

#include "store/internal/sql_store.h"
#include "store/sqlite_db.h"

namespace dokja::store {
namespace {

using internal::SqlRow;
using internal::SqlRows;
using internal::SqlValue;

class SqliteConn final : public internal::SqlConn {
 public:
  // `writer` is shared by every connection of one store (see writer_).
  SqliteConn(std::unique_ptr<SqliteDb> db, std::shared_ptr<std::mutex> writer)
      : db_(std::move(db)), writer_(std::move(writer)) {}
  internal::Dialect dialect() const override { return internal::Dialect::kSqlite; }

  Result<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& params) override {
    DOKJA_ASSIGN_OR_RETURN(SqliteStatement * stmt, Prepared(sql));
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      if (const int64_t* v = std::get_if<int64_t>(&params[i])) {
        stmt->Bind(index, *v);
      } else if (const std::string* s = std::get_if<std::string>(&params[i])) {
        stmt->Bind(index, std::string_view(*s));
      } else {
        stmt->BindNull(index);
      }
    }
    SqlRows rows;
    Status st;
    while (true) {
      Result<bool> more = stmt->Step();
      if (!more.ok()) st = more.status();
      if (!more.ok() || !*more) break;
      rows.push_back(ReadRow(*stmt));
    }
    // Always rewind: a statement left mid-way would pin a read snapshot.
    stmt->Reset();
    if (!st.ok()) return st;
    return rows;
  }

  Status ExecScript(std::string_view sql) override { return db_->Exec(sql); }
  // Write transactions of this store take turns on writer_ before BEGIN
  // IMMEDIATE: SQLite's busy handler polls with sleeps of up to 100 ms, so
  // 64 threads contending for the database lock would mostly sleep. Other
  // processes writing the same file still queue through the busy timeout.
  Status Begin() override {
    std::unique_lock<std::mutex> lock(*writer_);
    DOKJA_RETURN_IF_ERROR(db_->Begin());
    writer_lock_ = std::move(lock);
    return Status::OK();
  }
  Status Commit() override {
    Status st = db_->Commit();
    if (st.ok() && writer_lock_.owns_lock()) writer_lock_.unlock();
    return st;  // on failure the caller rolls back, which unlocks
  }
  void Rollback() override {
    (void)db_->Rollback();
    if (writer_lock_.owns_lock()) writer_lock_.unlock();
  }

 private:
  static SqlRow ReadRow(const SqliteStatement& stmt) {
    SqlRow row(static_cast<size_t>(stmt.ColumnCount()));
    for (int col = 0; col < stmt.ColumnCount(); ++col) {
      if (stmt.ColumnIsNull(col)) continue;
      if (stmt.ColumnIsInteger(col)) {
        row[static_cast<size_t>(col)] = stmt.ColumnInt64(col);
      } else {
        row[static_cast<size_t>(col)] = stmt.ColumnText(col);
      }
    }
    return row;
  }

  // The compiled statement for `sql`, cached for the connection's lifetime
  // (the store issues a fixed set of statements).
  Result<SqliteStatement*> Prepared(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return &it->second;
    DOKJA_ASSIGN_OR_RETURN(SqliteStatement stmt, db_->Prepare(sql));
    auto [pos, inserted] = cache_.emplace(std::string(sql), std::move(stmt));
    (void)inserted;
    return &pos->second;
  }

  // Declared before cache_: statements are finalised before the database closes.
  std::unique_ptr<SqliteDb> db_;
  std::map<std::string, SqliteStatement, std::less<>> cache_;
  // Shared with the store's other connections: one writer at a time.
  std::shared_ptr<std::mutex> writer_;
  // Held from Begin() to Commit() / Rollback().
  std::unique_lock<std::mutex> writer_lock_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const StoreOptions& options) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
    return Status::InvalidArgument("sqlite store: '" + path +
                                   "' is not a database file path (in-memory databases are"
                                   " per-connection and cannot back a pooled store)");
  }
  auto writer = std::make_shared<std::mutex>();
  auto factory = [path, writer]() -> Result<std::unique_ptr<internal::SqlConn>> {
    DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
    return std::unique_ptr<internal::SqlConn>(new SqliteConn(std::move(db), writer));
  };
  return internal::OpenSqlStore("sqlite", std::move(factory), options.max_connections,
                                /*group_commit=*/true, 0);
}

}  // namespace dokja::store
