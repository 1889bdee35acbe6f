// Materials over loopback: what the admin may upload, who may download, and
// how the bytes are served (attachment, nosniff, sandboxed).
#include <filesystem>

#include "web/expert_test_util.h"

namespace dokja::web::testing {
namespace {

class ExpertMaterials : public ExpertTest {
 protected:
  Reply Upload(TestClient& c, int64_t team, const std::string& bytes, const std::string& type,
               const std::string& title) {
    return c.Send("POST", "/api/admin/teams/" + std::to_string(team) + "/materials", bytes, type,
                  {{"X-Title", title}});
  }
};

TEST_F(ExpertMaterials, OnlyListedTypesWithMatchingBytesAreAccepted) {
  ExpertWorld w = MakeWorld();
  auto admin = As("admin");
  const int64_t beta = w.teams["Beta"];
  // "기술 보고서" percent-encoded: headers are ASCII.
  Reply ok = Upload(*admin, beta, "%PDF-1.7 report", "application/pdf",
                    "%EA%B8%B0%EC%88%A0%20%EB%B3%B4%EA%B3%A0%EC%84%9C");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json["sha256"].get<std::string>().size(), 64u);
  EXPECT_TRUE(std::filesystem::exists(materials_dir_ + "/" + ok.json["sha256"].get<std::string>()));
  Reply listed = admin->Get("/api/admin/teams/" + std::to_string(beta) + "/materials");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json["materials"][0]["title"], "기술 보고서");

  EXPECT_EQ(Upload(*admin, beta, "<svg onload=alert(1)/>", "image/svg+xml", "x").status, 400);
  EXPECT_EQ(Upload(*admin, beta, "MZ\x90\x00", "application/pdf", "x").status, 400);
  EXPECT_EQ(Upload(*admin, beta, "{\"a\":", "application/json", "x").status, 400);
  EXPECT_EQ(Upload(*admin, beta, "log", "text/plain", "").status, 400) << "no title";
  Reply named = Upload(*admin, beta, "log", "text/plain", "beta training log");
  EXPECT_EQ(named.status, 400) << "a title with the team's real name";
  EXPECT_EQ(Upload(*admin, 9999, "log", "text/plain", "x").status, 404);
  EXPECT_EQ(Upload(*As("e3"), beta, "log", "text/plain", "x").status, 403);

  const std::string big(static_cast<size_t>(64 << 20) + 1, 'a');
  Reply too_big = Upload(*admin, beta, big, "text/plain", "big");
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(store().ListMaterials(beta).value().size(), 1u) << "only the first upload stored";
}

TEST_F(ExpertMaterials, DownloadsOnlyForAssignedExpertsAndAdminsAsAttachments) {
  ExpertWorld w = MakeWorld();
  auto admin = As("admin");
  Json rubric = CreateRubric(*admin, "R", {"report"});
  ASSERT_TRUE(store().AssignExpert(rubric["id"], w.experts["e3"], w.teams["Beta"], 1).ok());
  const std::string html = "<html><script>fetch('/api/me')</script>report</html>";
  Reply up = Upload(*admin, w.teams["Beta"], html, "text/html; charset=utf-8", "report");
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string path = "/api/expert/materials/" + std::to_string(up.json["id"].get<int64_t>());

  Reply got = As("e3")->Get(path);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.body, html);
  EXPECT_EQ(Header(got, "Content-Disposition").rfind("attachment;", 0), 0u)
      << Header(got, "Content-Disposition");
  EXPECT_NE(Header(got, "Content-Disposition").find("material-"), std::string::npos);
  EXPECT_EQ(Header(got, "X-Content-Type-Options"), "nosniff");
  EXPECT_NE(Header(got, "Content-Security-Policy").find("sandbox"), std::string::npos);

  EXPECT_EQ(As("e4")->Get(path).status, 404) << "e4 is not assigned to Team B";
  EXPECT_EQ(As("e4")->Get("/api/expert/materials/4242").status, 404);
  EXPECT_EQ(As("user1")->Get(path).status, 403);
  EXPECT_EQ(admin->Get(path).status, 200);
  TestClient anonymous(server_->port());
  EXPECT_EQ(anonymous.Get(path).status, 401);
}

}  // namespace
}  // namespace dokja::web::testing
