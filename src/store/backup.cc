#include "store/backup.h"

#include <filesystem>

#include "store/sqlite_db.h"

namespace dokja::store {
namespace {

Result<std::string> SqlitePath(const std::string& url) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return Status::Unsupported(
        "backup of a PostgreSQL store: use pg_dump (e.g. pg_dump --format=custom --file=FILE URL);"
        " dokja backup copies SQLite stores");
  }
  if (url.rfind("sqlite:", 0) == 0) return url.substr(7);
  if (url.find("://") != std::string::npos) {
    return Status::InvalidArgument("store '" + url + "': expected sqlite:PATH or a file path");
  }
  return url;
}

// Opens the copy read-only and checks it: integrity, schema version, accounts.
Status Verify(BackupReport& report) {
  SqliteOptions read_only;
  read_only.read_only = true;
  DOKJA_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(report.path, read_only));
  DOKJA_ASSIGN_OR_RETURN(SqliteStatement check, db->Prepare("PRAGMA integrity_check"));
  DOKJA_ASSIGN_OR_RETURN(bool row, check.Step());
  if (!row || check.ColumnText(0) != "ok") {
    return Status::Corrupt(report.path + ": integrity check of the copy failed: " +
                           (row ? check.ColumnText(0) : std::string("no answer")));
  }
  DOKJA_ASSIGN_OR_RETURN(SqliteStatement version,
                         db->Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  DOKJA_ASSIGN_OR_RETURN(row, version.Step());
  report.schema_version = row ? version.ColumnInt64(0) : 0;
  if (report.schema_version < 1) {
    return Status::Corrupt(report.path + ": the copy has no schema version (not a dokja store?)");
  }
  DOKJA_ASSIGN_OR_RETURN(SqliteStatement accounts, db->Prepare("SELECT COUNT(*) FROM accounts"));
  DOKJA_ASSIGN_OR_RETURN(row, accounts.Step());
  report.accounts = row ? accounts.ColumnInt64(0) : 0;
  return Status::OK();
}

}  // namespace

Result<BackupReport> BackupStore(const std::string& url, const std::string& out_path) {
  DOKJA_ASSIGN_OR_RETURN(std::string path, SqlitePath(url));
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound(path + ": no such store file");
  if (out_path.empty()) return Status::InvalidArgument("backup: no output file given");
  if (std::filesystem::exists(out_path, ec)) {
    return Status::InvalidArgument(out_path + ": already exists; choose a new file");
  }
  SqliteOptions existing;
  existing.create_if_missing = false;
  DOKJA_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, existing));
  DOKJA_ASSIGN_OR_RETURN(SqliteStatement vacuum, db->Prepare("VACUUM INTO ?"));
  vacuum.Bind(1, std::string_view(out_path));
  if (Status st = vacuum.Run(); !st.ok()) return st.WithPrefix("backup to " + out_path);
  BackupReport report;
  report.path = out_path;
  report.bytes = static_cast<int64_t>(std::filesystem::file_size(out_path, ec));
  if (Status st = Verify(report); !st.ok()) {
    std::filesystem::remove(out_path, ec);
    return st;
  }
  return report;
}

}  // namespace dokja::store
