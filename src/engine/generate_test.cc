// Text-level operations on the bundled stories260K model, against the
// llama.cpp greedy reference and the float64 log-prob reference.
#include "engine/generate.h"

#include <gtest/gtest.h>

#include "engine/reference_fixture.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

namespace dokja::engine {
namespace {

const std::string kModel = testing::kStoriesModel;
const std::string kGguf = kModel + "/stories260K.gguf";

nlohmann::json Reference() { return testing::StoriesReference(); }

std::unique_ptr<LocalModel> Load(const std::string& path, const LocalModelOptions& options = {}) {
  auto model = LoadLocalModel(path, options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? std::move(model).value() : nullptr;
}

std::unique_ptr<LocalModel> LoadHf() {
  LocalModelOptions options;
  options.tokenizer_path = kGguf;
  return Load(kModel + "/hf", options);
}

TEST(LoadLocalModel, FindsTheGgufTokenizerAndNamesTheModelByPath) {
  auto model = Load(kGguf);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->id(), kGguf);
  EXPECT_EQ(model->tokenizer().n_vocab(), 512);
  EXPECT_EQ(model->chat_template(), nullptr);
  EXPECT_EQ(model->EncodePrompt("Once upon a time"),
            Reference()["greedy"]["prompt_ids_with_bos"].get<std::vector<int32_t>>());
}

TEST(LoadLocalModel, SafetensorsWithoutTokenizerFailsNamingTheOption) {
  auto model = LoadLocalModel(kModel + "/hf");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kNotFound);
  EXPECT_NE(model.status().message().find("--tokenizer"), std::string::npos);
}

TEST(LoadLocalModel, MissingTokenizerFileIsNotFound) {
  LocalModelOptions options;
  options.tokenizer_path = kModel + "/no-such-tokenizer.json";
  auto model = LoadLocalModel(kGguf, options);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kNotFound);
}

TEST(LoadLocalModel, ChatTemplateOverrideRenders) {
  LocalModelOptions options;
  options.chat_template_source =
      "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"
      "{% if add_generation_prompt %}assistant:{% endif %}";
  auto model = Load(kGguf, options);
  ASSERT_NE(model, nullptr);
  ASSERT_NE(model->chat_template(), nullptr);
  auto text = model->RenderChat({{"user", "Hi"}});
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "user: Hi\nassistant:");
}

TEST(LocalModel, ChatWithoutTemplateIsInvalidArgument) {
  auto model = Load(kGguf);
  ASSERT_NE(model, nullptr);
  auto ids = model->EncodeChat({{"user", "Hi"}});
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), StatusCode::kInvalidArgument);
}

class GenerateReference : public ::testing::TestWithParam<bool> {
 protected:
  std::unique_ptr<LocalModel> LoadParam() { return GetParam() ? LoadHf() : Load(kGguf); }
};

TEST_P(GenerateReference, GreedyReproducesLlamaCppTextExactly) {
  auto model = LoadParam();
  ASSERT_NE(model, nullptr);
  nlohmann::json ref = Reference()["greedy"];
  auto session = model->engine().NewSession();
  GenerateOptions options;
  options.max_tokens = ref["n_predict"].get<int32_t>();
  options.stop_on_eog = false;
  auto out = Generate(*model, *session, model->EncodePrompt(ref["prompt"].get<std::string>()),
                      options);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->text, ref["text"].get<std::string>());
  std::vector<int32_t> ids;
  for (const GeneratedToken& t : out->tokens) ids.push_back(t.id);
  EXPECT_EQ(ids, ref["ids"].get<std::vector<int32_t>>());
  EXPECT_EQ(out->finish_reason, FinishReason::kLength);
  EXPECT_NEAR(out->tokens[0].logprob, ref["top_logprobs"][0][0]["logprob"].get<double>(), 5e-3);
}

TEST_P(GenerateReference, LoglikelihoodSumsTheReferenceLogProbs) {
  auto model = LoadParam();
  ASSERT_NE(model, nullptr);
  nlohmann::json ref = Reference()["logprobs"];
  std::vector<int32_t> ids = ref["ids_with_bos"].get<std::vector<int32_t>>();
  const size_t vocab = testing::kStoriesVocab;
  const std::vector<float> want = testing::StoriesLogProbs(ids.size());
  ASSERT_EQ(want.size(), ids.size() * vocab) << "cannot read logprobs_f32.bin";
  const size_t split = 9;  // context ids[0..9), continuation the rest
  double want_sum = 0;
  bool want_greedy = true;
  for (size_t t = split; t < ids.size(); ++t) {
    const float* row = want.data() + (t - 1) * vocab;
    want_sum += row[ids[t]];
    want_greedy = want_greedy && std::max_element(row, row + vocab) - row == ids[t];
  }
  auto session = model->engine().NewSession();
  auto got = Loglikelihood(*session, std::span(ids).first(split), std::span(ids).subspan(split));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->logprobs.size(), ids.size() - split);
  EXPECT_NEAR(got->sum, want_sum, 1e-3 * static_cast<double>(ids.size()));
  EXPECT_EQ(got->all_greedy, want_greedy);
  for (size_t i = 0; i < got->logprobs.size(); ++i) {
    EXPECT_NEAR(got->logprobs[i], want[(split + i - 1) * vocab + static_cast<size_t>(ids[split + i])], 1e-3);
  }
}

TEST_P(GenerateReference, PromptLogProbsMatchTheReferenceRows) {
  auto model = LoadParam();
  ASSERT_NE(model, nullptr);
  nlohmann::json ref = Reference()["logprobs"];
  std::vector<int32_t> ids = ref["ids_with_bos"].get<std::vector<int32_t>>();
  const size_t vocab = testing::kStoriesVocab;
  const std::vector<float> want = testing::StoriesLogProbs(ids.size());
  ASSERT_EQ(want.size(), ids.size() * vocab) << "cannot read logprobs_f32.bin";
  auto session = model->engine().NewSession();
  auto got = ScorePrompt(*session, ids, 3);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->logprobs.size(), ids.size());
  EXPECT_FALSE(got->logprobs[0].has_value());
  EXPECT_TRUE(got->top[0].empty());
  for (size_t t = 1; t < ids.size(); ++t) {
    const float* row = want.data() + (t - 1) * vocab;
    ASSERT_TRUE(got->logprobs[t].has_value());
    EXPECT_NEAR(*got->logprobs[t], row[ids[t]], 1e-3) << "position " << t;
    ASSERT_EQ(got->top[t].size(), 3u);
    EXPECT_EQ(got->top[t][0].id, std::max_element(row, row + vocab) - row) << "position " << t;
    EXPECT_GE(got->top[t][0].logprob, got->top[t][1].logprob);
  }
}

INSTANTIATE_TEST_SUITE_P(BothFormats, GenerateReference, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Safetensors" : "Gguf"; });

TEST(Generate, StopStringSpanningTokensEndsBeforeItAndIsNotStreamed) {
  auto model = Load(kGguf);
  ASSERT_NE(model, nullptr);
  const std::string reference = Reference()["greedy"]["text"].get<std::string>();
  // "Lily. She" spans several tokens of the reference continuation.
  const std::string stop = "Lily. She";
  const size_t at = reference.find(stop);
  ASSERT_NE(at, std::string::npos);
  auto session = model->engine().NewSession();
  GenerateOptions options;
  options.max_tokens = 100;
  options.stop = {"never appears", stop};
  std::string streamed;
  int calls = 0;
  options.on_piece = [&](const GeneratedPiece& piece) {
    streamed.append(piece.text);
    ++calls;
    return true;
  };
  auto out = Generate(*model, *session, model->EncodePrompt("Once upon a time"), options);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->text, reference.substr(0, at));
  EXPECT_EQ(streamed, out->text);
  EXPECT_GT(calls, 3);
  EXPECT_EQ(out->finish_reason, FinishReason::kStop);
}

TEST(Generate, StreamingHoldsBackOnlyPossibleStopPrefixes) {
  EXPECT_EQ(StopPrefixOverlap("hello Li", {"Lily. She"}), 2u);
  EXPECT_EQ(StopPrefixOverlap("hello", {"Lily. She"}), 0u);
  EXPECT_EQ(StopPrefixOverlap("ab", {"abc", "bx"}), 2u);
  EXPECT_EQ(StopPrefixOverlap("x", {"x"}), 0u);  // a whole stop is found, not held
}

TEST(Generate, StreamedPiecesConcatenateToTheText) {
  auto model = Load(kGguf);
  ASSERT_NE(model, nullptr);
  auto session = model->engine().NewSession();
  GenerateOptions options;
  options.max_tokens = 40;
  options.top_logprobs = 2;
  std::string streamed;
  size_t tokens = 0;
  options.on_piece = [&](const GeneratedPiece& piece) {
    streamed.append(piece.text);
    tokens += piece.tokens.size();
    return true;
  };
  auto out = Generate(*model, *session, model->EncodePrompt("Once upon a time"), options);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(streamed, out->text);
  EXPECT_EQ(tokens, out->tokens.size());
  ASSERT_EQ(out->tokens[0].top.size(), 2u);
  EXPECT_EQ(out->tokens[0].top[0].id, out->tokens[0].id);  // greedy picks the top token
}

TEST(Generate, CallbackReturningFalseCancels) {
  auto model = Load(kGguf);
  ASSERT_NE(model, nullptr);
  auto session = model->engine().NewSession();
  GenerateOptions options;
  options.max_tokens = 50;
  options.on_piece = [](const GeneratedPiece&) { return false; };
  auto out = Generate(*model, *session, model->EncodePrompt("Once upon a time"), options);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->cancelled);
  EXPECT_LT(out->tokens.size(), 50u);
}

TEST(Generate, SeededSamplingIsReproducibleAndSeedsDiffer) {
  auto model = Load(kGguf);
  ASSERT_NE(model, nullptr);
  auto session = model->engine().NewSession();
  auto run = [&](uint64_t seed) {
    GenerateOptions options;
    options.max_tokens = 48;
    options.stop_on_eog = false;
    options.sampling.temperature = 1.0f;
    options.sampling.top_p = 0.95f;
    options.sampling.seed = seed;
    auto out = Generate(*model, *session, model->EncodePrompt("Once upon a time"), options);
    EXPECT_TRUE(out.ok());
    return out.ok() ? out->text : std::string();
  };
  const std::string a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Generate, StopsAtTheContextLimit) {
  LocalModelOptions load;
  load.n_ctx = 12;
  auto model = Load(kGguf, load);
  ASSERT_NE(model, nullptr);
  auto session = model->engine().NewSession();
  GenerateOptions options;
  options.max_tokens = 100;
  options.stop_on_eog = false;
  auto out = Generate(*model, *session, model->EncodePrompt("Once upon a time"), options);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->finish_reason, FinishReason::kLength);
  EXPECT_EQ(out->tokens.size(), 12u - 5u + 1u);  // the last token needs no evaluation
}

TEST(Generate, RejectsEmptyAndOverlongPrompts) {
  LocalModelOptions load;
  load.n_ctx = 4;
  auto model = Load(kGguf, load);
  ASSERT_NE(model, nullptr);
  auto session = model->engine().NewSession();
  EXPECT_EQ(Generate(*model, *session, {}, {}).status().code(), StatusCode::kInvalidArgument);
  auto out = Generate(*model, *session, model->EncodePrompt("Once upon a time"), {});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("5 tokens"), std::string::npos) << out.status().message();
}

TEST(Generate, MaxTokensZeroGeneratesNothing) {
  auto model = Load(kGguf);
  ASSERT_NE(model, nullptr);
  auto session = model->engine().NewSession();
  GenerateOptions options;
  options.max_tokens = 0;
  auto out = Generate(*model, *session, model->EncodePrompt("Once"), options);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->tokens.empty());
  EXPECT_EQ(out->finish_reason, FinishReason::kLength);
}

}  // namespace
}  // namespace dokja::engine
