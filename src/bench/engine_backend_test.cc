// The engine backend in process and the completions backend against
// `dokja serve-model` (serve::ModelServer on loopback) over the same
// stories260K model give identical log-likelihoods and greedy generations.
#include "bench/engine_backend.h"

#include <cstring>

#include <gtest/gtest.h>

#include "bench/backend_factory.h"
#include "bench/openai_backend.h"
#include "bench/runner.h"
#include "serve/server.h"

namespace dokja::bench {
namespace {

const std::string kModel = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K/stories260K.gguf";

Request Ll(std::string context, std::string continuation) {
  Request r;
  r.kind = RequestKind::kLoglikelihood;
  r.context = std::move(context);
  r.continuation = std::move(continuation);
  return r;
}

std::vector<Request> Mixed() {
  std::vector<Request> out = {
      Ll("Once upon a time, there was a little", " girl"),
      Ll("Once upon a time, there was a little", " dog"),
      Ll("Lily went to the", " park and played with her friends."),
      Ll("The cat sat on the mat.", " It was happy"),
      Ll("Tom had a red ball", "."),
      Ll("She said", " \"hello\""),
  };
  Request rolling;
  rolling.kind = RequestKind::kLoglikelihoodRolling;
  rolling.context = "One day, a boy named Tim found a big box in the garden.";
  out.push_back(rolling);
  for (const char* prompt : {"Once upon a time", "The little bird", "Lily and Ben were"}) {
    Request g;
    g.context = prompt;
    g.gen.max_tokens = 40;
    g.gen.until = {"."};
    out.push_back(g);
  }
  Request long_gen;
  long_gen.context = "One day";
  long_gen.gen.max_tokens = 64;
  out.push_back(long_gen);
  return out;
}

class EngineVsServer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = engine::LoadLocalModel(kModel);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    model_ = std::move(model).value();
    serve::ServeOptions so;
    so.port = 0;
    so.max_concurrency = 2;
    auto server = serve::ModelServer::Start(*model_, so);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  std::unique_ptr<Backend> Http() {
    OpenAIBackendOptions o;
    o.base_url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1";
    return std::move(MakeOpenAIBackend(o)).value();
  }
  std::unique_ptr<engine::LocalModel> model_;
  std::unique_ptr<serve::ModelServer> server_;
};

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST_F(EngineVsServer, IdenticalLoglikelihoodsAndGreedyGenerations) {
  auto http = Http();
  EngineBackendOptions eo;
  eo.n_sessions = 2;
  auto engine = std::move(MakeEngineBackend(*model_, eo)).value();
  const RequestKind kinds[] = {RequestKind::kLoglikelihood, RequestKind::kGenerate};
  ASSERT_TRUE(http->Probe(kinds).ok()) << http->Probe(kinds).ToString();
  ASSERT_TRUE(engine->Probe(kinds).ok());

  const std::vector<Request> requests = Mixed();
  RunnerOptions ro;
  ro.concurrency = 3;
  ro.progress = false;
  std::vector<Response> via_http, via_engine;
  ASSERT_TRUE(RunRequests(*http, requests, ro, &via_http).ok());
  ASSERT_TRUE(RunRequests(*engine, requests, ro, &via_engine).ok());
  int n_generated_chars = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const Response& h = via_http[i];
    const Response& e = via_engine[i];
    SCOPED_TRACE(requests[i].CanonicalJson());
    EXPECT_TRUE(SameBits(h.logprob, e.logprob)) << h.logprob << " vs " << e.logprob;
    EXPECT_EQ(h.is_greedy, e.is_greedy);
    EXPECT_EQ(h.n_tokens, e.n_tokens);
    EXPECT_EQ(h.text, e.text);
    EXPECT_EQ(h.finish_reason, e.finish_reason);
    if (requests[i].kind != RequestKind::kGenerate) {
      EXPECT_LT(h.logprob, 0);
      EXPECT_GT(h.n_tokens, 0);
    } else {
      n_generated_chars += static_cast<int>(h.text.size());
    }
  }
  EXPECT_GT(n_generated_chars, 20);  // the generations are not all empty
  // Different continuations of one context score differently.
  EXPECT_NE(via_engine[0].logprob, via_engine[1].logprob);
}

TEST_F(EngineVsServer, ContinuationSplitMatchesSeparateScoring) {
  // The echo split must score exactly the continuation's tokens: compare
  // with engine::Loglikelihood on separately tokenized context and
  // continuation, where the tokenization agrees.
  auto engine = std::move(MakeEngineBackend(*model_, {})).value();
  const Request r = Ll("Once upon a time, there was a little", " girl");
  auto out = engine->Complete(r);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::vector<int32_t> all = model_->EncodePrompt(r.context + r.continuation);
  const std::vector<int32_t> ctx = model_->EncodePrompt(r.context);
  ASSERT_LT(ctx.size(), all.size());
  ASSERT_TRUE(std::equal(ctx.begin(), ctx.end(), all.begin()));
  const std::vector<int32_t> cont(all.begin() + static_cast<ptrdiff_t>(ctx.size()), all.end());
  auto session = model_->engine().NewSession();
  auto ref = engine::Loglikelihood(*session, ctx, cont);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(out->n_tokens, static_cast<int32_t>(cont.size()));
  EXPECT_NEAR(out->logprob, ref->sum, 1e-4);
  EXPECT_EQ(out->is_greedy, ref->all_greedy);
}

TEST_F(EngineVsServer, FactoryLoadsTheEngineAndRejectsOverlongPrompts) {
  BackendConfig c;
  c.type = "engine";
  c.model_path = kModel;
  c.n_ctx = 32;
  auto backend = MakeBackend(c);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Request g;
  g.context = "Once upon a time";
  g.gen.max_tokens = 64;
  EXPECT_EQ((*backend)->Complete(g).status().code(), StatusCode::kInvalidArgument);
  c.model_path = "/nonexistent/model.gguf";
  EXPECT_FALSE(MakeBackend(c).ok());
  EXPECT_NE((*backend)->Identity().find("\"type\":\"engine\""), std::string::npos);
}

}  // namespace
}  // namespace dokja::bench

namespace dokja::bench {
namespace {

// stories260K has no chat template; give it a plain one so the chat
// backend against serve-model and the engine backend can be compared.
TEST(EngineVsServerChat, IdenticalChatGenerations) {
  engine::LocalModelOptions options;
  options.chat_template_source =
      "{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %} Then{% endif %}";
  auto model = engine::LoadLocalModel(kModel, options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  serve::ServeOptions so;
  so.port = 0;
  auto server = serve::ModelServer::Start(**model, so);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto engine_backend = std::move(MakeEngineBackend(**model, {})).value();
  std::vector<Response> via_engine;
  std::vector<Request> requests;
  for (const char* text : {"Once upon a time there was a cat.", "Tom and Lily went to the park."}) {
    Request r;
    r.messages = {{"user", text}};
    r.gen.max_tokens = 32;
    requests.push_back(r);
  }
  RunnerOptions ro;
  ro.progress = false;
  ASSERT_TRUE(RunRequests(*engine_backend, requests, ro, &via_engine).ok());
  for (bool stream : {false, true}) {
    OpenAIBackendOptions o;
    o.endpoint = OpenAIEndpoint::kChat;
    o.base_url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/v1";
    o.stream = stream;
    auto http = std::move(MakeOpenAIBackend(o)).value();
    std::vector<Response> via_http;
    ASSERT_TRUE(RunRequests(*http, requests, ro, &via_http).ok());
    for (size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(via_http[i].text, via_engine[i].text) << "stream " << stream;
      EXPECT_EQ(via_http[i].finish_reason, via_engine[i].finish_reason);
      EXPECT_FALSE(via_engine[i].text.empty());
    }
  }
  // Chat-formatted multiple choice: the rendered prompt is the context.
  Request ll;
  ll.kind = RequestKind::kLoglikelihood;
  ll.messages = {{"user", "Once upon a time"}};
  ll.continuation = " there was";
  auto scored = engine_backend->Complete(ll);
  ASSERT_TRUE(scored.ok()) << scored.status().ToString();
  EXPECT_LT(scored->logprob, 0);
  EXPECT_GT(scored->n_tokens, 0);
  (*server)->Stop();
}

TEST(EngineBackendStream, DeltasArriveTokenByTokenAndConcatenateToTheAnswer) {
  BackendConfig config;
  config.type = "engine";
  config.model_path = kModel;
  auto backend = MakeBackend(config);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Request g;
  g.context = "Once upon a time";
  g.gen.max_tokens = 40;
  auto whole = (*backend)->Complete(g);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  std::vector<std::string> deltas;
  auto streamed = (*backend)->CompleteStream(g, [&](std::string_view d) { deltas.emplace_back(d); });
  ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
  std::string joined;
  for (const std::string& d : deltas) joined += d;
  EXPECT_EQ(joined, whole->text);
  EXPECT_EQ(streamed->text, whole->text);
  EXPECT_GT(deltas.size(), 5u) << "the engine streams, not one final piece";
  // A non-generation request streams nothing and still answers.
  deltas.clear();
  auto ll = (*backend)->CompleteStream(Ll("Once upon a time", " there"), [&](std::string_view d) {
    deltas.emplace_back(d);
  });
  ASSERT_TRUE(ll.ok());
  EXPECT_TRUE(deltas.empty());
  EXPECT_LT(ll->logprob, 0);
}

}  // namespace
}  // namespace dokja::bench
