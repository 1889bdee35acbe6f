// `dokja backup`: a consistent copy of a store while the server keeps
// running.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace dokja::store {

struct BackupReport {
  std::string path;            // the copy
  int64_t bytes = 0;           // its size
  int64_t schema_version = 0;  // read back from the copy
  int64_t accounts = 0;        // rows in the copy's accounts table
};

// Copies the SQLite store named by `url` ("sqlite:PATH" or a bare PATH) to a
// new file `out_path` with VACUUM INTO: one read transaction, so the copy is
// a consistent snapshot even while others write (WAL readers do not block
// writers). Then reopens the copy read-only, runs PRAGMA integrity_check and
// reads its schema version. InvalidArgument when `out_path` exists, NotFound
// when the store file does not, Corrupt when the copy fails its check (the
// copy is removed), Unsupported for a PostgreSQL URL (use pg_dump).
Result<BackupReport> BackupStore(const std::string& url, const std::string& out_path);

}  // namespace dokja::store
