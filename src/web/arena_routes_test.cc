// The arena over a real server on loopback with the real engine backend on
// the tiny stories260K model: battles streamed by SSE, votes, reveal,
// idempotent retries, daily caps, voided self-naming battles, ownership,
// hostile prompts, direct scores, the leaderboard and the export that the
// stage decision reads.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "scoring/stage_config.h"
#include "scoring/stage_inputs.h"
#include "web/web_test_util.h"

namespace dokja::web {
namespace {

using testing::Reply;
using testing::TestClient;
using testing::TestServer;
using Json = nlohmann::json;

const std::string kModel = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K/stories260K.gguf";

// Writes an arena config with two engine models over stories260K; `extra`
// is appended to beta's model entry (e.g. aliases).
std::string WriteConfig(const std::string& beta_extra = "") {
  static std::atomic<int> counter{0};
  const std::string path = ::testing::TempDir() + "/arena_" + std::to_string(getpid()) + "_" +
                           std::to_string(counter++) + ".yaml";
  std::ofstream(path) << "models:\n"
                      << "  - name: alpha-model\n    team: Team Alpha\n    prompt: plain\n"
                      << "    backend: {type: engine, model: " << kModel << "}\n"
                      << "  - name: beta-model\n    team: Team Beta\n    prompt: plain\n"
                      << beta_extra << "    backend: {type: engine, model: " << kModel << "}\n"
                      << "generation: {max_tokens: 24, temperature: 0}\n"
                      << "prompts: [\"Once upon a time\", \"Lily and Ben\"]\n"
                      << "workers: 2\nleaderboard: {bootstrap_rounds: 50, refresh_ms: 50}\n";
  return path;
}

std::unique_ptr<TestServer> StartArena(WebOptions options = {}, const std::string& beta_extra = "") {
  options.arena_config = WriteConfig(beta_extra);
  return TestServer::Start(options);
}

// Waits until the battle is no longer pending; returns its JSON.
Json WaitReady(TestClient& client, int64_t id) {
  Reply r;
  for (int i = 0; i < 600; ++i) {
    r = client.Get("/api/arena/battles/" + std::to_string(id));
    if (r.status != 200 || r.json["state"] != "pending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json;
}

int64_t NewBattle(TestClient& client, const std::string& prompt = "Once upon a time") {
  Reply r = client.Post("/api/arena/battles", {{"prompt", prompt}});
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json.value("id", int64_t{0});
}

Reply VoteOn(TestClient& client, int64_t id, const std::string& choice, const std::string& key) {
  return client.Post("/api/arena/battles/" + std::to_string(id) + "/vote",
                     {{"choice", choice}, {"idempotency_key", key}});
}

// The data lines of an SSE body, parsed.
std::vector<Json> SseEvents(const std::string& body) {
  std::vector<Json> out;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const size_t end = body.find("\n\n", pos);
    out.push_back(Json::parse(body.substr(pos + 6, end - pos - 6)));
    pos = end;
  }
  return out;
}

TEST(Arena, PlaysABattleEndToEndWithStreamVoteAndReveal) {
  auto server = StartArena();
  server->CreateAccount("ann", store::Role::kUser);
  TestClient ann(server->port());
  ASSERT_EQ(ann.Login("ann").status, 200);
  Reply prompts = ann.Get("/api/arena/prompts");
  ASSERT_EQ(prompts.status, 200);
  EXPECT_EQ(prompts.json["prompts"][1]["text"], "Lily and Ben");

  const int64_t id = NewBattle(ann);
  ASSERT_GT(id, 0);
  Reply stream = ann.Get("/api/arena/battles/" + std::to_string(id) + "/stream");
  ASSERT_EQ(stream.status, 200) << stream.body;
  EXPECT_NE(stream.headers.find("Content-Type")->second.find("text/event-stream"), std::string::npos);
  const std::vector<Json> events = SseEvents(stream.body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), Json({{"done", true}}));
  std::string left, right;
  size_t n_left = 0;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    (events[i]["side"] == "left" ? left : right) += events[i]["delta"].get<std::string>();
    n_left += events[i]["side"] == "left";
  }
  EXPECT_GT(n_left, 3u) << "answers arrive token by token";

  Json battle = WaitReady(ann, id);
  EXPECT_EQ(battle["state"], "ready");
  EXPECT_EQ(battle["left_text"], left);
  EXPECT_EQ(battle["right_text"], right);
  EXPECT_FALSE(left.empty());
  EXPECT_FALSE(battle.contains("left_model")) << "no reveal before the vote";

  Reply vote = VoteOn(ann, id, "left", "key-1");
  ASSERT_EQ(vote.status, 200) << vote.body;
  EXPECT_FALSE(vote.json["duplicate"]);
  EXPECT_TRUE(vote.json["counted"]);
  const std::string left_model = vote.json["left_model"];
  EXPECT_TRUE(left_model == "alpha-model" || left_model == "beta-model");
  EXPECT_NE(vote.json["right_model"], left_model);
  Reply retry = VoteOn(ann, id, "left", "key-1");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_TRUE(retry.json["duplicate"]);
  EXPECT_EQ(retry.json["vote_id"], vote.json["vote_id"]);
  Reply other_key = VoteOn(ann, id, "right", "key-2");
  EXPECT_EQ(other_key.status, 409) << other_key.body;
  battle = ann.Get("/api/arena/battles/" + std::to_string(id)).json;
  EXPECT_EQ(battle["left_model"], left_model);

  // The stream of a finished battle replays the stored answers.
  Reply replay = ann.Get("/api/arena/battles/" + std::to_string(id) + "/stream");
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(SseEvents(replay.body).back(), Json({{"done", true}}));

  Reply board;
  for (int i = 0; i < 200; ++i) {
    board = ann.Get("/api/arena/leaderboard");
    if (board.json.value("votes", 0) == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(board.status, 200);
  EXPECT_EQ(board.json["votes"], 1);
  ASSERT_EQ(board.json["models"].size(), 2u);
  EXPECT_EQ(board.json["models"][0]["name"], left_model) << "the winner leads";
}

TEST(Arena, DailyCapAnswers429) {
  WebOptions options;
  options.daily_vote_cap = 2;
  auto server = StartArena(options);
  server->CreateAccount("ann", store::Role::kUser);
  TestClient ann(server->port());
  ASSERT_EQ(ann.Login("ann").status, 200);
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(NewBattle(ann, "Prompt " + std::to_string(i)));
  for (int64_t id : ids) WaitReady(ann, id);
  EXPECT_EQ(VoteOn(ann, ids[0], "tie", "a").status, 200);
  EXPECT_EQ(VoteOn(ann, ids[1], "both_bad", "b").status, 200);
  Reply capped = VoteOn(ann, ids[2], "right", "c");
  EXPECT_EQ(capped.status, 429) << capped.body;
  EXPECT_EQ(capped.json["error"]["code"], "rate_limited");
  EXPECT_NE(capped.headers.find("Retry-After"), capped.headers.end());
  // A retry of a stored vote is still answered, cap or not.
  EXPECT_EQ(VoteOn(ann, ids[0], "tie", "a").json["duplicate"], true);
}

TEST(Arena, AnswerNamingItsModelVoidsTheVote) {
  // Every stories260K answer contains " the ": as beta's alias it breaks the blind.
  auto server = StartArena({}, "    aliases: [\"THE\"]\n");
  server->CreateAccount("ann", store::Role::kUser);
  server->CreateAccount("root", store::Role::kAdmin);
  TestClient ann(server->port());
  ASSERT_EQ(ann.Login("ann").status, 200);
  const int64_t id = NewBattle(ann);
  Json battle = WaitReady(ann, id);
  ASSERT_NE((battle["left_text"].get<std::string>() + battle["right_text"].get<std::string>()).find("the"),
            std::string::npos);
  Reply vote = VoteOn(ann, id, "right", "k");
  ASSERT_EQ(vote.status, 200) << vote.body;
  EXPECT_FALSE(vote.json["counted"]);
  EXPECT_NE(vote.json["void_reason"].get<std::string>().find("'THE'"), std::string::npos);
  TestClient root(server->port());
  ASSERT_EQ(root.Login("root").status, 200);
  Reply csv = root.Get("/api/admin/arena/export");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body, "user,model_a,model_b,outcome\n");
  EXPECT_EQ(ann.Get("/api/arena/leaderboard").json["votes"], 0);
}

TEST(Arena, UsersSeeAndVoteOnlyTheirOwnBattles) {
  auto server = StartArena();
  server->CreateAccount("ann", store::Role::kUser);
  server->CreateAccount("bob", store::Role::kUser);
  server->CreateAccount("eve", store::Role::kExpert);
  TestClient ann(server->port()), bob(server->port()), eve(server->port());
  ASSERT_EQ(ann.Login("ann").status, 200);
  ASSERT_EQ(bob.Login("bob").status, 200);
  ASSERT_EQ(eve.Login("eve").status, 200);
  const int64_t id = NewBattle(ann);
  WaitReady(ann, id);
  const std::string path = "/api/arena/battles/" + std::to_string(id);
  EXPECT_EQ(bob.Get(path).status, 404);
  EXPECT_EQ(bob.Get(path + "/stream").status, 404);
  EXPECT_EQ(VoteOn(bob, id, "left", "bob-1").status, 404);
  EXPECT_EQ(bob.Post("/api/arena/direct", {{"battle_id", id}, {"side", "left"}, {"score", 1}}).status, 404);
  EXPECT_EQ(eve.Post("/api/arena/battles", {{"prompt", "hi"}}).status, 403);
  EXPECT_EQ(eve.Get(path).status, 403);
  EXPECT_EQ(eve.Get("/api/arena/leaderboard").status, 200);
  EXPECT_EQ(ann.Get("/api/admin/arena/export").status, 403);
  TestClient anonymous(server->port());
  EXPECT_EQ(anonymous.Get(path).status, 401);
  // Without the CSRF header the vote is refused.
  Reply no_csrf = ann.Send("POST", path + "/vote", R"({"choice":"left","idempotency_key":"x"})",
                           "application/json", {}, false);
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_EQ(VoteOn(ann, id, "left", "ann-1").status, 200);
}

TEST(Arena, HostilePromptsComeBackVerbatimAsJson) {
  auto server = StartArena();
  server->CreateAccount("ann", store::Role::kUser);
  TestClient ann(server->port());
  ASSERT_EQ(ann.Login("ann").status, 200);
  const std::string hostile =
      "<script>alert('x')</script>\"; DROP TABLE battles; -- ' OR '1'='1 \xea\xb9\x80\xec\xb9\x98";
  const int64_t id = NewBattle(ann, hostile);
  Reply battle = ann.Get("/api/arena/battles/" + std::to_string(id));
  ASSERT_EQ(battle.status, 200);
  EXPECT_EQ(battle.json["prompt"], hostile);
  EXPECT_NE(battle.headers.find("Content-Type")->second.find("application/json"), std::string::npos);
  WaitReady(ann, id);
  EXPECT_EQ(VoteOn(ann, id, "left", hostile).status, 200);
  EXPECT_EQ(VoteOn(ann, id, "left", hostile).json["duplicate"], true);
}

TEST(Arena, MalformedRequestsGet4xxJson) {
  auto server = StartArena();
  server->CreateAccount("ann", store::Role::kUser);
  TestClient ann(server->port());
  ASSERT_EQ(ann.Login("ann").status, 200);
  EXPECT_EQ(ann.Post("/api/arena/battles", {{"prompt", "   "}}).status, 400);
  EXPECT_EQ(ann.Post("/api/arena/battles", {{"prompt", 7}}).status, 400);
  EXPECT_EQ(ann.Post("/api/arena/battles", {{"prompt", std::string(9000, 'x')}}).status, 400);
  Reply not_json = ann.Send("POST", "/api/arena/battles", "{nope", "application/json", {});
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.json["error"]["code"], "invalid");
  const int64_t id = NewBattle(ann);
  WaitReady(ann, id);
  EXPECT_EQ(VoteOn(ann, id, "up", "k").status, 400);
  EXPECT_EQ(VoteOn(ann, id, "left", "").status, 400);
  EXPECT_EQ(VoteOn(ann, id + 1000, "left", "k").status, 404);
  EXPECT_EQ(ann.Get("/api/arena/battles/0").status, 400);
}

TEST(Arena, DirectScoresRateOneAnswer) {
  auto server = StartArena();
  server->CreateAccount("ann", store::Role::kUser);
  TestClient ann(server->port());
  ASSERT_EQ(ann.Login("ann").status, 200);
  const int64_t id = NewBattle(ann);
  WaitReady(ann, id);
  Reply ok = ann.Post("/api/arena/direct", {{"battle_id", id}, {"side", "left"}, {"score", 4},
                                            {"comment", "<b>good</b>"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_GT(ok.json["id"].get<int64_t>(), 0);
  EXPECT_EQ(ann.Post("/api/arena/direct", {{"battle_id", id}, {"side", "left"}, {"score", 3}}).status, 400);
  EXPECT_EQ(ann.Post("/api/arena/direct", {{"battle_id", id}, {"side", "right"}, {"score", 9}}).status, 400);
  EXPECT_EQ(ann.Post("/api/arena/direct", {{"battle_id", id}, {"side", "up"}, {"score", 3}}).status, 400);
  EXPECT_EQ(ann.Post("/api/arena/direct", {{"battle_id", id}, {"side", "right"}, {"score", 5}}).status, 200);
  auto scores = server->app().store().ListDirectScores(id);
  ASSERT_TRUE(scores.ok());
  ASSERT_EQ(scores->size(), 2u);
  EXPECT_EQ((*scores)[0].comment, "<b>good</b>");
}

TEST(Arena, ExportIsReadByTheStageDecision) {
  auto server = StartArena();
  server->CreateAccount("ann", store::Role::kUser);
  server->CreateAccount("root", store::Role::kAdmin);
  TestClient ann(server->port()), root(server->port());
  ASSERT_EQ(ann.Login("ann").status, 200);
  ASSERT_EQ(root.Login("root").status, 200);
  const char* choices[] = {"left", "right", "tie", "both_bad"};
  for (int i = 0; i < 4; ++i) {
    const int64_t id = NewBattle(ann, "prompt " + std::to_string(i));
    WaitReady(ann, id);
    ASSERT_EQ(VoteOn(ann, id, choices[i], "k" + std::to_string(i)).status, 200);
  }
  Reply csv = root.Get("/api/admin/arena/export");
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.headers.find("Content-Type")->second.find("text/csv"), std::string::npos);
  scoring::StageConfig config;
  config.teams.resize(2);
  config.teams[0].name = "Team Alpha";
  config.teams[1].name = "Team Beta";
  auto battles = scoring::ParseBattles(csv.body, "export", config);
  ASSERT_TRUE(battles.ok()) << battles.status().ToString() << "\n" << csv.body;
  ASSERT_EQ(battles->size(), 4u);
  EXPECT_EQ((*battles)[2].outcome, scoring::BattleOutcome::kTie);
  EXPECT_EQ((*battles)[3].outcome, scoring::BattleOutcome::kBothBad);
  EXPECT_NE((*battles)[0].team_a, (*battles)[0].team_b);
  EXPECT_EQ((*battles)[0].user.substr(0, 1), "u");
}

TEST(Arena, PairsAreShownEvenlyWithSidesMixed) {
  const std::string path = ::testing::TempDir() + "/arena_three_" + std::to_string(getpid()) + ".yaml";
  std::ofstream(path) << "models:\n"
                      << "  - {name: m1, prompt: plain, backend: {type: engine, model: " << kModel << "}}\n"
                      << "  - {name: m2, prompt: plain, backend: {type: engine, model: " << kModel << "}}\n"
                      << "  - {name: m3, prompt: plain, backend: {type: engine, model: " << kModel << "}}\n"
                      << "generation: {max_tokens: 4, temperature: 0}\nmax_pending: 64\n";
  WebOptions options;
  options.arena_config = path;
  auto server = TestServer::Start(options);
  server->CreateAccount("ann", store::Role::kUser);
  TestClient ann(server->port());
  ASSERT_EQ(ann.Login("ann").status, 200);
  std::vector<int64_t> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(NewBattle(ann, "p" + std::to_string(i)));
  auto pairs = server->app().store().CountBattlesByPair();
  ASSERT_TRUE(pairs.ok());
  ASSERT_EQ(pairs->size(), 3u);
  for (const store::PairCount& p : *pairs) EXPECT_EQ(p.battles, 4) << p.model_a << " vs " << p.model_b;
  int a_left = 0;
  for (int64_t id : ids) {
    WaitReady(ann, id);
    a_left += server->app().store().GetBattle(id)->a_on_left ? 1 : 0;
  }
  EXPECT_GT(a_left, 0);
  EXPECT_LT(a_left, 12);
}

TEST(Arena, WithoutAConfigBattlesAre503AndTheRestAnswers) {
  auto server = TestServer::Start();
  server->CreateAccount("ann", store::Role::kUser);
  TestClient ann(server->port());
  ASSERT_EQ(ann.Login("ann").status, 200);
  Reply r = ann.Post("/api/arena/battles", {{"prompt", "hello"}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.json["error"]["code"], "unavailable");
  EXPECT_EQ(ann.Get("/api/arena/leaderboard").status, 200);
  EXPECT_EQ(ann.Get("/api/arena/prompts").json["prompts"].size(), 0u);
}

}  // namespace
}  // namespace dokja::web
