// The PostgreSQL Store, for deployments that want a database server. Same
// schema and behaviour as the SQLite store (the same test suite runs against
// both); the only file that includes libpqxx.
//
// Thread-safety: thread-safe. Each concurrent caller gets its own server
// connection from a pool of at most StoreOptions::max_connections.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace dokja::store {

struct PostgresOptions {
  StoreOptions store;
  // Tables live in this schema (created if missing; [a-z0-9_] only). Empty:
  // the server's default search_path ("public"). Tests use one per case.
  std::string schema = "";
};

// Connects to `url` (a libpq URI "postgresql://user@host:port/db" or a
// "key=value" conninfo string) and migrates. Unavailable when the server
// does not answer; Unsupported when built without DOKJA_WITH_POSTGRES.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const PostgresOptions& options = {});

// Drops `schema` and everything in it (test cleanup).
Status DropPostgresSchema(const std::string& url, const std::string& schema);

}  // namespace dokja::store
