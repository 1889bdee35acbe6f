// An expert scores an assignment in the browser: materials, rubric in both
// languages, a draft that survives a reload, the incomplete-submit warning,
// the confirmation, the final submit — and an XSS comment shown as text.
#include <filesystem>

#include "web/browser_test_util.h"

namespace dokja::web::testing {
namespace {

constexpr const char* kXss = "<img src=x onerror=alert(1)>";

class BrowserExpertTest : public BrowserTest {
 protected:
  std::pair<std::string, std::string> RequiredRoute() override { return {"POST", "/api/rubrics"}; }

  WebOptions Options() override {
    WebOptions options;
    options.materials_dir = ::testing::TempDir() + "dokja_browser_materials";
    std::filesystem::remove_all(options.materials_dir);
    return options;
  }

  // One team, one expert, a two-criterion rubric, one assignment and one
  // uploaded report; returns the rubric JSON.
  Json MakeAssignment() {
    store::Store& store = server_->app().store();
    auto team = store.CreateTeam({0, "Real Team Name", "Team A", {}});
    EXPECT_TRUE(team.ok());
    server_->CreateAccount("agency", store::Role::kAdmin);
    server_->CreateAccount("exp1", store::Role::kExpert);
    TestClient admin(server_->port());
    EXPECT_EQ(admin.Login("agency").status, 200);
    Json criteria = Json::array(
        {{{"key", "originality"}, {"name_ko", "독창성"}, {"name_en", "Originality"},
          {"description_ko", "자체 개발 정도"}, {"description_en", "How much is built in-house"},
          {"scale_min", 1}, {"scale_max", 5}},
         {{"key", "report"}, {"name_ko", "보고서 품질"}, {"name_en", "Report quality"},
          {"description_ko", "기술 보고서의 충실성"}, {"description_en", "Completeness of the report"},
          {"scale_min", 1}, {"scale_max", 5}}});
    Reply rubric = admin.Post("/api/rubrics", {{"name", "Stage 2 rubric"}, {"criteria", criteria}});
    EXPECT_EQ(rubric.status, 200) << rubric.body;
    Reply upload = admin.Send("POST", "/api/admin/teams/" + std::to_string(team.value()) + "/materials",
                              "<h1>report</h1>", "text/html", {{"X-Title", "Technical report"}});
    EXPECT_EQ(upload.status, 200) << upload.body;
    Reply assigned = admin.Post("/api/admin/assignments",
                                {{"rubric_id", rubric.json["id"]}, {"per_team", 1}});
    EXPECT_EQ(assigned.status, 200) << assigned.body;
    return rubric.json;
  }

  std::string Radio(const Json& criterion, int value) {
    return "input[name='score-" + std::to_string(criterion["id"].get<int64_t>()) + "'][value='" +
           std::to_string(value) + "']";
  }
};

TEST_F(BrowserExpertTest, ScoresSavesADraftAndSubmitsOnce) {
  Json rubric = MakeAssignment();
  ASSERT_EQ(rubric["criteria"].size(), 2u);
  const Json& first = rubric["criteria"][0];
  const Json& second = rubric["criteria"][1];
  SignIn("exp1");
  ASSERT_TRUE(driver_->WaitUntil("location.hash === '#/expert'").ok());
  EXPECT_NE(TextOf("#assignments").find("Team A"), std::string::npos);
  EXPECT_EQ(TextOf("#assignments").find("Real Team Name"), std::string::npos);
  Shot("expert_assignments");
  Click("#assignments a");
  ASSERT_TRUE(driver_->WaitFor("#score-form").ok());
  EXPECT_EQ(TextOf("#materials a"), "Technical report");
  EXPECT_NE(TextOf("#score-form").find("Originality"), std::string::npos);
  EXPECT_NE(TextOf("#score-form").find("How much is built in-house"), std::string::npos);

  // A draft with one criterion and a hostile comment survives a reload.
  Click(Radio(first, 4));
  Type("#comment-" + std::to_string(first["id"].get<int64_t>()), kXss);
  Click("#save-draft");
  ASSERT_TRUE(driver_->WaitUntil("document.getElementById('score-note').textContent === 'Draft saved.'").ok());
  ASSERT_TRUE(driver_->Execute("location.reload();").ok());
  ASSERT_TRUE(driver_->WaitFor("#score-form").ok());
  auto checked = driver_->Find(Radio(first, 4));
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(*driver_->Property(*checked, "checked"), true);
  auto comment = driver_->Find("#comment-" + std::to_string(first["id"].get<int64_t>()));
  ASSERT_TRUE(comment.ok());
  EXPECT_EQ(*driver_->Property(*comment, "value"), kXss);
  EXPECT_EQ(Js("return document.querySelectorAll('#view img').length;"), 0);

  // Submitting with a criterion unscored is refused in the page.
  Click("#submit-scores");
  ASSERT_TRUE(driver_->WaitUntil("document.getElementById('status').textContent.length > 0").ok());
  EXPECT_EQ(TextOf("#status"), "Score every criterion before submitting.");
  EXPECT_EQ(Js("return document.getElementById('submit-confirm').hidden;"), true);

  Click(Radio(second, 2));
  Click("#submit-scores");
  ASSERT_TRUE(driver_->WaitFor("#submit-confirm").ok());
  Shot("expert_confirm_submit");
  Click("#confirm-yes");
  ASSERT_TRUE(driver_->WaitUntil(
      "document.getElementById('score-note').textContent.startsWith('Submitted')").ok());
  EXPECT_EQ(Js("return Array.from(document.querySelectorAll('#score-form input')).every(i => i.disabled);"),
            true);
  Shot("expert_submitted");

  // The store has exactly what the page showed, submitted.
  TestClient expert(server_->port());
  ASSERT_EQ(expert.Login("exp1").status, 200);
  Reply list = expert.Get("/api/expert/assignments");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json["assignments"].size(), 1u);
  EXPECT_EQ(list.json["assignments"][0]["submitted"], true);
  Reply detail = expert.Get("/api/expert/assignments/" +
                            std::to_string(list.json["assignments"][0]["id"].get<int64_t>()));
  ASSERT_EQ(detail.status, 200);
  for (const Json& s : detail.json["scores"]) {
    if (s["criterion_id"] == first["id"]) {
      EXPECT_EQ(s["score"], 4);
      EXPECT_EQ(s["comment"], kXss);
    } else {
      EXPECT_EQ(s["score"], 2);
    }
  }

  // In Korean the rubric shows its Korean names and descriptions.
  SelectOption("#lang-select", "ko");
  ASSERT_TRUE(driver_->WaitUntil("document.documentElement.lang === 'ko'").ok());
  ASSERT_TRUE(driver_->WaitFor("#score-form").ok());
  EXPECT_NE(TextOf("#score-form").find("독창성"), std::string::npos);
  EXPECT_NE(TextOf("#score-form").find("자체 개발 정도"), std::string::npos);
  Shot("expert_submitted_korean");
}

}  // namespace
}  // namespace dokja::web::testing
