// The seam between the generic SQL store (sql_store.h) and a database driver
// (SQLite or PostgreSQL): run one statement with bound parameters, get rows
// of NULL / integer / text values back, and frame transactions.
//
// SQL text uses '?' placeholders, bound in order; drivers that need another
// spelling ($1, $2, ...) rewrite it. Statements never contain a literal '?'.
//
// Thread-safety: a SqlConn belongs to one thread at a time; ConnPool is
// thread-safe and hands each caller its own connection.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace dokja::store::internal {

// NULL, an integer, or text.
using SqlValue = std::variant<std::monostate, int64_t, std::string>;
using SqlRow = std::vector<SqlValue>;
using SqlRows = std::vector<SqlRow>;

enum class Dialect { kSqlite, kPostgres };

class SqlConn {
 public:
  virtual ~SqlConn() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement; rows it returns (SELECT, or ... RETURNING) come back.
  // A constraint violation is InvalidArgument; a lost server Unavailable.
  virtual Result<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  // Runs ';'-separated statements without parameters (migrations).
  virtual Status ExecScript(std::string_view sql) = 0;
  // A write transaction (SQLite: BEGIN IMMEDIATE, so it never has to upgrade
  // a read lock and deadlock).
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  // Best effort; also called after failures, so it reports nothing.
  virtual void Rollback() = 0;
  // False after the connection broke; the pool then drops it.
  virtual bool healthy() const { return true; }
};

// Parameter shorthands. IdOrNull maps 0 ("none") to NULL for optional keys.
inline SqlValue Int(int64_t v) { return SqlValue{v}; }
inline SqlValue Text(std::string_view v) { return SqlValue{std::string(v)}; }
inline SqlValue IdOrNull(int64_t v) { return v == 0 ? SqlValue{} : SqlValue{v}; }

// The value's integer, or 0 for NULL. REQUIRES: the value is not text.
int64_t AsInt(const SqlValue& value);
// The value's text, or "" for NULL.
std::string AsText(const SqlValue& value);

using ConnFactory = std::function<Result<std::unique_ptr<SqlConn>>()>;

// A bounded pool: Acquire() reuses an idle connection, opens a new one while
// fewer than `max_size` exist, and otherwise waits for a Release().
class ConnPool {
 public:
  ConnPool(ConnFactory factory, int32_t max_size)
      : factory_(std::move(factory)), max_size_(max_size < 1 ? 1 : max_size) {}
  ConnPool(const ConnPool&) = delete;
  ConnPool& operator=(const ConnPool&) = delete;

  Result<std::unique_ptr<SqlConn>> Acquire();
  // Returns a connection; an unhealthy one is closed instead of kept.
  void Release(std::unique_ptr<SqlConn> conn);

 private:
  ConnFactory factory_;
  const int32_t max_size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SqlConn>> idle_;  // guarded by mu_
  int32_t open_ = 0;                            // guarded by mu_
};

// A connection leased from a pool for one scope.
class PooledConn {
 public:
  PooledConn(ConnPool& pool, std::unique_ptr<SqlConn> conn) : pool_(pool), conn_(std::move(conn)) {}
  ~PooledConn() { pool_.Release(std::move(conn_)); }
  PooledConn(const PooledConn&) = delete;
  PooledConn& operator=(const PooledConn&) = delete;
  SqlConn& operator*() { return *conn_; }
  SqlConn* operator->() { return conn_.get(); }

 private:
  ConnPool& pool_;
  std::unique_ptr<SqlConn> conn_;
};

// Runs `body` inside Begin()/Commit(), rolling back when it or the commit
// fails. `body` returns Status.
Status InTransaction(SqlConn& conn, const std::function<Status()>& body);

}  // namespace dokja::store::internal
