// The hand-written JSON (cache keys, request bodies, stored answers) against
// what nlohmann::json's tree writes for the same values, on random inputs:
// control characters, quotes, multi-byte UTF-8, invalid UTF-8, odd doubles.
#include "bench/internal/json_text.h"

#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bench/backend.h"
#include "bench/internal/openai_json.h"

namespace dokja::bench::internal {
namespace {

using Json = nlohmann::json;

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// How the JSON was built before it was written by hand.
std::string ReferenceCanonical(const Request& r) {
  Json j;
  j["kind"] = RequestKindName(r.kind);
  j["context"] = r.context;
  if (r.kind == RequestKind::kLoglikelihood) j["continuation"] = r.continuation;
  if (!r.messages.empty()) {
    Json arr = Json::array();
    for (const Message& m : r.messages) arr.push_back({{"role", m.role}, {"content", m.content}});
    j["messages"] = std::move(arr);
  }
  if (r.kind == RequestKind::kGenerate) {
    j["gen"] = {{"max_tokens", r.gen.max_tokens}, {"temperature", r.gen.temperature},
                {"top_p", r.gen.top_p},           {"seed", r.gen.seed},
                {"until", r.gen.until}};
  }
  return Dump(j);
}

std::string ReferenceResponse(const Response& r) {
  return Dump({{"logprob", r.logprob},     {"is_greedy", r.is_greedy}, {"n_tokens", r.n_tokens},
               {"text", r.text},           {"reasoning", r.reasoning}, {"finish_reason", r.finish_reason}});
}

void AddSampling(Json& body, const Request& r) {
  body["max_tokens"] = r.gen.max_tokens;
  body["temperature"] = r.gen.temperature;
  body["top_p"] = r.gen.top_p;
  body["seed"] = r.gen.seed;
  if (!r.gen.until.empty()) body["stop"] = r.gen.until;
}

std::string ReferenceCompletion(const std::string& model, const Request& r) {
  Json body = {{"prompt", r.context}};
  AddSampling(body, r);
  if (!model.empty()) body["model"] = model;
  return Dump(body);
}

std::string ReferenceChat(const std::string& model, const Request& r, bool stream) {
  Json messages = Json::array();
  for (const Message& m : r.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  if (messages.empty()) messages.push_back({{"role", "user"}, {"content", r.context}});
  Json body = {{"messages", std::move(messages)}};
  AddSampling(body, r);
  if (stream) body["stream"] = true;
  if (!model.empty()) body["model"] = model;
  return Dump(body);
}

std::string ReferenceEcho(const std::string& model, const std::string& prompt) {
  Json body = {{"prompt", prompt}, {"echo", true}, {"logprobs", 1}, {"max_tokens", 0}, {"temperature", 0.0}};
  if (!model.empty()) body["model"] = model;
  return Dump(body);
}

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  std::string Text() {
    static const std::vector<std::string> kPieces = {
        "a", "Paris", " ", "\"", "\\", "\n", "\t", "\r", "\b", "\f", std::string(1, '\0'), "\x01", "\x1f",
        "\x7f", "/", "é", "한국어", "🙂", "\xe2\x80\xa8", "\xff", "\xc3", "\xed\xa0\x80", "\xc0\xaf",
        "\xf4\x90\x80\x80", "\xe0\x80\xaf", "{}", "\\u0041"};
    std::string s;
    const size_t n = Below(8);
    for (size_t i = 0; i < n; ++i) s += kPieces[Below(kPieces.size())];
    return s;
  }
  double Double() {
    static const double kValues[] = {0.0, -0.0, 1.0, -1.0, 0.7, 0.95, 1e-300, 1e300, -12.345678901234567,
                                     0.1 + 0.2, std::numeric_limits<double>::infinity(),
                                     std::numeric_limits<double>::quiet_NaN(), 123456789.0, 5e-324};
    return kValues[Below(std::size(kValues))];
  }
  Request MakeRequest() {
    Request r;
    r.kind = static_cast<RequestKind>(Below(3));
    r.context = Text();
    r.continuation = Text();
    for (size_t i = Below(3); i > 0; --i) r.messages.push_back({Text(), Text()});
    r.gen.max_tokens = static_cast<int32_t>(Below(3)) - 1;
    r.gen.temperature = Double();
    r.gen.top_p = Double();
    r.gen.seed = Below(2) ? std::numeric_limits<uint64_t>::max() : Below(100);
    for (size_t i = Below(3); i > 0; --i) r.gen.until.push_back(Text());
    return r;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(JsonText, StringsMatchNlohmann) {
  Gen gen(1);
  for (int i = 0; i < 5000; ++i) {
    const std::string s = gen.Text();
    std::string out;
    AppendJsonString(out, s);
    ASSERT_EQ(out, Dump(Json(s))) << Json(s).dump(-1, ' ', true, Json::error_handler_t::replace);
  }
}

TEST(JsonText, RequestsResponsesAndBodiesMatchTheTreeTheyReplace) {
  Gen gen(2);
  for (int i = 0; i < 3000; ++i) {
    const Request r = gen.MakeRequest();
    const std::string model = gen.Below(2) ? "" : gen.Text();
    ASSERT_EQ(r.CanonicalJson(), ReferenceCanonical(r)) << i;
    ASSERT_EQ(CompletionBody(model, r), ReferenceCompletion(model, r)) << i;
    ASSERT_EQ(ChatBody(model, r, i % 2 == 0), ReferenceChat(model, r, i % 2 == 0)) << i;
    ASSERT_EQ(EchoBody(model, r.context), ReferenceEcho(model, r.context)) << i;
    Response resp;
    resp.logprob = gen.Double();
    resp.is_greedy = gen.Below(2) == 1;
    resp.n_tokens = static_cast<int32_t>(gen.Below(1000)) - 1;
    resp.text = gen.Text();
    resp.reasoning = gen.Text();
    resp.finish_reason = gen.Text();
    ASSERT_EQ(resp.ToJson(), ReferenceResponse(resp)) << i;
  }
}

}  // namespace
}  // namespace dokja::bench::internal

namespace dokja::bench::internal {
namespace {

// The one-pass completions reply reader against the tree-based parser, on
// replies built from pieces: repeated keys, wrong types, nesting, junk.
TEST(CompletionReply, OnePassReaderAgreesWithTheTree) {
  const std::vector<std::string> kChoice = {
      R"({"index":0,"text":" Paris.","logprobs":null,"finish_reason":"stop"})",
      R"({"text":"a","text":"b","finish_reason":"length","finish_reason":7})",
      R"({"text":5,"finish_reason":"stop"})",
      R"({"finish_reason":"stop"})",
      R"({"text":"x\u00e9\n","nested":{"text":"no","usage":{"completion_tokens":9}}})",
      R"({"text":["a"],"finish_reason":{"a":1}})",
      R"({"text":"ok","text":null})",
      R"({"text":null,"text":"ok"})",
      R"("just a string")", R"([])", R"({})"};
  const std::vector<std::string> kUsage = {
      R"({"prompt_tokens":6,"completion_tokens":2,"total_tokens":8})",
      R"({"completion_tokens":2.0})", R"({"completion_tokens":-3})",
      R"({"completion_tokens":4294967301})", R"({"completion_tokens":"2"})",
      R"({"completion_tokens":1,"completion_tokens":"x"})", R"([1,2])", R"(null)"};
  std::mt19937_64 rng(3);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  for (int i = 0; i < 4000; ++i) {
    std::string choices = "[";
    for (int n = static_cast<int>(rng() % 3), k = 0; k < n; ++k) choices += (k ? "," : "") + pick(kChoice);
    choices += "]";
    std::string body = "{\"id\":\"c\",";
    if (rng() % 4 != 0) body += "\"choices\":" + (rng() % 8 == 0 ? pick(kChoice) : choices) + ",";
    if (rng() % 3 != 0) body += "\"usage\":" + pick(kUsage) + ",";
    if (rng() % 5 == 0) body += "\"choices\":" + choices + ",";
    body += "\"model\":\"m\"}";
    if (rng() % 20 == 0) body.pop_back();             // truncated
    if (rng() % 20 == 0) body = "[" + body + "]";     // not an object
    if (rng() % 20 == 0) body += " x";                // trailing junk
    const Result<Response> fast = ParseCompletionReply(body);
    const Result<Response> tree = ParseCompletionReplyTree(body);
    ASSERT_EQ(fast.ok(), tree.ok()) << body;
    if (fast.ok()) {
      ASSERT_EQ(fast->ToJson(), tree->ToJson()) << body;
    } else {
      ASSERT_EQ(fast.status().ToString(), tree.status().ToString()) << body;
    }
  }
}

}  // namespace
}  // namespace dokja::bench::internal

namespace dokja::bench::internal {
namespace {

// Replies as servers write them (vLLM, SGLang, llama.cpp, pretty-printed),
// with escapes, surrogate pairs, Korean text and numbers of every form.
const std::vector<std::string> kRealisticReplies = {
    R"({"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,)"
    R"("text":" Paris.","logprobs":null,"finish_reason":"stop","stop_reason":null}],)"
    R"("usage":{"prompt_tokens":6,"total_tokens":8,"completion_tokens":2}})",
    "{\n  \"choices\" : [ {\"text\": \"\\ub2f5: \\uc11c\\uc6b8\\n\\t\\\"q\\\" \\/ \\\\\", "
    "\"finish_reason\": \"length\"} ],\r\n  \"usage\": {\"completion_tokens\": 256}\n}",
    R"({"choices":[{"text":"답: 서울 🙂 \ud83d\ude00","finish_reason":"stop","logprobs":{"tokens":["a"],)"
    R"("token_logprobs":[-0.5,-1e-3,0,-0.0,1E+2,-12.75e-1]}}],"usage":{"completion_tokens":-0}})",
    R"({"usage":{"completion_tokens":18446744073709551615},"choices":[{"text":"","finish_reason":null}]})",
    R"({"choices":[{"text":"x\u0000y\u001f","finish_reason":"stop"},{"text":5}],"usage":[],"z":[[[{}]]]})",
    R"({"choices":[{"text":"a"}],"usage":{"completion_tokens":-9223372036854775808}})",
    R"({"ch\u006fices":[{"te\u0078t":"escaped keys","finish_reason":"stop"}]})",
};

// One way of reading a kind of reply: the one-pass reader, the tree, and
// the two combined (what the backend calls).
struct ReplyReader {
  bool (*one_pass)(std::string_view, Response*);
  Result<Response> (*tree)(std::string_view);
  Result<Response> (*both)(std::string_view);
};

// Every one of `replies` takes the one-pass path and reads as the tree does.
void CheckRealisticReplies(const std::vector<std::string>& replies, const ReplyReader& reader) {
  for (const std::string& body : replies) {
    Response fast;
    ASSERT_TRUE(reader.one_pass(body, &fast)) << body;
    const Result<Response> tree = reader.tree(body);
    ASSERT_TRUE(tree.ok()) << tree.status().ToString();
    EXPECT_EQ(fast.ToJson(), tree->ToJson()) << body;
  }
}

const ReplyReader kCompletionReader{ReadCompletionReplyOnePass, ParseCompletionReplyTree, ParseCompletionReply};
const ReplyReader kChatReader{ReadChatReplyOnePass, ParseChatReplyTree, ParseChatReply};

TEST(CompletionReply, OnePassReaderTakesRealisticReplies) {
  CheckRealisticReplies(kRealisticReplies, kCompletionReader);
  Response r;
  ASSERT_TRUE(ReadCompletionReplyOnePass(kRealisticReplies[1], &r));
  EXPECT_EQ(r.text, "\xeb\x8b\xb5: \xec\x84\x9c\xec\x9a\xb8\n\t\"q\" / \\");
  EXPECT_EQ(r.n_tokens, 256);
  ASSERT_TRUE(ReadCompletionReplyOnePass(kRealisticReplies[2], &r));
  EXPECT_NE(r.text.find("\xf0\x9f\x98\x80"), std::string::npos);  // the surrogate pair, as UTF-8
}

// Random edits of `replies` (a byte deleted, inserted, replaced, a span
// repeated): whatever the one-pass reader accepts, the tree reads the same;
// what it refuses, the combined parser answers as the tree does. Both paths
// must be exercised.
void CheckMutatedReplies(const std::vector<std::string>& replies, const ReplyReader& reader, uint64_t seed) {
  const std::string kBytes = "{}[]\",:\\/0123456789-+.eEtrufalsn \t\n\r\x01\x7f\x80\xbf\xc3\xed\xf0\xff"
                             "\\u\\ud800\\udc00";
  std::mt19937_64 rng(seed);
  int accepted = 0, refused = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string body = replies[rng() % replies.size()];
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0 && !body.empty(); --edits) {
      const size_t at = rng() % body.size();
      switch (rng() % 4) {
        case 0: body.erase(at, 1); break;
        case 1: body.insert(at, 1, kBytes[rng() % kBytes.size()]); break;
        case 2: body[at] = kBytes[rng() % kBytes.size()]; break;
        default: body.insert(at, body.substr(at, rng() % 12)); break;
      }
    }
    Response fast;
    const bool one_pass = reader.one_pass(body, &fast);
    const Result<Response> tree = reader.tree(body);
    if (one_pass) {
      ++accepted;
      ASSERT_TRUE(tree.ok()) << "accepted what the tree refuses: " << body << "\n" << tree.status().ToString();
      ASSERT_EQ(fast.ToJson(), tree->ToJson()) << body;
    } else {
      ++refused;
      const Result<Response> both = reader.both(body);
      ASSERT_EQ(both.ok(), tree.ok()) << body;
      if (!both.ok()) {
        ASSERT_EQ(both.status().ToString(), tree.status().ToString());
      }
    }
  }
  EXPECT_GT(accepted, 3000);
  EXPECT_GT(refused, 3000);
}

TEST(CompletionReply, MutatedRepliesReadAsTheTreeReadsThem) {
  CheckMutatedReplies(kRealisticReplies, kCompletionReader, 11);
}

}  // namespace
}  // namespace dokja::bench::internal

namespace dokja::bench::internal {
namespace {

// Chat replies as vLLM, SGLang and llama.cpp write them: reasoning fields,
// null content, tool calls, repeated keys, pretty-printing.
const std::vector<std::string> kRealisticChatReplies = {
    R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m","choices":[{"index":0,)"
    R"("message":{"role":"assistant","content":"답: 서울","reasoning_content":"<생각>","tool_calls":[]},)"
    R"("logprobs":null,"finish_reason":"stop","stop_reason":null}],)"
    R"("usage":{"prompt_tokens":9,"total_tokens":20,"completion_tokens":11}})",
    "{\n \"choices\": [ {\"message\": {\"content\": null, \"reasoning\": \"think \\ud83d\\ude00\",\n"
    " \"tool_calls\": [{\"id\": \"c1\", \"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}]},"
    " \"finish_reason\": \"tool_calls\"} ]\r\n}",
    R"({"choices":[{"message":{"content":"a","content":"b","reasoning_content":"","reasoning":"r"},)"
    R"("finish_reason":"length"}],"usage":{"completion_tokens":2.0}})",
    R"({"choices":[{"message":"not an object","message":{"content":"last wins"}}]})",
    R"({"choices":[{"message":{"content":["parts"],"reasoning_content":7}}],"usage":{"completion_tokens":-1}})",
};

TEST(ChatReply, OnePassReaderTakesRealisticReplies) {
  CheckRealisticReplies(kRealisticChatReplies, kChatReader);
  Response r;
  ASSERT_TRUE(ReadChatReplyOnePass(kRealisticChatReplies[0], &r));
  EXPECT_EQ(r.text, "답: 서울");
  EXPECT_EQ(r.reasoning, "<생각>");
  EXPECT_EQ(r.n_tokens, 11);
  ASSERT_TRUE(ReadChatReplyOnePass(kRealisticChatReplies[2], &r));
  EXPECT_EQ(r.text, "b");
  EXPECT_EQ(r.reasoning, "r");  // reasoning_content empty: "reasoning" is used
  // A completions reply is not a chat reply, and the other way round.
  EXPECT_FALSE(ReadChatReplyOnePass(kRealisticReplies[0], &r));
  EXPECT_FALSE(ReadCompletionReplyOnePass(kRealisticChatReplies[0], &r));
}

TEST(ChatReply, MutatedRepliesReadAsTheTreeReadsThem) {
  CheckMutatedReplies(kRealisticChatReplies, kChatReader, 13);
}

}  // namespace
}  // namespace dokja::bench::internal
