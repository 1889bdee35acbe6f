// The local registry of reference fingerprints (SQLite): what screening
// checks a candidate against when the references' weights are not at hand.
//
// Table `entries`: name (unique), source, licence, date, an optional local
// path to the weights (for the deep comparison), and the fingerprint
// (docs/formats/fingerprint.md) as a blob; table `digests`: name and the
// screening digest (ScreeningDigest) in the same format. Schema version in
// PRAGMA user_version.
//
// Thread-compatible: one Registry per thread (store/sqlite_db.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "audit/fingerprint.h"
#include "audit/screen.h"
#include "base/status.h"
#include "store/sqlite_db.h"

namespace dokja::audit {

struct RegistryEntry {
  std::string name;
  std::string source;        // where the model came from (URL, organisation)
  std::string licence;
  std::string date;          // as given; defaults to today (UTC, YYYY-MM-DD)
  std::string weights_path;  // local weights, may be empty
  uint64_t n_params = 0;
  uint64_t fingerprint_bytes = 0;
};

class Registry final {
 public:
  // Opens or creates the registry at `path` (":memory:" for tests).
  static Result<std::unique_ptr<Registry>> Open(const std::string& path);

  // InvalidArgument when `entry.name` is empty or already registered.
  Status Add(RegistryEntry entry, const Fingerprint& fp);
  // Entries by name, without their fingerprints.
  Result<std::vector<RegistryEntry>> List();
  // NotFound when no entry has that name.
  Result<std::pair<RegistryEntry, Fingerprint>> Get(const std::string& name);
  Status Remove(const std::string& name);
  // Every entry with its fingerprint, by name; Corrupt names a damaged entry.
  Result<std::vector<std::pair<RegistryEntry, Fingerprint>>> LoadAll();
  // Every entry with its screening digest (ScreeningDigest), by name.
  Result<std::vector<std::pair<RegistryEntry, Fingerprint>>> LoadDigests();

  // Two-stage screening of `candidate` against every entry: the digests
  // first, then the full fingerprints of the entries WorthFullScreen picks
  // (their results replace the first stage's). Bonferroni over all entries;
  // `seconds` counts the loading too.
  Result<Screening> Screen(const Fingerprint& candidate, ScreenOptions options = {});

  const std::string& path() const { return db_->path(); }

 private:
  explicit Registry(std::unique_ptr<store::SqliteDb> db) : db_(std::move(db)) {}
  // Runs `sql` (entry columns, then a fingerprint blob) and parses the blob;
  // `column` names it in errors.
  Result<std::vector<std::pair<RegistryEntry, Fingerprint>>> Load(const std::string& sql, const char* column);
  std::unique_ptr<store::SqliteDb> db_;
};

// $DOKJA_REGISTRY, else $XDG_DATA_HOME/dokja/registry.db, else
// ~/.local/share/dokja/registry.db.
std::string DefaultRegistryPath();

}  // namespace dokja::audit
