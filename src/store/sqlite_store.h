// The SQLite Store: the embedded default. One database file in WAL mode with
// synchronous=FULL (a vote whose SubmitVote returned survives kill -9 and
// power loss); readers never block the writer, writers queue on the database
// lock (BEGIN IMMEDIATE, busy timeout 10 s).
//
// Thread-safety: thread-safe. Each concurrent caller gets its own connection
// from a pool of at most StoreOptions::max_connections.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace dokja::store {

// Opens or creates the database at `path` and migrates it. ":memory:" is
// refused: each pooled connection would see its own empty database.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const StoreOptions& options = {});

}  // namespace dokja::store
