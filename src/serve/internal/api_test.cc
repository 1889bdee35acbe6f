// Request parsing: every field's type and range, and the error shape.
#include "serve/internal/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace dokja::serve {
namespace {

template <typename T>
ApiError ErrorOf(const Parsed<T>& parsed) {
  EXPECT_TRUE(std::holds_alternative<ApiError>(parsed));
  return std::holds_alternative<ApiError>(parsed) ? std::get<ApiError>(parsed) : ApiError{};
}

TEST(ParseCompletionRequest, ReadsEveryField) {
  auto parsed = ParseCompletionRequest(R"({"model": "m", "prompt": "hi", "max_tokens": 5,
      "temperature": 0.5, "top_p": 0.9, "top_k": 40, "seed": 3, "stop": ["a", ""], "echo": true,
      "logprobs": 2, "stream": true, "stream_options": {"include_usage": true}, "n": 1})");
  ASSERT_TRUE(std::holds_alternative<CompletionRequest>(parsed)) << ErrorOf(parsed).message;
  const auto& r = std::get<CompletionRequest>(parsed);
  EXPECT_EQ(r.model, "m");
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_EQ(r.prompts[0].text, "hi");
  EXPECT_EQ(r.gen.max_tokens, 5);
  EXPECT_FLOAT_EQ(r.gen.sampling.temperature, 0.5f);
  EXPECT_EQ(r.gen.sampling.top_k, 40);
  EXPECT_EQ(r.gen.sampling.seed, 3u);
  EXPECT_EQ(r.gen.stop, std::vector<std::string>{"a"});
  EXPECT_TRUE(r.echo && r.gen.stream && r.gen.include_usage);
  EXPECT_EQ(r.logprobs, 2);
}

TEST(ParseCompletionRequest, AcceptsEveryPromptShape) {
  auto ids = ParseCompletionRequest(R"({"prompt": [1, 2, 3]})");
  ASSERT_TRUE(std::holds_alternative<CompletionRequest>(ids));
  EXPECT_TRUE(std::get<CompletionRequest>(ids).prompts[0].is_ids);
  auto lists = ParseCompletionRequest(R"({"prompt": [[1, 2], [3]]})");
  ASSERT_TRUE(std::holds_alternative<CompletionRequest>(lists));
  EXPECT_EQ(std::get<CompletionRequest>(lists).prompts.size(), 2u);
  auto texts = ParseCompletionRequest(R"({"prompt": ["a", "b", "c"]})");
  ASSERT_TRUE(std::holds_alternative<CompletionRequest>(texts));
  EXPECT_EQ(std::get<CompletionRequest>(texts).prompts.size(), 3u);
}

TEST(ParseCompletionRequest, NamesTheFieldWithTheWrongType) {
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"prompt": "x", "temperature": "hot"})")).param, "temperature");
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"prompt": "x", "max_tokens": 1.5})")).param, "max_tokens");
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"prompt": "x", "max_tokens": -1})")).param, "max_tokens");
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"prompt": "x", "echo": 1})")).param, "echo");
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"prompt": "x", "logprobs": 99})")).param, "logprobs");
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"prompt": "x", "top_p": 0})")).param, "top_p");
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"prompt": [1, "a"]})")).param, "prompt");
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"prompt": []})")).param, "prompt");
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"max_tokens": 3})")).param, "prompt");
}

TEST(ParseCompletionRequest, RejectsUnsupportedParametersClearly) {
  ApiError n = ErrorOf(ParseCompletionRequest(R"({"prompt": "x", "n": 2})"));
  EXPECT_EQ(n.param, "n");
  EXPECT_EQ(n.code, "unsupported_parameter");
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"prompt": "x", "presence_penalty": 0.5})")).param,
            "presence_penalty");
  EXPECT_EQ(ErrorOf(ParseCompletionRequest(R"({"prompt": "x", "best_of": 3})")).param, "best_of");
}

TEST(ParseCompletionRequest, MalformedBodiesAreErrorsNotExceptions) {
  for (const char* body : {"", "{", "[1, 2]", "\"text\"", "{\"prompt\": \"x\",}", "\xff\xfe"}) {
    ApiError e = ErrorOf(ParseCompletionRequest(body));
    EXPECT_EQ(e.http_status, 400) << body;
  }
}

TEST(ParseChatRequest, ReadsMessagesAndTextParts) {
  auto parsed = ParseChatRequest(R"({"messages": [{"role": "system", "content": "s"},
      {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}],
      "max_completion_tokens": 7, "logprobs": true, "top_logprobs": 2})");
  ASSERT_TRUE(std::holds_alternative<ChatRequest>(parsed)) << ErrorOf(parsed).message;
  const auto& r = std::get<ChatRequest>(parsed);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[1].content, "ab");
  EXPECT_EQ(r.gen.max_tokens, 7);
  EXPECT_EQ(r.top_logprobs, 2);
}

TEST(ParseChatRequest, NamesTheBadMessage) {
  EXPECT_EQ(ErrorOf(ParseChatRequest(R"({"messages": [{"content": "x"}]})")).param, "messages[0].role");
  EXPECT_EQ(ErrorOf(ParseChatRequest(R"({"messages": [{"role": "user", "content": 3}]})")).param,
            "messages[0].content");
  EXPECT_EQ(ErrorOf(ParseChatRequest(
                R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})"))
                .code,
            "unsupported_parameter");
  EXPECT_EQ(ErrorOf(ParseChatRequest(R"({"messages": []})")).param, "messages");
}

TEST(ParseDetokenizeRequest, NeedsIntegerTokens) {
  EXPECT_EQ(ErrorOf(ParseDetokenizeRequest(R"({"tokens": "abc"})")).param, "tokens");
  EXPECT_EQ(ErrorOf(ParseDetokenizeRequest(R"({"tokens": [-1]})")).param, "tokens");
  EXPECT_TRUE(std::holds_alternative<DetokenizeRequest>(ParseDetokenizeRequest(R"({"tokens": [1, 2]})")));
}

TEST(ErrorBody, HasOpenAiShape) {
  auto j = nlohmann::json::parse(ErrorBody(InvalidRequest("bad", "temperature")));
  EXPECT_EQ(j["error"]["message"], "bad");
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_EQ(j["error"]["param"], "temperature");
  EXPECT_TRUE(j["error"]["code"].is_null());
}

}  // namespace
}  // namespace dokja::serve
