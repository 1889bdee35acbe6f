#include "store/postgres_store.h"

#include <pqxx/pqxx>

#include "store/internal/sql_store.h"

namespace dokja::store {
namespace {

using internal::SqlRow;
using internal::SqlRows;
using internal::SqlValue;

// PostgreSQL type OIDs we read back as integers: int8, int4, int2.
constexpr pqxx::oid kInt8Oid = 20;
constexpr pqxx::oid kInt4Oid = 23;
constexpr pqxx::oid kInt2Oid = 21;

// '?' placeholders become $1, $2, ... in order.
std::string Numbered(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (char ch : sql) {
    if (ch == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += ch;
    }
  }
  return out;
}

bool ValidSchemaName(const std::string& schema) {
  if (schema.empty() || schema.size() > 63) return false;
  for (char ch : schema) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  }
  return true;
}

class PgConn final : public internal::SqlConn {
 public:
  explicit PgConn(std::unique_ptr<pqxx::connection> conn) : conn_(std::move(conn)) {}
  internal::Dialect dialect() const override { return internal::Dialect::kPostgres; }
  bool healthy() const override { return healthy_; }

  Result<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& params) override {
    std::vector<std::string> texts(params.size());
    std::vector<const char*> args(params.size(), nullptr);  // nullptr binds NULL
    for (size_t i = 0; i < params.size(); ++i) {
      if (std::holds_alternative<std::monostate>(params[i])) continue;
      texts[i] = internal::AsText(params[i]);
      args[i] = texts[i].c_str();
    }
    try {
      pqxx::nontransaction tx(*conn_);
      pqxx::result result = tx.exec_params(Numbered(sql), pqxx::prepare::make_dynamic_params(args));
      return ReadRows(result);
    } catch (const std::exception& e) {
      return Failure(e, sql);
    }
  }

  Status ExecScript(std::string_view sql) override {
    try {
      pqxx::nontransaction tx(*conn_);
      tx.exec(std::string(sql));
      return Status::OK();
    } catch (const std::exception& e) {
      return Failure(e, sql.substr(0, 60));
    }
  }

  Status Begin() override { return ExecScript("BEGIN"); }
  Status Commit() override { return ExecScript("COMMIT"); }
  void Rollback() override { (void)ExecScript("ROLLBACK"); }

 private:
  static SqlRows ReadRows(const pqxx::result& result) {
    SqlRows rows;
    rows.reserve(result.size());
    for (const pqxx::row& r : result) {
      SqlRow row(r.size());
      for (pqxx::row::size_type col = 0; col < r.size(); ++col) {
        const pqxx::field f = r[col];
        if (f.is_null()) continue;
        const pqxx::oid type = f.type();
        if (type == kInt8Oid || type == kInt4Oid || type == kInt2Oid) {
          row[col] = f.as<int64_t>();
        } else {
          row[col] = std::string(f.c_str(), f.size());
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  // Turns a libpqxx exception into a Status; exceptions stop here.
  Status Failure(const std::exception& e, std::string_view sql) {
    std::string msg = "postgresql: " + std::string(e.what());
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    if (dynamic_cast<const pqxx::broken_connection*>(&e)) {
      healthy_ = false;
      return Status::Unavailable(msg);
    }
    if (dynamic_cast<const pqxx::integrity_constraint_violation*>(&e) ||
        dynamic_cast<const pqxx::data_exception*>(&e)) {
      return Status::InvalidArgument(msg);
    }
    if (dynamic_cast<const pqxx::transaction_rollback*>(&e)) return Status::Unavailable(msg);
    if (!conn_->is_open()) healthy_ = false;
    return Status::Internal(msg + " (in '" + std::string(sql.substr(0, 80)) + "')");
  }

  std::unique_ptr<pqxx::connection> conn_;
  bool healthy_ = true;
};

Result<std::unique_ptr<pqxx::connection>> Connect(const std::string& url) {
  try {
    return std::make_unique<pqxx::connection>(url);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return Status::Unavailable("postgresql: cannot connect: " + msg);
  }
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const PostgresOptions& options) {
  const std::string schema = options.schema;
  if (!schema.empty() && !ValidSchemaName(schema)) {
    return Status::InvalidArgument("postgresql: schema name '" + schema +
                                   "' must be 1-63 characters of [a-z0-9_]");
  }
  if (!schema.empty()) {
    // Once, before the pool exists: concurrent CREATE SCHEMA calls can race.
    // The name is checked above, so quoting it is enough.
    DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> raw, Connect(url));
    PgConn setup(std::move(raw));
    // CREATE SCHEMA IF NOT EXISTS is not safe against itself; queue on a lock.
    DOKJA_RETURN_IF_ERROR(
        setup.ExecScript("BEGIN; SELECT pg_advisory_xact_lock(6580334);"
                         " CREATE SCHEMA IF NOT EXISTS \"" +
                         schema +
                         "\";"
                         " COMMIT"));
  }
  auto factory = [url, schema]() -> Result<std::unique_ptr<internal::SqlConn>> {
    DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> raw, Connect(url));
    auto conn = std::make_unique<PgConn>(std::move(raw));
    if (!schema.empty()) {
      DOKJA_RETURN_IF_ERROR(conn->ExecScript("SET search_path TO \"" + schema + "\""));
    }
    return std::unique_ptr<internal::SqlConn>(std::move(conn));
  };
  return internal::OpenSqlStore("postgresql", std::move(factory), options.store.max_connections,
                                /*group_commit=*/false, 0);
}

Status DropPostgresSchema(const std::string& url, const std::string& schema) {
  if (!ValidSchemaName(schema)) {
    return Status::InvalidArgument("postgresql: bad schema name '" + schema + "'");
  }
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> raw, Connect(url));
  PgConn conn(std::move(raw));
  return conn.ExecScript("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
}

}  // namespace dokja::store
