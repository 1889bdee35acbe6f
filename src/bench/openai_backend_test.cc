// The OpenAI backends and the runner against a real HTTP server on loopback
// that injects faults: runs finish correctly through retries, or refuse
// with a clear message.
#include "bench/openai_backend.h"

#include <gtest/gtest.h>

#include "bench/backend_factory.h"
#include "bench/internal/loopback_server.h"
#include "bench/runner.h"

namespace dokja::bench {
namespace {

using testing::Fault;
using testing::LoopbackServer;

std::unique_ptr<Backend> Make(const LoopbackServer& server, OpenAIEndpoint endpoint, bool stream = false) {
  OpenAIBackendOptions o;
  o.endpoint = endpoint;
  o.base_url = server.base_url();
  o.model = "m";
  o.stream = stream;
  auto b = MakeOpenAIBackend(o);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return std::move(b).value();
}

std::vector<Request> GenerateRequests(int n) {
  std::vector<Request> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out[static_cast<size_t>(i)].context = "q" + std::to_string(i);
  return out;
}

RunnerOptions FastRetries() {
  RunnerOptions o;
  o.concurrency = 2;
  o.initial_backoff_s = 0.01;
  o.request_timeout_s = 0.4;
  o.progress = false;
  return o;
}

void ExpectCanned(const std::vector<Request>& requests, const std::vector<Response>& responses) {
  ASSERT_EQ(requests.size(), responses.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(responses[i].text, LoopbackServer::Canned(requests[i].context)) << i;
  }
}

TEST(OpenAIBackend, RunCompletesThroughEveryRetryableFault) {
  LoopbackServer server;
  server.slow_ms = 1500;
  for (Fault f : {Fault::kHttp500, Fault::kHttp429, Fault::kDrop, Fault::kSlow, Fault::kMalformedJson,
                  Fault::kHttp500, Fault::kDrop}) {
    server.Push(f);
  }
  auto backend = Make(server, OpenAIEndpoint::kCompletions);
  const auto requests = GenerateRequests(20);
  std::vector<Response> responses;
  RunStats stats;
  Status s = RunRequests(*backend, requests, FastRetries(), &responses, &stats);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectCanned(requests, responses);
  EXPECT_EQ(stats.sent, 20);
  EXPECT_EQ(stats.retries, 7);
}

TEST(OpenAIBackend, EachFaultMapsToARetryableStatus) {
  LoopbackServer server;
  server.slow_ms = 1500;
  auto backend = Make(server, OpenAIEndpoint::kCompletions);
  backend->SetTimeout(0.3);
  Request r;
  r.context = "hi";
  for (Fault f : {Fault::kHttp500, Fault::kHttp429, Fault::kDrop, Fault::kSlow, Fault::kMalformedJson}) {
    server.Push(f);
    auto out = backend->Complete(r);
    EXPECT_EQ(out.status().code(), StatusCode::kUnavailable) << static_cast<int>(f) << " " << out.status().ToString();
  }
  auto ok = backend->Complete(r);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->text, "echo:hi");
}

TEST(OpenAIBackend, ReplyTricklingPastTheTimeoutIsUnavailable) {
  // Every read gets a byte well within the timeout; the whole reply does not
  // come within it, which the backend checks itself.
  LoopbackServer server;
  auto backend = Make(server, OpenAIEndpoint::kCompletions);
  backend->SetTimeout(0.4);
  server.Push(Fault::kTrickle);
  Request r;
  r.context = "hi";
  const auto t0 = std::chrono::steady_clock::now();
  auto out = backend->Complete(r);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(out.status().code(), StatusCode::kUnavailable) << out.status().ToString();
  EXPECT_NE(out.status().message().find("no complete reply within"), std::string::npos) << out.status().ToString();
  EXPECT_LT(s, 2.0);
  auto ok = backend->Complete(r);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->text, "echo:hi");
}

TEST(OpenAIBackend, ClientErrorIsFinalAndCarriesTheServerMessage) {
  LoopbackServer server;
  server.SetAlways(Fault::kHttp400);
  auto backend = Make(server, OpenAIEndpoint::kCompletions);
  std::vector<Response> responses;
  RunStats stats;
  Status s = RunRequests(*backend, GenerateRequests(5), FastRetries(), &responses, &stats);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("bad field 'x'"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("HTTP 400"), std::string::npos);
  EXPECT_EQ(stats.retries, 0);
}

TEST(OpenAIBackend, PersistentFailureStopsAfterMaxRetriesNamingTheRequest) {
  LoopbackServer server;
  server.SetAlways(Fault::kHttp500);
  auto backend = Make(server, OpenAIEndpoint::kCompletions);
  RunnerOptions o = FastRetries();
  o.max_retries = 2;
  o.concurrency = 1;
  std::vector<Response> responses;
  Status s = RunRequests(*backend, GenerateRequests(3), o, &responses);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("request 0"), std::string::npos) << s.ToString();
  EXPECT_EQ(server.requests(), 3);  // one request, two retries, nothing after
}

TEST(OpenAIBackend, DeadServerIsUnavailable) {
  int port;
  {
    LoopbackServer gone;
    port = gone.port();
  }
  OpenAIBackendOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  auto backend = MakeOpenAIBackend(o);
  ASSERT_TRUE(backend.ok());
  Request r;
  r.context = "x";
  auto out = (*backend)->Complete(r);
  EXPECT_EQ(out.status().code(), StatusCode::kUnavailable) << out.status().ToString();
  const RequestKind kinds[] = {RequestKind::kGenerate};
  EXPECT_EQ((*backend)->Probe(kinds).code(), StatusCode::kUnavailable);
}

TEST(OpenAIBackend, ProbeRefusesAServerWithoutPromptLogprobs) {
  LoopbackServer server;
  server.SetAlways(Fault::kNoPromptLogprobs);
  auto backend = Make(server, OpenAIEndpoint::kCompletions);
  const RequestKind ll[] = {RequestKind::kLoglikelihood};
  Status s = backend->Probe(ll);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("at chance"), std::string::npos) << s.ToString();
  const RequestKind gen[] = {RequestKind::kGenerate};
  EXPECT_TRUE(backend->Probe(gen).ok());
  server.SetAlways(Fault::kNone);
  EXPECT_TRUE(backend->Probe(ll).ok());
}

TEST(OpenAIBackend, ScoresContinuationsFromEchoedLogprobs) {
  LoopbackServer server;
  auto backend = Make(server, OpenAIEndpoint::kCompletions);
  Request r;
  r.kind = RequestKind::kLoglikelihood;
  r.context = "abcd";
  r.continuation = "ef";  // characters 4 and 5: -0.25 * (1 + 0) and -0.25 * (1 + 1)
  auto out = backend->Complete(r);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_DOUBLE_EQ(out->logprob, -0.75);
  EXPECT_EQ(out->n_tokens, 2);
  EXPECT_TRUE(out->is_greedy);
}

TEST(OpenAIBackend, ChatRefusesLoglikelihoodClearly) {
  LoopbackServer server;
  auto backend = Make(server, OpenAIEndpoint::kChat);
  const RequestKind ll[] = {RequestKind::kLoglikelihood};
  Status s = backend->Probe(ll);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("cannot score continuations"), std::string::npos);
  EXPECT_EQ(server.requests(), 0);
}

TEST(OpenAIBackend, ChatTakesReasoningAndSurvivesTruncatedStreams) {
  LoopbackServer server;
  for (bool stream : {false, true}) {
    auto backend = Make(server, OpenAIEndpoint::kChat, stream);
    Request r;
    r.messages = {{"user", "2+2?"}};
    if (stream) server.Push(Fault::kTruncatedStream);
    if (stream) server.Push(Fault::kDrop);
    std::vector<Response> responses;
    RunStats stats;
    Status s = RunRequests(*backend, {r}, FastRetries(), &responses, &stats);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(responses[0].text, "echo:2+2?");
    EXPECT_EQ(responses[0].reasoning, "hmm");
    EXPECT_EQ(responses[0].finish_reason, "stop");
    EXPECT_EQ(stats.retries, stream ? 2 : 0);
  }
}

TEST(OpenAIBackend, CompletionsRefusesChatMessages) {
  LoopbackServer server;
  auto backend = Make(server, OpenAIEndpoint::kCompletions);
  Request r;
  r.messages = {{"user", "hi"}};
  EXPECT_EQ(backend->Complete(r).status().code(), StatusCode::kInvalidArgument);
}

TEST(BackendFactory, ChecksTypeUrlAndKeyVariable) {
  BackendConfig c;
  c.type = "nope";
  EXPECT_EQ(MakeBackend(c).status().code(), StatusCode::kInvalidArgument);
  c.type = "openai-chat";
  EXPECT_EQ(MakeBackend(c).status().code(), StatusCode::kInvalidArgument);
  c.base_url = "ftp://x";
  EXPECT_EQ(MakeBackend(c).status().code(), StatusCode::kInvalidArgument);
  c.base_url = "http://127.0.0.1:1/v1";
  c.api_key_env = "DOKJA_TEST_SURELY_UNSET_KEY";
  auto r = MakeBackend(c);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("DOKJA_TEST_SURELY_UNSET_KEY"), std::string::npos);
  c.api_key_env.clear();
  auto ok = MakeBackend(c);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->Identity().find("key"), std::string::npos);
  EXPECT_NE((*ok)->Identity().find("openai-chat"), std::string::npos);
}

}  // namespace
}  // namespace dokja::bench
