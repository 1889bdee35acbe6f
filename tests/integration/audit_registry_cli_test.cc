// dokja fingerprint / registry / audit --registry end to end, through the binary.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "run_command.h"

namespace {

using dokja::testing::RunResult;

const std::string kFixtures = std::string(DOKJA_SOURCE_DIR) + "/tests/testdata/audit";
const std::string kDokja = DOKJA_BINARY;

RunResult Shell(const std::string& cmd) { return dokja::testing::RunCommand("env -u DOKJA_REGISTRY " + cmd); }

std::string Fresh(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/dokja_registry_cli_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(RegistryCli, AddListShowRemoveWithClearErrors) {
  const std::string dir = Fresh("crud");
  const std::string db = " --registry " + dir + "/r.db";
  ASSERT_EQ(Shell(kDokja + " fingerprint " + kFixtures + "/public_vit -o " + dir + "/vit.dfp").exit_code, 0);
  RunResult add = Shell(kDokja + " registry add vit " + dir + "/vit.dfp --source example.org --licence mit" + db);
  ASSERT_EQ(add.exit_code, 0) << add.out;
  ASSERT_EQ(Shell(kDokja + " registry" + db + " add base " + kFixtures + "/base_s1").exit_code, 0);
  RunResult dup = Shell(kDokja + " registry add vit " + dir + "/vit.dfp" + db);
  EXPECT_EQ(dup.exit_code, 3);
  EXPECT_NE(dup.out.find("already exists"), std::string::npos) << dup.out;
  RunResult list = Shell(kDokja + " registry list --json" + db);
  ASSERT_EQ(list.exit_code, 0) << list.out;
  const auto j = nlohmann::json::parse(list.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], "base");
  EXPECT_NE(j[0]["weights_path"].get<std::string>().find("base_s1"), std::string::npos);
  EXPECT_EQ(j[1]["weights_path"], "");  // added from a fingerprint: no weights
  EXPECT_EQ(j[1]["licence"], "mit");
  RunResult show = Shell(kDokja + " registry show vit --json" + db);
  ASSERT_EQ(show.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(show.out)["fingerprint"]["tensors"], 25);
  EXPECT_EQ(Shell(kDokja + " registry remove vit" + db).exit_code, 0);
  EXPECT_EQ(Shell(kDokja + " registry remove vit" + db).exit_code, 4);
  EXPECT_EQ(Shell(kDokja + " registry show vit" + db).exit_code, 4);
  EXPECT_EQ(Shell(kDokja + " registry" + db).exit_code, 2);  // no action
}

TEST(RegistryCli, ACorruptFingerprintFileIsRejected) {
  const std::string dir = Fresh("corrupt");
  ASSERT_EQ(Shell(kDokja + " fingerprint " + kFixtures + "/public_vit -o " + dir + "/vit.dfp").exit_code, 0);
  std::string bytes;
  {
    std::ifstream in(dir + "/vit.dfp", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes.resize(bytes.size() / 2);
  std::ofstream(dir + "/vit.dfp", std::ios::binary | std::ios::trunc) << bytes;
  RunResult r = Shell(kDokja + " registry add vit " + dir + "/vit.dfp --registry " + dir + "/r.db");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("Corrupt"), std::string::npos) << r.out;
}

TEST(AuditCli, ScreensTheRegistryThenComparesTheSuspectsInDepth) {
  const std::string dir = Fresh("audit");
  const std::string db = " --registry " + dir + "/r.db";
  for (const char* ref : {"base_s1", "base_s2", "base_s3", "public_vit"}) {
    ASSERT_EQ(Shell(kDokja + " registry add " + ref + " " + kFixtures + "/" + ref + db).exit_code, 0);
  }
  RunResult r = Shell(kDokja + " audit " + kFixtures + "/ft_short_s1 --json --html " + dir + "/r.html" + db);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["screening"]["n_entries"], 4);
  EXPECT_EQ(j["screening"]["suspects"], nlohmann::json::array({"base_s1"}));
  ASSERT_EQ(j["references"].size(), 1u);  // only the suspect is compared in depth
  EXPECT_NE(j["references"][0]["path"].get<std::string>().find("base_s1"), std::string::npos);
  EXPECT_TRUE(j["not_original"].get<bool>());
  for (const auto& f : j["findings"]) EXPECT_EQ(f["verdict"], "DERIVED") << f["component"];
  std::ifstream html(dir + "/r.html");
  const std::string page((std::istreambuf_iterator<char>(html)), {});
  EXPECT_NE(page.find("id=\"screening\""), std::string::npos);
  EXPECT_NE(page.find("SUSPECT"), std::string::npos);
}

TEST(AuditCli, ASuspectWithoutLocalWeightsIsReportedFromScreening) {
  const std::string dir = Fresh("noweights");
  ASSERT_EQ(Shell(kDokja + " fingerprint " + kFixtures + "/public_vit -o " + dir + "/vit.dfp").exit_code, 0);
  ASSERT_EQ(Shell(kDokja + " registry add vit " + dir + "/vit.dfp --registry " + dir + "/r.db").exit_code, 0);
  RunResult r = Shell(kDokja + " audit " + kFixtures + "/mm_frozen --json --registry " + dir + "/r.db");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["references"].size(), 0u);
  // Every component gets a verdict: the vision tower COPIED from screening
  // alone, the rest ORIGINAL (the vision-only entry has no counterpart).
  ASSERT_EQ(j["findings"].size(), 5u);
  int copied = 0;
  for (const auto& f : j["findings"]) {
    if (f["component"] == "vision[visual]") {
      ++copied;
      EXPECT_EQ(f["verdict"], "COPIED");
      EXPECT_EQ(f["reference"], "registry:vit");
    } else {
      EXPECT_EQ(f["verdict"], "ORIGINAL") << f["component"];
    }
  }
  EXPECT_EQ(copied, 1);
  EXPECT_TRUE(j["not_original"].get<bool>());
}

TEST(AuditCli, AnIndependentModelIsNotASuspect) {
  const std::string dir = Fresh("independent");
  ASSERT_EQ(Shell(kDokja + " registry add base_s1 " + kFixtures + "/base_s1 --registry " + dir + "/r.db").exit_code, 0);
  RunResult r = Shell(kDokja + " audit " + kFixtures + "/base_s2 --json --registry " + dir + "/r.db");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["screening"]["suspects"].empty());
  EXPECT_FALSE(j["not_original"].get<bool>());
  EXPECT_EQ(j["references"].size(), 0u);
  // Still a verdict per component, from screening.
  ASSERT_EQ(j["findings"].size(), 3u);
  for (const auto& f : j["findings"]) EXPECT_EQ(f["verdict"], "ORIGINAL") << f["component"];
}

}  // namespace
