// The model server end to end: a real server on 127.0.0.1, port 0, in this
// process, driven over HTTP by cpp-httplib's client. Answers are checked
// against the engine's own numbers and the llama.cpp reference text.
#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/generate.h"
#include "serve/server.h"

namespace dokja::serve {
namespace {

using Json = nlohmann::json;

const std::string kGguf = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K/stories260K.gguf";
const std::string kRef = std::string(DOKJA_SHARED_DIR) + "/fixtures/stories260K/reference.json";
const char* kTemplate =
    "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}";

Json Reference() {
  std::ifstream in(kRef);
  return Json::parse(in);
}

std::unique_ptr<engine::LocalModel> LoadModel(int32_t n_ctx = 0) {
  engine::LocalModelOptions options;
  options.chat_template_source = kTemplate;
  options.model_id = "stories";
  options.n_ctx = n_ctx;
  options.n_threads = 1;
  auto model = engine::LoadLocalModel(kGguf, options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return std::move(model).value();
}

// One model and server for the suite; individual tests start their own when
// they need other options.
class Serve : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = LoadModel().release();
    ServeOptions options;
    options.port = 0;
    options.max_concurrency = 4;
    auto server = ModelServer::Start(*model_, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete model_;
  }

  static httplib::Client Client(int32_t port = server_->port()) {
    httplib::Client cli("127.0.0.1", port);
    cli.set_read_timeout(30, 0);
    return cli;
  }

  // POSTs `body` and returns status and parsed JSON body.
  static std::pair<int, Json> Post(const std::string& path, const std::string& body,
                                   int32_t port = server_->port()) {
    auto res = Client(port).Post(path.c_str(), body, "application/json");
    if (!res) return {-1, Json(httplib::to_string(res.error()))};
    Json j = Json::parse(res->body, nullptr, false);
    return {res->status, j};
  }

  static engine::LocalModel* model_;
  static ModelServer* server_;
};
engine::LocalModel* Serve::model_ = nullptr;
ModelServer* Serve::server_ = nullptr;

// The JSON payloads of a server-sent event stream, [DONE] excluded; sets
// *done when the stream ended with [DONE].
std::vector<Json> ParseSse(const std::string& body, bool* done) {
  std::vector<Json> events;
  *done = false;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) break;
    std::string event = body.substr(pos, end - pos);
    pos = end + 2;
    EXPECT_EQ(event.rfind("data: ", 0), 0u) << event;
    std::string payload = event.substr(6);
    if (payload == "[DONE]") {
      *done = true;
      continue;
    }
    events.push_back(Json::parse(payload));
  }
  EXPECT_EQ(pos, body.size()) << "trailing bytes in the stream";
  return events;
}

std::string StreamBody(int32_t port, const std::string& path, const std::string& body,
                       std::string* content_type) {
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.body = body;
  req.set_header("Content-Type", "application/json");
  std::string received;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    received.append(data, n);
    return true;
  };
  httplib::Client cli("127.0.0.1", port);
  auto res = cli.send(req);
  EXPECT_TRUE(res);
  if (res) {
    EXPECT_EQ(res->status, 200);
    *content_type = res->get_header_value("Content-Type");
  }
  return received;
}

TEST_F(Serve, HealthAndModels) {
  auto health = Client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto models = Client().Get("/v1/models");
  ASSERT_TRUE(models);
  Json j = Json::parse(models->body);
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), 1u);
  EXPECT_EQ(j["data"][0]["id"], "stories");
  EXPECT_EQ(j["data"][0]["object"], "model");
  EXPECT_EQ(j["data"][0]["max_model_len"], model_->n_ctx());
}

TEST_F(Serve, GreedyCompletionReproducesTheReferenceText) {
  Json ref = Reference()["greedy"];
  auto [status, j] = Post("/v1/completions",
                          Json{{"model", "stories"}, {"prompt", ref["prompt"]}, {"max_tokens", 100},
                               {"temperature", 0}, {"ignore_eos", true}}
                              .dump());
  ASSERT_EQ(status, 200) << j.dump();
  EXPECT_EQ(j["object"], "text_completion");
  ASSERT_EQ(j["choices"].size(), 1u);
  EXPECT_EQ(j["choices"][0]["text"], ref["text"]);
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(j["choices"][0]["logprobs"].is_null());
  EXPECT_EQ(j["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(j["usage"]["completion_tokens"], 100);
  EXPECT_EQ(j["usage"]["total_tokens"], 105);
}

TEST_F(Serve, EchoLogprobsMatchTheEngineInLegacyFormat) {
  const std::string prompt = "Once upon a time, there was a little girl";
  auto [status, j] = Post("/v1/completions",
                          Json{{"prompt", prompt}, {"max_tokens", 0}, {"echo", true}, {"logprobs", 2}}
                              .dump());
  ASSERT_EQ(status, 200) << j.dump();
  const Json& choice = j["choices"][0];
  EXPECT_EQ(choice["text"], prompt);
  const Json& lp = choice["logprobs"];
  std::vector<int32_t> ids = model_->EncodePrompt(prompt);
  auto session = model_->engine().NewSession();
  auto want = engine::ScorePrompt(*session, ids, 2);
  ASSERT_TRUE(want.ok());
  ASSERT_EQ(lp["tokens"].size(), ids.size());
  ASSERT_EQ(lp["token_logprobs"].size(), ids.size());
  ASSERT_EQ(lp["top_logprobs"].size(), ids.size());
  ASSERT_EQ(lp["text_offset"].size(), ids.size());
  EXPECT_TRUE(lp["token_logprobs"][0].is_null());
  EXPECT_TRUE(lp["top_logprobs"][0].is_null());
  EXPECT_EQ(lp["tokens"][0], "<s>");
  EXPECT_EQ(lp["text_offset"][0], 0);
  double sum = 0;
  for (size_t t = 1; t < ids.size(); ++t) {
    EXPECT_EQ(lp["tokens"][t], model_->TokenDisplay(ids[t]));
    EXPECT_NEAR(lp["token_logprobs"][t].get<double>(), *want->logprobs[t], 1e-6);
    const Json& top = lp["top_logprobs"][t];
    ASSERT_TRUE(top.is_object());
    EXPECT_GE(top.size(), 2u);
    EXPECT_LE(top.size(), 3u);
    EXPECT_NEAR(top[model_->TokenDisplay(want->top[t][0].id)].get<double>(), want->top[t][0].logprob, 1e-6);
    EXPECT_EQ(lp["text_offset"][t].get<int64_t>(),
              lp["text_offset"][t - 1].get<int64_t>() +
                  static_cast<int64_t>(lp["tokens"][t - 1].get<std::string>().size()));
    sum += lp["token_logprobs"][t].get<double>();
  }
  // The same sum Loglikelihood computes for the whole prompt after BOS.
  auto ll = engine::Loglikelihood(*session, std::span(ids).first(1), std::span(ids).subspan(1));
  ASSERT_TRUE(ll.ok());
  EXPECT_NEAR(sum, ll->sum, 1e-4);
  EXPECT_EQ(j["usage"]["completion_tokens"], 0);
  EXPECT_EQ(choice["finish_reason"], "length");
}

TEST_F(Serve, EchoWithOneGeneratedTokenAsLmEvalAsksForIt) {
  const std::vector<int32_t> ids = {1, 403, 407, 261, 378};
  auto [status, j] = Post("/v1/completions",
                          Json{{"prompt", ids}, {"max_tokens", 1}, {"echo", true}, {"logprobs", 1},
                               {"temperature", 0}}
                              .dump());
  ASSERT_EQ(status, 200) << j.dump();
  const Json& lp = j["choices"][0]["logprobs"];
  ASSERT_EQ(lp["tokens"].size(), ids.size() + 1);
  const int32_t first = Reference()["greedy"]["ids"][0];
  EXPECT_EQ(lp["tokens"][ids.size()], model_->TokenDisplay(first));
  EXPECT_NEAR(lp["token_logprobs"][ids.size()].get<double>(),
              Reference()["greedy"]["top_logprobs"][0][0]["logprob"].get<double>(), 5e-3);
}

TEST_F(Serve, ListsOfPromptsGiveOneChoiceEach) {
  auto [status, j] = Post("/v1/completions",
                          Json{{"prompt", {"Once upon a time", "The cat"}}, {"max_tokens", 4}}.dump());
  ASSERT_EQ(status, 200) << j.dump();
  ASSERT_EQ(j["choices"].size(), 2u);
  EXPECT_EQ(j["choices"][0]["index"], 0);
  EXPECT_EQ(j["choices"][1]["index"], 1);
  EXPECT_EQ(j["usage"]["completion_tokens"], 8);
}

TEST_F(Serve, StreamedCompletionEqualsTheWholeOne) {
  const Json body{{"prompt", "Once upon a time"}, {"max_tokens", 40}, {"stop", "park"},
                  {"stream_options", {{"include_usage", true}}}};
  auto [status, whole] = Post("/v1/completions", body.dump());
  ASSERT_EQ(status, 200);
  Json streamed_body = body;
  streamed_body["stream"] = true;
  std::string type;
  bool done = false;
  auto events = ParseSse(StreamBody(server_->port(), "/v1/completions", streamed_body.dump(), &type), &done);
  EXPECT_EQ(type, "text/event-stream");
  EXPECT_TRUE(done);
  std::string text;
  std::string finish;
  for (const Json& e : events) {
    if (e["choices"].empty()) {
      EXPECT_EQ(e["usage"]["completion_tokens"], whole["usage"]["completion_tokens"]);
      continue;
    }
    text += e["choices"][0]["text"].get<std::string>();
    if (!e["choices"][0]["finish_reason"].is_null()) finish = e["choices"][0]["finish_reason"];
  }
  EXPECT_EQ(text, whole["choices"][0]["text"]);
  EXPECT_EQ(finish, "stop");
  EXPECT_EQ(text.find("park"), std::string::npos);
}

TEST_F(Serve, ChatStreamsDeltasAsServerSentEvents) {
  const Json body{{"model", "stories"},
                  {"messages", {{{"role", "user"}, {"content", "Tell me a story"}}}},
                  {"max_tokens", 30},
                  {"temperature", 0},
                  {"logprobs", true},
                  {"top_logprobs", 2}};
  auto [status, whole] = Post("/v1/chat/completions", body.dump());
  ASSERT_EQ(status, 200) << whole.dump();
  EXPECT_EQ(whole["object"], "chat.completion");
  EXPECT_EQ(whole["choices"][0]["message"]["role"], "assistant");
  const Json& content_lp = whole["choices"][0]["logprobs"]["content"];
  EXPECT_EQ(content_lp.size(), whole["usage"]["completion_tokens"].get<size_t>());
  EXPECT_EQ(content_lp[0]["top_logprobs"].size(), 2u);

  Json stream_body = body;
  stream_body["stream"] = true;
  std::string type;
  bool done = false;
  auto events = ParseSse(StreamBody(server_->port(), "/v1/chat/completions", stream_body.dump(), &type), &done);
  EXPECT_TRUE(done);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0]["object"], "chat.completion.chunk");
  EXPECT_EQ(events[0]["choices"][0]["delta"]["role"], "assistant");
  std::string text;
  size_t n_logprobs = 0;
  for (const Json& e : events) {
    const Json& delta = e["choices"][0]["delta"];
    if (delta.contains("content")) text += delta["content"].get<std::string>();
    if (!e["choices"][0]["logprobs"].is_null()) n_logprobs += e["choices"][0]["logprobs"]["content"].size();
  }
  EXPECT_EQ(text, whole["choices"][0]["message"]["content"]);
  EXPECT_EQ(n_logprobs, content_lp.size());
  EXPECT_EQ(events.back()["choices"][0]["finish_reason"], whole["choices"][0]["finish_reason"]);
}

TEST_F(Serve, TokenizeDetokenizeRoundTrip) {
  auto [status, tok] = Post("/tokenize", Json{{"prompt", "Once upon a time"}}.dump());
  ASSERT_EQ(status, 200) << tok.dump();
  EXPECT_EQ(tok["tokens"], Reference()["greedy"]["prompt_ids_with_bos"]);
  EXPECT_EQ(tok["count"], 5);
  EXPECT_EQ(tok["max_model_len"], model_->n_ctx());
  auto [status2, detok] = Post("/detokenize", Json{{"tokens", tok["tokens"]}}.dump());
  ASSERT_EQ(status2, 200) << detok.dump();
  EXPECT_EQ(detok["prompt"], "Once upon a time");
}

void ExpectError(const std::pair<int, Json>& got, int status, const std::string& param,
                 const std::string& in_message = "") {
  EXPECT_EQ(got.first, status) << got.second.dump();
  ASSERT_TRUE(got.second.contains("error")) << got.second.dump();
  const Json& e = got.second["error"];
  EXPECT_TRUE(e["message"].is_string());
  EXPECT_TRUE(e["type"].is_string());
  EXPECT_TRUE(e.contains("code"));
  if (param.empty()) {
    EXPECT_TRUE(e["param"].is_null()) << e.dump();
  } else {
    EXPECT_EQ(e["param"], param);
  }
  if (!in_message.empty()) {
    EXPECT_NE(e["message"].get<std::string>().find(in_message), std::string::npos) << e.dump();
  }
}

TEST_F(Serve, ErrorsAreOpenAiShapedWithTheRightStatus) {
  ExpectError(Post("/v1/completions", "{\"prompt\": "), 400, "");
  ExpectError(Post("/v1/completions", "[]"), 400, "");
  ExpectError(Post("/v1/completions", R"({"prompt": "x", "temperature": "hot"})"), 400, "temperature");
  ExpectError(Post("/v1/completions", R"({"prompt": "x", "max_tokens": "5"})"), 400, "max_tokens");
  ExpectError(Post("/v1/chat/completions", R"({"messages": "hi"})"), 400, "messages");
  ExpectError(Post("/v1/completions", R"({"prompt": "x", "model": "gpt-9"})"), 404, "model", "gpt-9");
  ExpectError(Post("/v1/completions", R"({"prompt": "x", "n": 3})"), 400, "n");
  ExpectError(Post("/v1/completions", R"({"prompt": "x", "logit_bias": {"5": 1}})"), 400, "logit_bias");
  ExpectError(Post("/v1/completions", R"({"prompt": [1, 99999]})"), 400, "prompt", "99999");
  ExpectError(Post("/detokenize", R"({"tokens": [1, 512]})"), 400, "tokens", "512");
  std::vector<int32_t> long_prompt(600, 300);
  ExpectError(Post("/v1/completions", Json{{"prompt", long_prompt}}.dump()), 400, "prompt",
              "maximum context length is " + std::to_string(model_->n_ctx()) +
                  " tokens, but the prompt has 600 tokens");
  ExpectError(Post("/v1/completions", Json{{"prompt", "Once"}, {"max_tokens", 600}}.dump()), 400,
              "max_tokens", "602");
  auto unknown = Client().Get("/v1/nothing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_TRUE(Json::parse(unknown->body).contains("error"));
}

TEST_F(Serve, SixteenConcurrentClientsAllGetCorrectAnswers) {
  const Json ref = Reference()["greedy"];
  const std::vector<int32_t> ref_ids = ref["ids"];
  std::vector<std::string> want(16), got(16);
  for (size_t i = 0; i < 16; ++i) {
    std::vector<int32_t> prefix(ref_ids.begin(), ref_ids.begin() + static_cast<ptrdiff_t>(10 + 5 * i));
    text::DecodeOptions options;
    options.strip_leading_space = false;
    want[i] = model_->tokenizer().Decode(prefix, options);
  }
  std::vector<std::thread> threads;
  for (size_t i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      auto [status, j] = Post("/v1/completions",
                              Json{{"prompt", ref["prompt"]}, {"max_tokens", 10 + 5 * i},
                                   {"ignore_eos", true}}
                                  .dump());
      if (status == 200) got[i] = j["choices"][0]["text"];
      else got[i] = "status " + std::to_string(status) + " " + j.dump();
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(got[i], want[i]) << "client " << i;
}

TEST_F(Serve, MetricsCountRequestsAndTokens) {
  Post("/v1/completions", R"({"prompt": "Once", "max_tokens": 3})");
  Post("/v1/completions", R"({"prompt": 5})");
  // The server counts a request after its last byte is sent, which may be
  // just after the client has read it; each request had its own connection
  // (server thread), so the second may be counted before the first.
  std::string text;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto res = Client().Get("/metrics");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    text = res->body;
    if (text.find("/v1/completions\",status=\"200\"") != std::string::npos &&
        text.find("/v1/completions\",status=\"400\"") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(text.find("dokja_requests_total{endpoint=\"/v1/completions\",status=\"200\"}"), std::string::npos);
  EXPECT_NE(text.find("dokja_requests_total{endpoint=\"/v1/completions\",status=\"400\"}"), std::string::npos);
  EXPECT_NE(text.find("dokja_request_duration_seconds_count{endpoint=\"/v1/completions\"}"), std::string::npos);
  EXPECT_EQ(text.find("dokja_generation_tokens_total 0\n"), std::string::npos);
  EXPECT_EQ(text.find("dokja_prompt_tokens_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("dokja_queue_depth 0\n"), std::string::npos);
}

TEST(ServeOptions, WrongApiKeyIs401AndTheRightOneWorks) {
  auto model = LoadModel();
  ServeOptions options;
  options.port = 0;
  options.api_key = "sekrit";
  auto server = ModelServer::Start(*model, options);
  ASSERT_TRUE(server.ok());
  httplib::Client cli("127.0.0.1", (*server)->port());
  auto none = cli.Get("/v1/models");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(Json::parse(none->body)["error"]["code"], "invalid_api_key");
  auto wrong = cli.Get("/v1/models", {{"Authorization", "Bearer nope"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto right = cli.Get("/v1/models", {{"Authorization", "Bearer sekrit"}});
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  auto health = cli.Get("/health");  // not under /v1: open, as in vLLM
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ServeOptions, FullQueueAnswers429) {
  auto model = LoadModel(/*n_ctx=*/4096);
  ServeOptions options;
  options.port = 0;
  options.max_concurrency = 1;
  options.max_queue = 0;
  auto server = ModelServer::Start(*model, options);
  ASSERT_TRUE(server.ok());
  const int32_t port = (*server)->port();
  // A long streaming request holds the only session; we drop it once the
  // second request has been answered.
  std::atomic<bool> started{false}, release{false};
  std::thread holder([&] {
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/completions";
    req.body = Json{{"prompt", "Once upon a time"}, {"max_tokens", 4000}, {"ignore_eos", true},
                    {"stream", true}}
                   .dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) {
      started = true;
      return !release.load();
    };
    httplib::Client cli("127.0.0.1", port);
    cli.send(req);
  });
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  httplib::Client cli("127.0.0.1", port);
  auto res = cli.Post("/v1/completions", R"({"prompt": "Hi", "max_tokens": 2})", "application/json");
  release = true;
  holder.join();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  Json e = Json::parse(res->body)["error"];
  EXPECT_EQ(e["code"], "rate_limit_exceeded");
  std::string metrics;
  for (int attempt = 0; attempt < 100 && metrics.find("status=\"429\"") == std::string::npos; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt ? 10 : 0));
    auto res_metrics = cli.Get("/metrics");
    ASSERT_TRUE(res_metrics);
    metrics = res_metrics->body;
  }
  EXPECT_NE(metrics.find("dokja_rejected_requests_total 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("status=\"429\"} 1\n"), std::string::npos);
  (*server)->Stop();  // returns once the cancelled stream has finished
}

}  // namespace
}  // namespace dokja::serve
