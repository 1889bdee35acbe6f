// The fixture the store suites share: one fresh store per test case, on
// SQLite (a temp file) or PostgreSQL (a fresh schema on the server named by
// DOKJA_TEST_POSTGRES_URL; skipped, visibly, when that is unset).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "store/store.h"

namespace dokja::store {

#define ASSERT_OK(expr)                                       \
  do {                                                        \
    const ::dokja::Status st_ = (expr);                       \
    ASSERT_TRUE(st_.ok()) << #expr << ": " << st_.ToString(); \
  } while (0)

// `lhs = value of expr`, failing the test when expr is not OK.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                    \
  auto DOKJA_CONCAT_(r_, __LINE__) = (expr);                               \
  ASSERT_TRUE(DOKJA_CONCAT_(r_, __LINE__).ok())                            \
      << #expr << ": " << DOKJA_CONCAT_(r_, __LINE__).status().ToString(); \
  lhs = std::move(DOKJA_CONCAT_(r_, __LINE__)).value()

inline std::string PostgresTestUrl() {
  const char* url = std::getenv("DOKJA_TEST_POSTGRES_URL");
  return url ? std::string(url) : std::string();
}

class StoreFixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const std::string unique = std::to_string(getpid()) + "_" + std::to_string(counter++);
    if (GetParam() == "postgresql") {
#ifndef DOKJA_HAVE_POSTGRES
      GTEST_SKIP() << "built with DOKJA_WITH_POSTGRES=OFF";
#endif
      url_ = PostgresTestUrl();
      if (url_.empty()) {
        GTEST_SKIP() << "DOKJA_TEST_POSTGRES_URL is unset; run under scripts/with_postgres.sh"
                        " to test the PostgreSQL store";
      }
      schema_ = "dokja_test_" + unique;
    } else {
      url_ = ::testing::TempDir() + "/store_test_" + unique + ".db";
      std::remove(url_.c_str());
    }
    Reopen();
  }

  void TearDown() override {
    store_.reset();
    if (!schema_.empty()) {
      Status st = DropPostgresSchema(url_, schema_);
      EXPECT_TRUE(st.ok()) << st.ToString();
    } else if (!url_.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((url_ + suffix).c_str());
    }
  }

  // Closes the store and opens the same database again.
  void Reopen() {
    store_.reset();
    Result<std::unique_ptr<Store>> opened = OpenAt(url_, schema_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  // A SQLite file (empty schema) or a PostgreSQL schema on the test server.
  static Result<std::unique_ptr<Store>> OpenAt(const std::string& url, const std::string& schema) {
    return schema.empty() ? OpenSqliteStore(url) : OpenPostgresStore(url, {{}, schema});
  }

  Store& store() { return *store_; }

 public:
  // For helpers outside the fixture.
  int64_t MakeAccountPublic(const std::string& name, Role role) { return MakeAccount(name, role); }

 protected:
  // A fresh account of `role` named `name`.
  int64_t MakeAccount(const std::string& name, Role role) {
    NewAccount a{name, "Name " + name, role, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", 0,
                 1000};
    Result<int64_t> id = store_->CreateAccount(a);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  std::string url_;
  std::string schema_;
  std::unique_ptr<Store> store_;
};

inline std::string BackendName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace dokja::store
