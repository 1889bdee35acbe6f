#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace dokja::store {

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path,
                                                 const SqliteOptions& options) {
  // No allocation statistics (we never read them): with them on, every
  // SQLite allocation and free takes a global mutex. Takes effect only
  // before SQLite initializes, so once, before the first open.
  static const bool configured = [] { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK; }();
  (void)configured;
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (!options.read_only && options.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    if (rc == SQLITE_CANTOPEN) return Status::NotFound(path + ": cannot open database: " + msg);
    return Status::IOError(path + ": " + msg);
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  // A file that is not a database fails on its first read, so make one now.
  if (!options.read_only) {
    // Takes effect only while the file is still empty (before WAL mode
    // writes its first page).
    if (options.new_page_size > 0) {
      DOKJA_RETURN_IF_ERROR(db->Exec("PRAGMA page_size=" + std::to_string(options.new_page_size)));
    }
    DOKJA_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                   " PRAGMA foreign_keys=ON;"));
  } else {
    DOKJA_RETURN_IF_ERROR(db->Exec("SELECT count(*) FROM sqlite_master"));
  }
  return db;
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Status SqliteDb::Error(std::string_view what) const {
  int rc = sqlite3_extended_errcode(db_);
  std::string msg = path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_);
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corrupt(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg);
    case SQLITE_CONSTRAINT:
    case SQLITE_ERROR:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return Status::InvalidArgument(msg);
    default:
      return Status::IOError(msg);
  }
}

Status SqliteDb::Exec(std::string_view sql) {
  std::string owned(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) return Error("exec");
  return Status::OK();
}

Result<SqliteStatement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Error("prepare '" + std::string(sql.substr(0, 60)) + "'");
  }
  return SqliteStatement(db_, stmt);
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }
int64_t SqliteDb::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_error_(other.bind_error_) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = other.bind_error_;
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

namespace {
void Keep(int* first_error, int rc) {
  if (rc != SQLITE_OK && *first_error == 0) *first_error = rc;
}
}  // namespace

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  Keep(&bind_error_, sqlite3_bind_int64(stmt_, index, value));
  return *this;
}
SqliteStatement& SqliteStatement::Bind(int index, double value) {
  Keep(&bind_error_, sqlite3_bind_double(stmt_, index, value));
  return *this;
}
SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  Keep(&bind_error_, sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                         SQLITE_UTF8));
  return *this;
}
SqliteStatement& SqliteStatement::BindUnowned(int index, std::string_view text) {
  Keep(&bind_error_, sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8));
  return *this;
}
SqliteStatement& SqliteStatement::BindBlob(int index, const void* data, size_t n) {
  // A zero-length blob must still be a blob, not NULL.
  static const char kEmpty = 0;
  Keep(&bind_error_, sqlite3_bind_blob64(stmt_, index, n ? data : &kEmpty, n, SQLITE_TRANSIENT));
  return *this;
}
SqliteStatement& SqliteStatement::BindBlobUnowned(int index, const void* data, size_t n) {
  static const char kEmpty = 0;
  Keep(&bind_error_, sqlite3_bind_blob64(stmt_, index, n ? data : &kEmpty, n, SQLITE_STATIC));
  return *this;
}
SqliteStatement& SqliteStatement::BindNull(int index) {
  Keep(&bind_error_, sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> SqliteStatement::Step() {
  if (bind_error_ != 0) {
    return Status::InvalidArgument(std::string("sqlite bind: ") + sqlite3_errstr(bind_error_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string msg = std::string("sqlite step: ") + sqlite3_errmsg(db_);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return Status::InvalidArgument(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Status::Unavailable(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Status::Corrupt(msg);
    default: return Status::IOError(msg);
  }
}

Status SqliteStatement::Run() {
  while (true) {
    DOKJA_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::OK();
  }
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = 0;
}

void SqliteStatement::Rewind() {
  sqlite3_reset(stmt_);
  bind_error_ = 0;
}

int64_t SqliteStatement::ColumnInt64(int col) const { return sqlite3_column_int64(stmt_, col); }
double SqliteStatement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
std::string SqliteStatement::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}
std::string SqliteStatement::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}
bool SqliteStatement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

bool SqliteStatement::ColumnIsInteger(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_INTEGER;
}
int SqliteStatement::ColumnCount() const { return sqlite3_column_count(stmt_); }

}  // namespace dokja::store
