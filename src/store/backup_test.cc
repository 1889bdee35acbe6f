// dokja backup's store side: a consistent, verified copy of a live SQLite
// store, and clear refusals.
#include "store/backup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "store/store.h"

namespace dokja::store {
namespace {

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/backup_test_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static NewAccount Account(const std::string& name) {
    return {name, name, Role::kUser, "$argon2id$fake", 0, 1};
  }

  std::string dir_;
};

TEST_F(BackupTest, CopyReopensWithTheSameRows) {
  const std::string db = dir_ + "/live.db";
  auto store = OpenStore("sqlite:" + db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*store)->CreateAccount(Account("u" + std::to_string(i))).ok());
  ASSERT_TRUE((*store)->CreateOrganisation("x' OR '1'='1").ok());
  const std::string out = dir_ + "/copy.db";
  auto report = BackupStore("sqlite:" + db, out);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->accounts, 20);
  EXPECT_GE(report->schema_version, 1);
  EXPECT_GT(report->bytes, 0);
  auto copy = OpenStore(out);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  auto accounts = (*copy)->ListAccounts(std::nullopt);
  ASSERT_TRUE(accounts.ok());
  ASSERT_EQ(accounts->size(), 20u);
  EXPECT_EQ((*accounts)[7].username, "u7");
  auto orgs = (*copy)->ListOrganisations();
  ASSERT_TRUE(orgs.ok());
  ASSERT_EQ(orgs->size(), 1u);
  EXPECT_EQ((*orgs)[0].name, "x' OR '1'='1");
}

TEST_F(BackupTest, CopyWhileWritersRunIsConsistent) {
  const std::string db = dir_ + "/live.db";
  auto store = OpenStore("sqlite:" + db);
  ASSERT_TRUE(store.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      if ((*store)->CreateAccount(Account("w" + std::to_string(i))).ok()) ++written;
    }
  });
  while (written < 50) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto report = BackupStore(db, dir_ + "/copy.db");
  stop = true;
  writer.join();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GE(report->accounts, 50);
  EXPECT_LE(report->accounts, written.load());
}

TEST_F(BackupTest, RefusesExistingOutputMissingStoreAndPostgres) {
  const std::string db = dir_ + "/live.db";
  ASSERT_TRUE(OpenStore(db).ok());
  const std::string out = dir_ + "/exists.db";
  std::FILE* f = std::fopen(out.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_EQ(BackupStore(db, out).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BackupStore(dir_ + "/missing.db", dir_ + "/b.db").status().code(),
            StatusCode::kNotFound);
  auto pg = BackupStore("postgresql://localhost/dokja", dir_ + "/c.db");
  EXPECT_EQ(pg.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(pg.status().message().find("pg_dump"), std::string::npos);
}

}  // namespace
}  // namespace dokja::store
