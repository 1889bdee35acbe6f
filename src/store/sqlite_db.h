// A thin RAII layer over SQLite for the folders that keep local state: the
// audit's fingerprint registry, the benchmark runner's request cache, and
// (later) the human-evaluation store. The only place that includes sqlite3.h.
//
// Durability: databases open in WAL mode with synchronous=FULL, so a
// committed transaction survives kill -9 and power loss; writers wait up to
// busy_timeout_ms for a lock instead of failing at once.
//
// Thread-safety: a SqliteDb and its statements belong to one thread at a time
// (SQLite's multi-thread mode). Open one SqliteDb per thread for concurrency.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dokja::store {

struct SqliteOptions {
  bool read_only = false;
  bool create_if_missing = true;
  int busy_timeout_ms = 10000;  // 10 s; concurrent writers queue up
  // Page size in bytes for a database this call creates (a power of two,
  // 512-65536); 0: SQLite's default (4096). Ignored for an existing file.
  int new_page_size = 0;
};

class SqliteStatement;

class SqliteDb {
 public:
  // Opens (or creates) the database at `path`; ":memory:" works for tests.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path,
                                                const SqliteOptions& options = {});
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more ';'-separated statements that return no rows.
  Status Exec(std::string_view sql);
  // Compiles one statement. The statement must not outlive this object.
  Result<SqliteStatement> Prepare(std::string_view sql);

  // BEGIN IMMEDIATE / COMMIT / ROLLBACK.
  Status Begin() { return Exec("BEGIN IMMEDIATE"); }
  Status Commit() { return Exec("COMMIT"); }
  Status Rollback() { return Exec("ROLLBACK"); }

  // Rows changed by the last INSERT/UPDATE/DELETE, and the last rowid.
  int64_t Changes() const;
  int64_t LastInsertRowId() const;
  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Error(std::string_view what) const;
  sqlite3* db_;
  std::string path_;
};

// A compiled statement. Bind indices are 1-based as in SQLite; column indices
// are 0-based.
class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, double value);
  // Text is copied by SQLite; the view need not outlive the call.
  SqliteStatement& Bind(int index, std::string_view text);
  // Text SQLite does not copy (for bulk inserts): it must stay unchanged
  // until the statement has run and been reset or rewound. Rewind keeps the
  // pointer: bind the index again before the next Step.
  SqliteStatement& BindUnowned(int index, std::string_view text);
  SqliteStatement& BindBlob(int index, const void* data, size_t n);
  // A blob SQLite does not copy, on BindUnowned's terms.
  SqliteStatement& BindBlobUnowned(int index, const void* data, size_t n);
  SqliteStatement& BindNull(int index);

  // Advances: true when a row is ready, false when done. Bind errors made
  // before the first Step are reported here.
  Result<bool> Step();
  // Step() until done, for statements without rows.
  Status Run();
  // Clears bindings and rewinds, ready to bind again.
  void Reset();
  // Rewinds and keeps the bindings: for a caller that binds every
  // parameter before each run (cheaper than Reset).
  void Rewind();

  int64_t ColumnInt64(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  std::string ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;
  // True when the column's value in the current row is an INTEGER.
  bool ColumnIsInteger(int col) const;
  // Columns in the statement's result (0 for statements without rows).
  int ColumnCount() const;

 private:
  friend class SqliteDb;
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_error_ = 0;  // first failing sqlite3_bind_* code
};

}  // namespace dokja::store
