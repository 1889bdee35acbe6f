#include "store/sqlite_store.h"

#include <map>

#include "store/internal/sql_store.h"
#include "store/sqlite_db.h"

namespace dokja::store {
namespace {

using internal::SqlRow;
using internal::SqlRows;
using internal::SqlValue;

class SqliteConn final : public internal::SqlConn {
 public:
  explicit SqliteConn(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
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
  Status Begin() override { return db_->Begin(); }
  Status Commit() override { return db_->Commit(); }
  void Rollback() override { (void)db_->Rollback(); }

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
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const StoreOptions& options) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
    return Status::InvalidArgument("sqlite store: '" + path +
                                   "' is not a database file path (in-memory databases are"
                                   " per-connection and cannot back a pooled store)");
  }
  auto factory = [path]() -> Result<std::unique_ptr<internal::SqlConn>> {
    DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
    return std::unique_ptr<internal::SqlConn>(new SqliteConn(std::move(db)));
  };
  return internal::OpenSqlStore("sqlite", std::move(factory), options.max_connections, 0);
}

}  // namespace dokja::store
