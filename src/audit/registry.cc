#include "audit/registry.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

namespace dokja::audit {
namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS entries (
  name TEXT PRIMARY KEY NOT NULL,
  source TEXT NOT NULL,
  licence TEXT NOT NULL,
  date TEXT NOT NULL,
  weights_path TEXT NOT NULL,
  n_params INTEGER NOT NULL,
  fingerprint BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS digests (
  name TEXT PRIMARY KEY NOT NULL,
  digest BLOB NOT NULL
);
PRAGMA user_version = 1;
)";

constexpr const char* kColumns = "name, source, licence, date, weights_path, n_params, length(fingerprint)";

std::string Today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

RegistryEntry EntryFromRow(const store::SqliteStatement& st) {
  RegistryEntry e;
  e.name = st.ColumnText(0);
  e.source = st.ColumnText(1);
  e.licence = st.ColumnText(2);
  e.date = st.ColumnText(3);
  e.weights_path = st.ColumnText(4);
  e.n_params = static_cast<uint64_t>(st.ColumnInt64(5));
  e.fingerprint_bytes = static_cast<uint64_t>(st.ColumnInt64(6));
  return e;
}

}  // namespace

std::string DefaultRegistryPath() {
  if (const char* env = std::getenv("DOKJA_REGISTRY"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/dokja/registry.db";
  }
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/dokja/registry.db";
}

Result<std::unique_ptr<Registry>> Registry::Open(const std::string& path) {
  if (path != ":memory:") {
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  }
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDb> db, store::SqliteDb::Open(path));
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement version, db->Prepare("PRAGMA user_version"));
  DOKJA_ASSIGN_OR_RETURN(bool has_row, version.Step());
  const int64_t v = has_row ? version.ColumnInt64(0) : 0;
  if (v > kSchemaVersion) {
    return Status::Corrupt(path + ": registry schema version " + std::to_string(v) +
                           " is newer than this dokja reads (" + std::to_string(kSchemaVersion) + ")");
  }
  DOKJA_RETURN_IF_ERROR(db->Exec(kSchema));
  // Screening reads every digest: map the file rather than copy it page by page.
  DOKJA_RETURN_IF_ERROR(db->Exec("PRAGMA mmap_size = 4294967296"));
  return std::unique_ptr<Registry>(new Registry(std::move(db)));
}

Status Registry::Add(RegistryEntry entry, const Fingerprint& fp) {
  if (entry.name.empty()) return Status::InvalidArgument("registry: an entry needs a name");
  if (entry.date.empty()) entry.date = Today();
  const std::string blob = SerializeFingerprint(fp);
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement exists, db_->Prepare("SELECT 1 FROM entries WHERE name = ?"));
  exists.Bind(1, entry.name);
  DOKJA_ASSIGN_OR_RETURN(bool found, exists.Step());
  if (found) {
    return Status::InvalidArgument("registry " + path() + ": an entry named '" + entry.name +
                                   "' already exists (remove it first)");
  }
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement st, db_->Prepare(
      "INSERT INTO entries (name, source, licence, date, weights_path, n_params, fingerprint) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, entry.name).Bind(2, entry.source).Bind(3, entry.licence).Bind(4, entry.date);
  st.Bind(5, entry.weights_path).Bind(6, static_cast<int64_t>(fp.n_params));
  st.BindBlob(7, blob.data(), blob.size());
  const std::string digest = SerializeFingerprint(ScreeningDigest(fp));
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement dst, db_->Prepare("INSERT INTO digests (name, digest) VALUES (?, ?)"));
  dst.Bind(1, entry.name);
  dst.BindBlob(2, digest.data(), digest.size());
  DOKJA_RETURN_IF_ERROR(db_->Begin());
  Status s = st.Run();
  if (s.ok()) s = dst.Run();
  if (!s.ok()) {
    (void)db_->Rollback();
    return s;
  }
  return db_->Commit();
}

Result<std::vector<RegistryEntry>> Registry::List() {
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement st,
                         db_->Prepare(std::string("SELECT ") + kColumns + " FROM entries ORDER BY name"));
  std::vector<RegistryEntry> out;
  while (true) {
    DOKJA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(EntryFromRow(st));
  }
  return out;
}

Result<std::pair<RegistryEntry, Fingerprint>> Registry::Get(const std::string& name) {
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement st,
                         db_->Prepare(std::string("SELECT ") + kColumns + ", fingerprint FROM entries WHERE name = ?"));
  st.Bind(1, name);
  DOKJA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("registry " + path() + ": no entry named '" + name + "'");
  RegistryEntry e = EntryFromRow(st);
  DOKJA_ASSIGN_OR_RETURN(Fingerprint fp, ParseFingerprint(st.ColumnBlob(7), path() + " entry '" + name + "'"));
  return std::make_pair(std::move(e), std::move(fp));
}

Status Registry::Remove(const std::string& name) {
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement st, db_->Prepare("DELETE FROM entries WHERE name = ?"));
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement dst, db_->Prepare("DELETE FROM digests WHERE name = ?"));
  st.Bind(1, name);
  dst.Bind(1, name);
  DOKJA_RETURN_IF_ERROR(db_->Begin());
  Status s = st.Run();
  const bool found = s.ok() && db_->Changes() > 0;
  if (s.ok()) s = dst.Run();
  if (!s.ok() || !found) {
    (void)db_->Rollback();
    return s.ok() ? Status::NotFound("registry " + path() + ": no entry named '" + name + "'") : s;
  }
  return db_->Commit();
}

Result<std::vector<std::pair<RegistryEntry, Fingerprint>>> Registry::LoadAll() {
  return Load("SELECT " + std::string(kColumns) + ", fingerprint FROM entries ORDER BY name", "fingerprint");
}

// The digests live in their own table: SQLite reaches a column by walking the
// row's payload, so a digest stored after the fingerprint would cost reading it.
Result<std::vector<std::pair<RegistryEntry, Fingerprint>>> Registry::LoadDigests() {
  return Load("SELECT name, source, licence, date, weights_path, n_params, length(fingerprint), "
              "(SELECT digest FROM digests d WHERE d.name = e.name) FROM entries e ORDER BY name",
              "digest");
}

Result<Screening> Registry::Screen(const Fingerprint& candidate, ScreenOptions options) {
  const auto t0 = std::chrono::steady_clock::now();
  DOKJA_ASSIGN_OR_RETURN(auto digests, LoadDigests());
  std::vector<ScreenTarget> targets;
  for (const auto& [entry, fp] : digests) targets.push_back({entry.name, entry.weights_path, &fp});
  if (options.n_entries == 0) options.n_entries = targets.size();
  Screening s = ScreenFingerprint(ScreeningDigest(candidate), targets, options);
  for (ScreenEntryResult& e : s.entries) {
    if (!WorthFullScreen(e)) continue;
    DOKJA_ASSIGN_OR_RETURN(auto full, Get(e.name));
    e = ScreenFingerprint(candidate, {{e.name, e.weights_path, &full.second}}, options).entries.at(0);
  }
  SortScreening(&s);
  s.registry = path();
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

Result<std::vector<std::pair<RegistryEntry, Fingerprint>>> Registry::Load(const std::string& sql,
                                                                         const char* column) {
  DOKJA_ASSIGN_OR_RETURN(store::SqliteStatement st, db_->Prepare(sql));
  std::vector<std::pair<RegistryEntry, Fingerprint>> out;
  std::vector<std::string> blobs;
  while (true) {
    DOKJA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.emplace_back(EntryFromRow(st), Fingerprint{});
    blobs.push_back(st.ColumnBlob(7));
  }
  // Parsing dominates for large registries; entries are independent.
  std::vector<Status> errors(out.size());
  ParallelFor(out.size(), [&](size_t i) {
    auto fp = ParseFingerprint(blobs[i], path() + " entry '" + out[i].first.name + "' (" + column + ")");
    if (fp.ok()) {
      out[i].second = std::move(fp).value();
    } else {
      errors[i] = fp.status();
    }
  });
  for (const Status& e : errors) DOKJA_RETURN_IF_ERROR(e);
  return out;
}

}  // namespace dokja::audit
