// RequestCache on its own: format 3 layout, the multi-row commit, key-prefix
// collisions, several connections on one file, conversion of format 1 and 2
// files, and files from a newer dokja.
#include "bench/cache.h"

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/sha256.h"
#include "store/sqlite_db.h"

namespace dokja::bench {
namespace {

std::string TempPath(const std::string& name) {
  const std::string path = ::testing::TempDir() + "/cache_test_" + std::to_string(::getpid()) + "_" + name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

Response Answer(const std::string& text) {
  Response r;
  r.text = text;
  r.finish_reason = "stop";
  r.n_tokens = static_cast<int32_t>(text.size());
  return r;
}

int64_t QueryInt(store::SqliteDb& db, const std::string& sql) {
  auto q = db.Prepare(sql);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  auto row = q->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return q->ColumnInt64(0);
}

// The cache at `path`, opened for `identity`, holds n answers: "<identity>
// i" to "request i" for each i < n (as the conversion tests wrote them).
void ExpectConvertedAnswers(const std::string& path, const std::string& identity, int n) {
  auto opened = RequestCache::Open(path, identity);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->Count().value(), n);
  for (int i = 0; i < n; ++i) {
    const std::string request = "request " + std::to_string(i);
    auto found = (*opened)->Lookup(CacheKeyHasher(identity).Digest(request));
    ASSERT_TRUE(found.ok() && found->has_value()) << identity << " " << i;
    EXPECT_EQ((*found)->text, identity + " " + std::to_string(i));
  }
}

// 70 entries: two full 32-row statements and 6 single-row ones. Every one
// reads back; committing them again changes nothing.
TEST(RequestCache, CommitsInMultiRowStatementsAndIgnoresRepeats) {
  const std::string path = TempPath("multi.db");
  const std::string identity = R"({"type":"test"})";
  auto cache = std::move(RequestCache::Open(path, identity)).value();
  const CacheKeyHasher keys(identity);
  std::vector<std::string> requests;
  std::vector<Response> answers;
  for (int i = 0; i < 70; ++i) {
    requests.push_back(R"({"context":"q)" + std::to_string(i) + R"("})");
    answers.push_back(Answer("a" + std::to_string(i)));
  }
  std::vector<RequestCache::Entry> entries;
  for (size_t i = 0; i < requests.size(); ++i) entries.push_back({keys.Digest(requests[i]), requests[i], &answers[i]});
  ASSERT_TRUE(cache->Commit(entries).ok());
  Response other = Answer("changed");
  for (RequestCache::Entry& e : entries) e.response = &other;
  ASSERT_TRUE(cache->Commit(entries).ok());
  EXPECT_EQ(cache->Count().value(), 70);
  for (size_t i = 0; i < requests.size(); ++i) {
    auto found = cache->Lookup(keys.Digest(requests[i]));
    ASSERT_TRUE(found.ok() && found->has_value()) << i;
    EXPECT_EQ((*found)->text, answers[i].text);
    auto by_hex = cache->Lookup(keys.Key(requests[i]));
    ASSERT_TRUE(by_hex.ok() && by_hex->has_value()) << i;
  }
  auto db = std::move(store::SqliteDb::Open(path)).value();
  EXPECT_EQ(QueryInt(*db, "PRAGMA user_version"), RequestCache::kFormat);
  EXPECT_EQ(QueryInt(*db, "PRAGMA page_size"), 16384);
  // The stored key is the digest's bytes; its hex is CacheKey.
  auto q = std::move(db->Prepare("SELECT lower(hex(key)) FROM answers ORDER BY id LIMIT 1")).value();
  ASSERT_TRUE(q.Step().value());
  EXPECT_EQ(q.ColumnText(0), keys.Key(requests[0]));
}

// A digest sharing the stored one's first 8 bytes (the indexed prefix) is
// another key: no answer, never the other key's.
TEST(RequestCache, SamePrefixOtherKeyIsAMiss) {
  const std::string path = TempPath("prefix.db");
  auto cache = std::move(RequestCache::Open(path, "id")).value();
  const CacheKeyHasher keys("id");
  const std::string request = "r";
  const Response answer = Answer("x");
  CacheDigest key = keys.Digest(request);
  ASSERT_TRUE(cache->Commit({{key, request, &answer}}).ok());
  CacheDigest twin = key;
  twin[31] ^= 1;
  auto found = cache->Lookup(twin);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  EXPECT_TRUE(cache->Lookup(key).value().has_value());
}

// Two connections on one file (two runs, or a run's writer and reader):
// each sees what the other committed, and neither stores a key twice.
TEST(RequestCache, ConnectionsSeeEachOthersCommitsAndStoreAKeyOnce) {
  const std::string path = TempPath("two.db");
  const std::string identity = R"({"type":"test"})";
  auto first = std::move(RequestCache::Open(path, identity)).value();
  auto second = std::move(RequestCache::Open(path, identity)).value();
  const CacheKeyHasher keys(identity);
  std::vector<std::string> requests;
  std::vector<Response> answers;
  for (int i = 0; i < 40; ++i) {
    requests.push_back("request " + std::to_string(i));
    answers.push_back(Answer("first " + std::to_string(i)));
  }
  std::vector<RequestCache::Entry> entries;
  for (size_t i = 0; i < 30; ++i) entries.push_back({keys.Digest(requests[i]), requests[i], &answers[i]});
  ASSERT_TRUE(first->Commit(entries).ok());
  // `second` opened before those commits; its lookups find them.
  auto found = second->Lookup(keys.Digest(requests[7]));
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status().ToString();
  EXPECT_EQ((*found)->text, "first 7");
  // `second` commits 10..39 with other answers: 10..29 are stored already.
  std::vector<Response> others;
  for (int i = 0; i < 40; ++i) others.push_back(Answer("second " + std::to_string(i)));
  entries.clear();
  for (size_t i = 10; i < 40; ++i) entries.push_back({keys.Digest(requests[i]), requests[i], &others[i]});
  ASSERT_TRUE(second->Commit(entries).ok());
  EXPECT_EQ(first->Count().value(), 40);
  for (size_t i = 0; i < 40; ++i) {
    for (RequestCache* c : {first.get(), second.get()}) {
      auto got = c->Lookup(keys.Digest(requests[i]));
      ASSERT_TRUE(got.ok() && got->has_value()) << i;
      EXPECT_EQ((*got)->text, (i < 30 ? "first " : "second ") + std::to_string(i));
    }
  }
  auto db = std::move(store::SqliteDb::Open(path)).value();
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM answers"), 40);
  EXPECT_EQ(QueryInt(*db, "SELECT count(DISTINCT key) FROM answers"), 40);
  EXPECT_EQ(QueryInt(*db, "SELECT sum(length(prefixes)) / 8 FROM answer_keys"), 40);
}

// Rows inserted and never committed are gone: after a rollback (here, the
// cache closing mid-transaction) neither this file nor a reopened cache has
// them, and committing them later stores them.
TEST(RequestCache, UncommittedInsertsAreNotStored) {
  const std::string path = TempPath("uncommitted.db");
  const CacheKeyHasher keys("id");
  const std::string a = "a", b = "b";
  const Response answer = Answer("x");
  {
    auto cache = std::move(RequestCache::Open(path, "id")).value();
    ASSERT_TRUE(cache->Commit({{keys.Digest(a), a, &answer}}).ok());
    ASSERT_TRUE(cache->Insert({{keys.Digest(b), b, &answer}}).ok());
    auto reader = std::move(RequestCache::Open(path, "id")).value();
    EXPECT_TRUE(reader->Lookup(keys.Digest(a)).value().has_value());
    EXPECT_FALSE(reader->Lookup(keys.Digest(b)).value().has_value());
  }
  auto cache = std::move(RequestCache::Open(path, "id")).value();
  EXPECT_EQ(cache->Count().value(), 1);
  EXPECT_FALSE(cache->Lookup(keys.Digest(b)).value().has_value());
  ASSERT_TRUE(cache->Commit({{keys.Digest(b), b, &answer}}).ok());
  EXPECT_TRUE(cache->Lookup(keys.Digest(b)).value().has_value());
  EXPECT_EQ(cache->Count().value(), 2);
}

TEST(RequestCache, MalformedHexKeyIsInvalidArgument) {
  auto cache = std::move(RequestCache::Open(TempPath("hex.db"), "id")).value();
  EXPECT_EQ(cache->Lookup(std::string("zz")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cache->Lookup(std::string(64, 'G')).status().code(), StatusCode::kInvalidArgument);
}

// A format 1 file (the layout before format 2: hex key as primary key,
// identity hash per row) is converted on open, every answer kept.
TEST(RequestCache, ConvertsFormat1WithoutLosingAnswers) {
  const std::string path = TempPath("v1.db");
  const std::string identity_a = R"({"model":"a"})", identity_b = R"({"model":"b"})";
  {
    auto db = std::move(store::SqliteDb::Open(path)).value();
    ASSERT_TRUE(db->Exec("CREATE TABLE backends(identity_sha256 TEXT PRIMARY KEY, identity TEXT NOT NULL);"
                         "CREATE TABLE answers(key TEXT PRIMARY KEY, identity_sha256 TEXT NOT NULL,"
                         " request TEXT NOT NULL, response TEXT NOT NULL, created_unix INTEGER NOT NULL);")
                    .ok());
    auto backend = std::move(db->Prepare("INSERT INTO backends VALUES(?, ?)")).value();
    auto answer = std::move(db->Prepare("INSERT INTO answers VALUES(?, ?, ?, ?, 1700000000)")).value();
    for (const std::string& identity : {identity_a, identity_b}) {
      const std::string sha = Sha256Hex(identity);
      backend.Reset();
      backend.Bind(1, std::string_view(sha)).Bind(2, std::string_view(identity));
      ASSERT_TRUE(backend.Run().ok());
      for (int i = 0; i < 40; ++i) {
        const std::string request = "request " + std::to_string(i);
        const std::string key = CacheKey(identity, std::string_view(request));
        const std::string response = Answer(identity + " " + std::to_string(i)).ToJson();
        answer.Reset();
        answer.Bind(1, std::string_view(key)).Bind(2, std::string_view(sha));
        answer.Bind(3, std::string_view(request)).Bind(4, std::string_view(response));
        ASSERT_TRUE(answer.Run().ok());
      }
    }
  }
  for (const std::string& identity : {identity_a, identity_b}) ExpectConvertedAnswers(path, identity, 40);
  auto db = std::move(store::SqliteDb::Open(path)).value();
  EXPECT_EQ(QueryInt(*db, "PRAGMA user_version"), RequestCache::kFormat);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%_v1'"), 0);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM answers"), 80);
  EXPECT_EQ(QueryInt(*db, "SELECT min(created_unix) FROM answers"), 1700000000);
}

// A format 2 file (a UNIQUE index over answers.key_prefix) is converted on
// open: every answer kept and found, the index and column gone.
TEST(RequestCache, ConvertsFormat2WithoutLosingAnswers) {
  const std::string path = TempPath("v2.db");
  const std::string identity_a = R"({"model":"a"})", identity_b = R"({"model":"b"})";
  {
    auto db = std::move(store::SqliteDb::Open(path)).value();
    ASSERT_TRUE(db->Exec("CREATE TABLE backends(id INTEGER PRIMARY KEY, identity_sha256 TEXT NOT NULL UNIQUE,"
                         " identity TEXT NOT NULL, n_answers INTEGER NOT NULL DEFAULT 0);"
                         "CREATE TABLE answers(id INTEGER PRIMARY KEY, key_prefix INTEGER NOT NULL, key BLOB NOT NULL,"
                         " backend INTEGER NOT NULL, request TEXT NOT NULL, response TEXT NOT NULL,"
                         " created_unix INTEGER NOT NULL);"
                         "CREATE UNIQUE INDEX answers_by_key_prefix ON answers(key_prefix);"
                         "PRAGMA user_version = 2;")
                    .ok());
    auto backend = std::move(db->Prepare("INSERT INTO backends(id, identity_sha256, identity, n_answers)"
                                         " VALUES(?, ?, ?, 25)")).value();
    auto answer = std::move(db->Prepare("INSERT INTO answers(id, key_prefix, key, backend, request, response,"
                                        " created_unix) VALUES(?, ?, ?, ?, ?, ?, 1700000000)")).value();
    // The two backends' answers interleave, with a gap in the ids.
    int64_t id = 1;
    for (int i = 0; i < 25; ++i) {
      for (int64_t b : {1, 2}) {
        const std::string& identity = b == 1 ? identity_a : identity_b;
        const std::string request = "request " + std::to_string(i);
        const CacheDigest key = CacheKeyHasher(identity).Digest(request);
        const std::string response = Answer(identity + " " + std::to_string(i)).ToJson();
        answer.Reset();
        answer.Bind(1, id).Bind(2, static_cast<int64_t>(CacheKeyPrefix(key))).BindBlob(3, key.data(), key.size());
        answer.Bind(4, b).Bind(5, std::string_view(request)).Bind(6, std::string_view(response));
        ASSERT_TRUE(answer.Run().ok());
        id += i == 12 && b == 2 ? 5 : 1;
      }
    }
    for (int64_t b : {1, 2}) {
      const std::string& identity = b == 1 ? identity_a : identity_b;
      const std::string sha = Sha256Hex(identity);
      backend.Reset();
      backend.Bind(1, b).Bind(2, std::string_view(sha)).Bind(3, std::string_view(identity));
      ASSERT_TRUE(backend.Run().ok());
    }
  }
  for (const std::string& identity : {identity_a, identity_b}) {
    ExpectConvertedAnswers(path, identity, 25);
    auto opened = RequestCache::Open(path, identity);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    // A new answer lands after the converted ones and is found again.
    const std::string request = "new";
    const Response answer = Answer("new answer");
    const CacheDigest key = CacheKeyHasher(identity).Digest(request);
    ASSERT_TRUE((*opened)->Commit({{key, request, &answer}}).ok());
    EXPECT_EQ((*opened)->Lookup(key).value()->text, "new answer");
  }
  auto db = std::move(store::SqliteDb::Open(path)).value();
  EXPECT_EQ(QueryInt(*db, "PRAGMA user_version"), RequestCache::kFormat);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM answers"), 52);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM sqlite_master WHERE name = 'answers_by_key_prefix'"), 0);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM pragma_table_info('answers') WHERE name = 'key_prefix'"), 0);
}

TEST(RequestCache, RefusesAFileFromANewerDokja) {
  const std::string path = TempPath("newer.db");
  {
    auto db = std::move(store::SqliteDb::Open(path)).value();
    ASSERT_TRUE(db->Exec("PRAGMA user_version = 99").ok());
  }
  auto opened = RequestCache::Open(path, "id");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(opened.status().message().find("newer dokja"), std::string::npos) << opened.status().ToString();
  EXPECT_NE(opened.status().message().find(path), std::string::npos) << opened.status().ToString();
}

}  // namespace
}  // namespace dokja::bench
