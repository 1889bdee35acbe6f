#include "store/sqlite_db.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace dokja::store {
namespace {

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/sqlite_db_test_" + std::to_string(getpid()) + "_" + name;
}

TEST(SqliteDbTest, RoundTripsTypedValuesAndBlobsWithNulBytes) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t(i INTEGER, d REAL, s TEXT, b BLOB, n TEXT)").ok());
  auto ins = (*db)->Prepare("INSERT INTO t VALUES(?,?,?,?,?)");
  ASSERT_TRUE(ins.ok());
  std::string blob("a\0b\xff", 4);
  ins->Bind(1, int64_t{-7}).Bind(2, 2.5).Bind(3, std::string_view("한국어")).BindBlob(4, blob.data(), blob.size()).BindNull(5);
  ASSERT_TRUE(ins->Run().ok());
  EXPECT_EQ((*db)->Changes(), 1);
  auto sel = (*db)->Prepare("SELECT i, d, s, b, n FROM t");
  ASSERT_TRUE(sel.ok());
  auto row = sel->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(sel->ColumnInt64(0), -7);
  EXPECT_EQ(sel->ColumnDouble(1), 2.5);
  EXPECT_EQ(sel->ColumnText(2), "한국어");
  EXPECT_EQ(sel->ColumnBlob(3), blob);
  EXPECT_TRUE(sel->ColumnIsNull(4));
  auto done = sel->Step();
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done);
}

TEST(SqliteDbTest, ConstraintViolationIsInvalidArgumentNotCrash) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t(k TEXT PRIMARY KEY)").ok());
  ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES('x')").ok());
  auto ins = (*db)->Prepare("INSERT INTO t VALUES(?)");
  ASSERT_TRUE(ins.ok());
  ins->Bind(1, std::string_view("x"));
  Status s = ins->Run();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
}

TEST(SqliteDbTest, BadSqlNamesTheStatement) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE(db.ok());
  auto st = (*db)->Prepare("SELEKT 1");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("SELEKT"), std::string::npos) << st.status().ToString();
}

TEST(SqliteDbTest, FileThatIsNotADatabaseIsCorrupt) {
  std::string path = TempPath("garbage.db");
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(4096, 'Z');
  }
  auto db = SqliteDb::Open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kCorrupt) << db.status().ToString();
  std::remove(path.c_str());
}

TEST(SqliteDbTest, RolledBackTransactionLeavesNoRowsAndCommittedOnesPersist) {
  std::string path = TempPath("tx.db");
  std::remove(path.c_str());
  {
    auto db = SqliteDb::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("CREATE TABLE t(v INTEGER)").ok());
    ASSERT_TRUE((*db)->Begin().ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES(1)").ok());
    ASSERT_TRUE((*db)->Rollback().ok());
    ASSERT_TRUE((*db)->Begin().ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES(2)").ok());
    ASSERT_TRUE((*db)->Commit().ok());
  }
  auto db = SqliteDb::Open(path, {.read_only = true});
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto sel = (*db)->Prepare("SELECT group_concat(v) FROM t");
  ASSERT_TRUE(sel.ok());
  ASSERT_TRUE(*sel->Step());
  EXPECT_EQ(sel->ColumnText(0), "2");
  std::remove(path.c_str());
}

TEST(SqliteDbTest, MissingFileReadOnlyIsNotFound) {
  auto db = SqliteDb::Open(TempPath("absent.db"), {.read_only = true});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kNotFound) << db.status().ToString();
}

}  // namespace
}  // namespace dokja::store
