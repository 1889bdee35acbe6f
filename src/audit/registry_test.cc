#include "audit/registry.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "io/env.h"

namespace dokja::audit {
namespace {

const std::string kFixtures = std::string(DOKJA_SOURCE_DIR) + "/tests/testdata/audit";

Fingerprint SmallFingerprint() {
  auto m = OpenModel(io::Env::Default(), kFixtures + "/public_vit");
  EXPECT_TRUE(m.ok());
  auto fp = ComputeFingerprint(*m);
  EXPECT_TRUE(fp.ok());
  return std::move(fp).value();
}

std::string FreshPath(const std::string& name) {
  const std::string path = ::testing::TempDir() + "/dokja_registry_" + name + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return path;
}

TEST(Registry, AddsListsShowsAndRemovesEntries) {
  const std::string path = FreshPath("crud");
  const Fingerprint fp = SmallFingerprint();
  {
    auto reg = Registry::Open(path);
    ASSERT_TRUE(reg.ok()) << reg.status().ToString();
    ASSERT_TRUE((*reg)->Add({"vit", "example.org/vit", "apache-2.0", "2026-01-02", "/w/vit"}, fp).ok());
    ASSERT_TRUE((*reg)->Add({"other", "x", "mit", "", ""}, fp).ok());
  }
  auto reg = Registry::Open(path);  // persisted
  ASSERT_TRUE(reg.ok());
  auto list = (*reg)->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "other");
  EXPECT_EQ((*list)[0].date.size(), 10u);  // defaulted to today
  EXPECT_EQ((*list)[1].licence, "apache-2.0");
  EXPECT_EQ((*list)[1].n_params, fp.n_params);
  auto got = (*reg)->Get("vit");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->first.weights_path, "/w/vit");
  EXPECT_EQ(SerializeFingerprint(got->second), SerializeFingerprint(fp));
  ASSERT_TRUE((*reg)->Remove("other").ok());
  auto all = (*reg)->LoadAll();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].first.name, "vit");
}

TEST(Registry, DuplicateAndMissingNamesAreClearErrors) {
  auto reg = Registry::Open(FreshPath("errors"));
  ASSERT_TRUE(reg.ok());
  const Fingerprint fp = SmallFingerprint();
  ASSERT_TRUE((*reg)->Add({"vit", "", "", "", ""}, fp).ok());
  Status dup = (*reg)->Add({"vit", "", "", "", ""}, fp);
  EXPECT_EQ(dup.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(dup.message().find("already exists"), std::string::npos) << dup.ToString();
  EXPECT_EQ((*reg)->Add({"", "", "", "", ""}, fp).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*reg)->Remove("nope").code(), StatusCode::kNotFound);
  EXPECT_EQ((*reg)->Get("nope").status().code(), StatusCode::kNotFound);
}

TEST(Registry, ADamagedFingerprintBlobIsReportedAsCorrupt) {
  const std::string path = FreshPath("damaged");
  {
    auto reg = Registry::Open(path);
    ASSERT_TRUE(reg.ok());
    ASSERT_TRUE((*reg)->Add({"vit", "", "", "", ""}, SmallFingerprint()).ok());
  }
  {
    auto db = store::SqliteDb::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("UPDATE entries SET fingerprint = substr(fingerprint, 1, 100)").ok());
  }
  auto reg = Registry::Open(path);
  ASSERT_TRUE(reg.ok());
  auto all = (*reg)->LoadAll();
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(all.status().message().find("'vit'"), std::string::npos) << all.status().ToString();
  EXPECT_TRUE((*reg)->List().ok());  // listing needs no fingerprint
}

TEST(Registry, ANewerSchemaIsRefused) {
  const std::string path = FreshPath("newer");
  {
    auto db = store::SqliteDb::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 7").ok());
  }
  auto reg = Registry::Open(path);
  ASSERT_FALSE(reg.ok());
  EXPECT_NE(reg.status().message().find("newer"), std::string::npos);
}

}  // namespace
}  // namespace dokja::audit
