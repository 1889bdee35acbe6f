// Shared set-up of the expert-evaluation HTTP tests: a server with a private
// materials folder, and a small world of organisations, teams (real names
// and anonymous labels), experts with affiliations, an admin and a user.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "web/web_test_util.h"

namespace dokja::web::testing {

struct ExpertWorld {
  std::map<std::string, int64_t> orgs;     // by name
  std::map<std::string, int64_t> teams;    // by real name
  std::map<std::string, int64_t> experts;  // by username
};

class ExpertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WebOptions options;
    materials_dir_ = ::testing::TempDir() + "dokja_expert_materials_" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(materials_dir_);
    options.materials_dir = materials_dir_;
    server_ = TestServer::Start(options);
    server_->CreateAccount("admin", store::Role::kAdmin);
    server_->CreateAccount("user1", store::Role::kUser);
  }

  store::Store& store() { return server_->app().store(); }

  // Teams Alpha (Org1), Beta (Org2), Gamma (Org3, Org4) as "Team A/B/C";
  // experts e1 (Org1), e2 (Org2, Org3), e3, e4, e5 (independent).
  ExpertWorld MakeWorld() {
    ExpertWorld w;
    for (const char* org : {"Org1", "Org2", "Org3", "Org4"}) {
      w.orgs[org] = store().CreateOrganisation(org).value();
    }
    w.teams["Alpha"] = store().CreateTeam({0, "Alpha", "Team A", {w.orgs["Org1"]}}).value();
    w.teams["Beta"] = store().CreateTeam({0, "Beta", "Team B", {w.orgs["Org2"]}}).value();
    w.teams["Gamma"] =
        store().CreateTeam({0, "Gamma", "Team C", {w.orgs["Org3"], w.orgs["Org4"]}}).value();
    for (const char* e : {"e1", "e2", "e3", "e4", "e5"}) {
      w.experts[e] = server_->CreateAccount(e, store::Role::kExpert);
    }
    EXPECT_TRUE(store().AddAffiliation(w.experts["e1"], w.orgs["Org1"]).ok());
    EXPECT_TRUE(store().AddAffiliation(w.experts["e2"], w.orgs["Org2"]).ok());
    EXPECT_TRUE(store().AddAffiliation(w.experts["e2"], w.orgs["Org3"]).ok());
    return w;
  }

  // A signed-in client.
  std::unique_ptr<TestClient> As(const std::string& username) {
    auto c = std::make_unique<TestClient>(server_->port());
    Reply r = c->Login(username);
    EXPECT_EQ(r.status, 200) << username << ": " << r.body;
    return c;
  }

  // Creates a rubric over HTTP as the admin; returns its JSON.
  Json CreateRubric(TestClient& admin, const std::string& name,
                    const std::vector<std::string>& keys, int64_t scale_max = 10) {
    Json criteria = Json::array();
    for (const std::string& k : keys) {
      criteria.push_back({{"key", k},
                          {"name_ko", k + " (한국어)"},
                          {"name_en", k},
                          {"description_ko", "설명"},
                          {"description_en", "Description"},
                          {"scale_min", 0},
                          {"scale_max", scale_max}});
    }
    Reply r = admin.Post("/api/rubrics", {{"name", name}, {"criteria", criteria}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json;
  }

  // Scores every criterion of `rubric` with `score` (a full draft).
  static Json FullScores(const Json& rubric, int64_t score, const std::string& comment = "") {
    Json scores = Json::array();
    for (const Json& c : rubric["criteria"]) {
      scores.push_back({{"criterion_id", c["id"]}, {"score", score}, {"comment", comment}});
    }
    return {{"scores", scores}};
  }

  static std::string Header(const Reply& r, const std::string& name) {
    auto lower = [](std::string s) {
      std::transform(s.begin(), s.end(), s.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return s;
    };
    for (const auto& [k, v] : r.headers) {
      if (lower(k) == lower(name)) return v;
    }
    return "";
  }

  std::unique_ptr<TestServer> server_;
  std::string materials_dir_;
};

}  // namespace dokja::web::testing
