#include "bench/internal/openai_json.h"

#include <gtest/gtest.h>

#include "bench/internal/echo_score.h"

namespace dokja::bench::internal {
namespace {

Request Ll(std::string context, std::string continuation) {
  Request r;
  r.kind = RequestKind::kLoglikelihood;
  r.context = std::move(context);
  r.continuation = std::move(continuation);
  return r;
}

// A vLLM-shaped echo reply for tokens with their log-probs.
std::string EchoReply(const std::vector<std::string>& tokens, const std::vector<double>& lps,
                      const std::string& extra_top = "") {
  std::string offsets, toks, lp, top;
  int64_t off = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string sep = i ? "," : "";
    offsets += sep + std::to_string(off);
    off += CharCount(tokens[i]);
    toks += sep + "\"" + tokens[i] + "\"";
    lp += sep + (i ? std::to_string(lps[i]) : "null");
    top += sep + (i ? "{\"" + tokens[i] + "\":" + std::to_string(lps[i]) + extra_top + "}" : "null");
  }
  return R"({"choices":[{"text":"","logprobs":{"text_offset":[)" + offsets + R"(],"token_logprobs":[)" + lp +
         R"(],"tokens":[)" + toks + R"(],"top_logprobs":[)" + top + "]}}]}";
}

TEST(EchoScore, SumsContinuationTokensCountingFromTheEnd) {
  // The server shows BOS as "<s>" and a dummy-prefix space: the split still
  // lands on " Paris".
  const std::string body = EchoReply({"<s>", " The", " capital", " is", " Par", "is"},
                                     {0, -1.0, -2.0, -0.5, -0.25, -0.125});
  auto r = ParseEchoReply(body, Ll("The capital is", " Paris"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->logprob, -0.375);
  EXPECT_EQ(r->n_tokens, 2);
  EXPECT_TRUE(r->is_greedy);
}

TEST(EchoScore, TokenStraddlingTheBoundaryCountsAsContinuation) {
  auto r = ParseEchoReply(EchoReply({"ab", "cd", "ef"}, {0, -1.0, -2.0}), Ll("abc", "def"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->logprob, -3.0);
  EXPECT_EQ(r->n_tokens, 2);
}

TEST(EchoScore, NotGreedyWhenAnAlternativeIsLikelier) {
  auto r = ParseEchoReply(EchoReply({"a", "b"}, {0, -2.0}, ",\"z\":-0.1"), Ll("a", "b"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->is_greedy);
}

TEST(EchoScore, RollingSumsEveryScoredToken) {
  Request req = Ll("abc", "");
  req.kind = RequestKind::kLoglikelihoodRolling;
  auto r = ParseEchoReply(EchoReply({"a", "b", "c"}, {0, -1.0, -2.0}), req);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->logprob, -3.0);
  EXPECT_EQ(r->n_tokens, 2);
}

TEST(EchoScore, MissingPromptLogprobsIsUnsupportedWithAnExplanation) {
  auto r = ParseEchoReply(R"({"choices":[{"text":"x","logprobs":null}]})", Ll("a", "b"));
  ASSERT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("no prompt log-probs"), std::string::npos);
  auto nulls = ParseEchoReply(
      R"({"choices":[{"logprobs":{"text_offset":[0,1],"token_logprobs":[null,null],"tokens":["a","b"]}}]})",
      Ll("a", "b"));
  EXPECT_EQ(nulls.status().code(), StatusCode::kUnsupported);
}

TEST(EchoScore, GeneratedTokensBeyondUsagePromptTokensAreIgnored) {
  std::string body = EchoReply({"a", "b", "X"}, {0, -1.0, -7.0});
  body.insert(body.size() - 1, R"(,"usage":{"prompt_tokens":2})");
  auto r = ParseEchoReply(body, Ll("a", "b"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->logprob, -1.0);
}

TEST(OpenAIJson, MalformedJsonIsUnavailableAndNamesTheReply) {
  auto r = ParseCompletionReply("{\"choices\": [tru");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("malformed JSON"), std::string::npos);
  EXPECT_EQ(ParseChatReply(R"({"choices":[]})").status().code(), StatusCode::kCorrupt);
}

TEST(OpenAIJson, ChatReplyTakesReasoningContent) {
  auto r = ParseChatReply(
      R"({"choices":[{"message":{"content":"4","reasoning_content":"2+2"},"finish_reason":"stop"}],"usage":{"completion_tokens":5}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "4");
  EXPECT_EQ(r->reasoning, "2+2");
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_EQ(r->n_tokens, 5);
}

TEST(OpenAIJson, ErrorMessageTakesTheServerMessage) {
  EXPECT_EQ(ErrorMessage(R"({"error":{"message":"no such model"}})"), "no such model");
  EXPECT_EQ(ErrorMessage("plain text"), "plain text");
}

TEST(SseChatReader, AssemblesEventsSplitAnywhere) {
  const std::string stream =
      "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"r\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n"
      ": comment\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n";
  SseChatReader reader;
  for (size_t i = 0; i < stream.size(); i += 7) ASSERT_TRUE(reader.Feed(stream.substr(i, 7)).ok());
  auto r = reader.Finish();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->text, "Hello");
  EXPECT_EQ(r->reasoning, "r");
}

TEST(SseChatReader, TruncatedStreamIsUnavailable) {
  SseChatReader reader;
  ASSERT_TRUE(reader.Feed("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n").ok());
  auto r = reader.Finish();
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("truncated"), std::string::npos);
  SseChatReader bad;
  EXPECT_EQ(bad.Feed("data: {oops\n\n").code(), StatusCode::kUnavailable);
}

TEST(OpenAIJson, BodiesCarryTheFieldsServersNeed) {
  Request g;
  g.context = "Q";
  g.gen.until = {"\n"};
  const std::string body = CompletionBody("m", g);
  EXPECT_NE(body.find("\"stop\":[\"\\n\"]"), std::string::npos);
  EXPECT_NE(body.find("\"model\":\"m\""), std::string::npos);
  EXPECT_NE(EchoBody("", "x").find("\"echo\":true"), std::string::npos);
  EXPECT_EQ(EchoBody("", "x").find("model"), std::string::npos);
  EXPECT_NE(ChatBody("", g, true).find("\"stream\":true"), std::string::npos);
}

}  // namespace
}  // namespace dokja::bench::internal
