// A panel member plays a blind battle in the browser: two answers streamed
// side by side from two fake OpenAI-compatible model servers on loopback, a
// vote, the reveal, the leaderboard, direct scoring — with a hostile prompt
// that the models echo back (it must show as text, never run).
#include <filesystem>
#include <fstream>
#include <thread>

#include <httplib.h>

#include "web/browser_test_util.h"

namespace dokja::web::testing {
namespace {

constexpr const char* kXss = "<img src=x onerror=alert(1)>";

// An OpenAI-compatible chat server whose answer quotes the last user
// message; streams (SSE, in small pieces) when asked to.
class FakeChatServer {
 public:
  explicit FakeChatServer(std::string opening) : opening_(std::move(opening)) {
    server_.Post(R"(.*/chat/completions)", [this](const httplib::Request& req, httplib::Response& res) {
      Json body = Json::parse(req.body, nullptr, false);
      std::string prompt;
      if (body.is_object() && body.contains("messages") && !body["messages"].empty()) {
        prompt = body["messages"].back().value("content", "");
      }
      std::string answer = opening_ + " You asked: " + prompt;
      if (body.is_object() && body.value("stream", false)) {
        std::string sse;
        for (size_t at = 0; at < answer.size(); at += 8) {
          Json event = {{"choices", {{{"index", 0}, {"delta", {{"content", answer.substr(at, 8)}}}}}}};
          sse += "data: " + event.dump() + "\n\n";
        }
        Json last = {{"choices", {{{"index", 0}, {"delta", Json::object()}, {"finish_reason", "stop"}}}}};
        sse += "data: " + last.dump() + "\n\ndata: [DONE]\n\n";
        res.set_content(sse, "text/event-stream");
        return;
      }
      Json reply = {{"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", answer}}},
                                  {"finish_reason", "stop"}}}}};
      res.set_content(reply.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeChatServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  std::string opening_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

class BrowserArenaTest : public BrowserTest {
 protected:
  std::pair<std::string, std::string> RequiredRoute() override {
    return {"POST", "/api/arena/battles"};
  }

  WebOptions Options() override {
    model_one_ = std::make_unique<FakeChatServer>("Certainly.");
    model_two_ = std::make_unique<FakeChatServer>("Here is a careful answer.");
    std::string path = ::testing::TempDir() + "dokja_browser_arena.yaml";
    std::ofstream out(path);
    out << "models:\n"
        << "  - name: model-one\n    backend: {type: chat, url: " << model_one_->Url()
        << ", model: served-alpha}\n"
        << "  - name: model-two\n    backend: {type: chat, url: " << model_two_->Url()
        << ", model: served-beta}\n"
        << "generation: {max_tokens: 64, temperature: 0}\n"
        << "prompts: [\"Explain <b>tides</b> to a child\", \"Summarise a report\"]\n"
        << "leaderboard: {bootstrap_rounds: 50, refresh_ms: 50}\n";
    out.close();
    WebOptions options;
    options.arena_config = path;
    return options;
  }

  std::unique_ptr<FakeChatServer> model_one_;
  std::unique_ptr<FakeChatServer> model_two_;
};

TEST_F(BrowserArenaTest, PlaysABattleVotesAndSeesTheLeaderboard) {
  server_->CreateAccount("voter", store::Role::kUser);
  SignIn("voter");
  ASSERT_TRUE(driver_->WaitFor("#battle-form").ok());
  // The task list fills the prompt; its markup stays text.
  Click("#tasks summary");
  Click("#task-list button");
  auto prompt = driver_->Find("#prompt");
  ASSERT_TRUE(prompt.ok());
  EXPECT_EQ(*driver_->Property(*prompt, "value"), "Explain <b>tides</b> to a child");
  EXPECT_EQ(Js("return document.querySelectorAll('#task-list b').length;"), 0);
  Type("#prompt", kXss);
  Click("#start-battle");
  Status streamed = driver_->WaitUntil("!document.getElementById('votes').disabled", 30000);
  ASSERT_TRUE(streamed.ok()) << streamed.ToString() << "; status: " << TextOf("#status");
  std::string left = TextOf("#answer-left");
  std::string right = TextOf("#answer-right");
  EXPECT_NE(left.find(kXss), std::string::npos) << left;  // echoed, shown as text
  EXPECT_NE(right.find(kXss), std::string::npos) << right;
  EXPECT_NE(left, right);
  EXPECT_EQ(Js("return document.querySelectorAll('#view img').length;"), 0);
  // Anonymous until the vote.
  EXPECT_EQ(TextOf("#view").find("model-one"), std::string::npos);
  Shot("arena_answers");

  Click("#vote-left");
  std::string reveal = TextOf("#reveal");
  EXPECT_NE(reveal.find("model-one"), std::string::npos) << reveal;
  EXPECT_NE(reveal.find("model-two"), std::string::npos) << reveal;
  // The left answer belongs to the model named first.
  bool left_is_one = left.find("Certainly.") == 0;
  EXPECT_EQ(reveal.find("model-one") < reveal.find("model-two"), left_is_one) << reveal;
  Shot("arena_revealed");

  TestClient api(server_->port());
  ASSERT_EQ(api.Login("voter").status, 200);
  Reply board = api.Get("/api/arena/leaderboard");
  ASSERT_EQ(board.status, 200) << board.body;
  EXPECT_EQ(board.json["votes"], 1);

  Click("#nav a[href='#/leaderboard']");
  ASSERT_TRUE(driver_->WaitFor("#leaderboard").ok());
  EXPECT_EQ(driver_->FindAll("#leaderboard tbody tr")->size(), 2u);
  EXPECT_NE(TextOf("#leaderboard").find("model-one"), std::string::npos);
  Shot("leaderboard");

  Click("#nav a[href='#/direct']");
  Click("#direct-form input[name=direct-score][value='4']");
  Click("#direct-form button[type=submit]");
  ASSERT_TRUE(driver_->WaitUntil("document.getElementById('status').textContent === 'Rating saved.'").ok())
      << TextOf("#status");
}

}  // namespace
}  // namespace dokja::web::testing
