// dokja audit end to end: JSON on stdout, and the HTML report rendered by a
// real headless Chromium.
#include <gtest/gtest.h>

#include "run_command.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>

namespace {

using dokja::testing::RunResult;

RunResult Shell(const std::string& cmd) { return dokja::testing::RunCommand(cmd, false); }

const std::string kModel = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K";
const std::string kDokja = DOKJA_BINARY;

TEST(AuditCli, JsonReportNamesEveryComponentWithEvidence) {
  RunResult r = Shell(kDokja + " audit --json " + kModel + "/stories260K.gguf --against " + kModel + "/hf");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["not_original"].get<bool>());
  ASSERT_EQ(j["findings"].size(), 3u);
  for (const auto& f : j["findings"]) {
    EXPECT_EQ(f["verdict"], "COPIED") << f["component"];
    EXPECT_LT(f["log10_p"].get<double>(), -100);
  }
  const auto& ref = j["references"][0];
  EXPECT_EQ(ref["layer_map"]["mapped"], nlohmann::json::array({0, 1, 2, 3, 4}));
  EXPECT_NEAR(ref["norm_gains"]["raw_cosine"].get<double>(), 1.0, 1e-9);
}

TEST(AuditCli, MissingReferenceIsAUsageError) {
  EXPECT_EQ(Shell(kDokja + " audit " + kModel + "/hf").exit_code, 2);
  EXPECT_EQ(Shell(kDokja + " audit " + kModel + "/hf --against /nope").exit_code, 4);
}

TEST(AuditReport, RendersInHeadlessChromium) {
  if (std::system("command -v chromium > /dev/null 2>&1") != 0) {
    if (std::getenv("CI") != nullptr) FAIL() << "chromium is not installed (scripts/setup.sh installs it)";
    GTEST_SKIP() << "chromium not installed";
  }
  const std::string html = ::testing::TempDir() + "dokja_audit_report.html";
  RunResult r = Shell(kDokja + " audit " + kModel + "/stories260K.gguf --against " + kModel +
                      "/hf --html " + html);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string profile = ::testing::TempDir() + "dokja_chromium_profile";
  RunResult dom = Shell(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" + profile + " --dump-dom file://" + html);
  ASSERT_EQ(dom.exit_code, 0);
  // The rendered DOM (after parsing) holds the findings table with its badges,
  // the layer map SVG and the cosine lesson.
  EXPECT_NE(dom.out.find("id=\"findings\""), std::string::npos) << dom.out.substr(0, 500);
  EXPECT_NE(dom.out.find("class=\"badge copied\""), std::string::npos);
  EXPECT_NE(dom.out.find("<svg"), std::string::npos);
  EXPECT_NE(dom.out.find("Why raw cosine of norm gains is not evidence"), std::string::npos);
  EXPECT_NE(dom.out.find("</html>"), std::string::npos);
}

}  // namespace
