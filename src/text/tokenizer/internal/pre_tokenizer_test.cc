#include "text/tokenizer/internal/pre_tokenizer.h"

#include <gtest/gtest.h>

namespace dokja::text::internal {
namespace {

using Words = std::vector<std::string>;

Words RunSteps(std::vector<PreTokenizerStep> steps, std::string_view text) {
  auto pre = PreTokenizer::Create(std::move(steps));
  EXPECT_TRUE(pre.ok()) << pre.status().ToString();
  return pre.ok() ? (*pre)->Run(text, true) : Words{};
}

Words RunPreset(std::string_view name, std::string_view text) {
  auto spec = GgufPreTokenizerRules(name);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  std::vector<PreTokenizerStep> steps;
  for (SplitRule& rule : spec->rules) steps.push_back(PreTokenizerStep::Split(std::move(rule)));
  return RunSteps(std::move(steps), text);
}

PreTokenizerStep Literal(const char* s, SplitBehavior behavior, bool invert = false) {
  return PreTokenizerStep::Split(SplitRule{s, false, behavior, invert});
}

TEST(PreTokenizer, Gpt2PatternSplitsContractionsWordsAndSpaces) {
  EXPECT_EQ(RunPreset("gpt-2", "Hello world's   end!!\n"),
            (Words{"Hello", " world", "'s", "  ", " end", "!!", "\n"}));
}

TEST(PreTokenizer, Llama3GroupsDigitsInThreesAndKeepsCaseInsensitiveContractions) {
  EXPECT_EQ(RunPreset("llama-bpe", "12345 I'M"), (Words{"123", "45", " I", "'M"}));
  EXPECT_EQ(RunPreset("qwen2", "12345"), (Words{"1", "2", "3", "4", "5"}));
}

TEST(PreTokenizer, WhitespaceClassIncludesVerticalTabAndNextLineLikeOniguruma) {
  // ICU's own \s lacks U+000B and U+0085; tokenizer.json patterns expect them.
  std::vector<PreTokenizerStep> steps = {
      PreTokenizerStep::Split(SplitRule{"\\s+", true, SplitBehavior::kIsolated, false})};
  EXPECT_EQ(RunSteps(steps, "x\x0By\xC2\x85z"), (Words{"x", "\x0B", "y", "\xC2\x85", "z"}));
}

TEST(PreTokenizer, SplitBehavioursFollowHuggingFace) {
  const char* text = "a-b--c";
  EXPECT_EQ(RunSteps({Literal("-", SplitBehavior::kIsolated)}, text), (Words{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(RunSteps({Literal("-", SplitBehavior::kRemoved)}, text), (Words{"a", "b", "c"}));
  EXPECT_EQ(RunSteps({Literal("-", SplitBehavior::kMergedWithPrevious)}, text), (Words{"a-", "b-", "-", "c"}));
  EXPECT_EQ(RunSteps({Literal("-", SplitBehavior::kMergedWithNext)}, text), (Words{"a", "-b", "-", "-c"}));
  EXPECT_EQ(RunSteps({Literal("-", SplitBehavior::kContiguous)}, text), (Words{"a", "-", "b", "--", "c"}));
  // Inverted, each delimiter is its own kept segment (HF: one per match).
  EXPECT_EQ(RunSteps({Literal("-", SplitBehavior::kRemoved, /*invert=*/true)}, text), (Words{"-", "-", "-"}));
}

TEST(PreTokenizer, ByteLevelMapsBytesAndCanPrependASpace) {
  EXPECT_EQ(RunSteps({PreTokenizerStep::ByteLevel(true, true)}, "hi there"),
            (Words{"\xC4\xA0hi", "\xC4\xA0there"}));  // "Ġhi", "Ġthere"
  EXPECT_EQ(RunSteps({PreTokenizerStep::ByteLevel(false, false)}, "a\n\xFF"),
            (Words{"a\xC4\x8A\xC3\xBF"}));  // "aĊÿ"
}

TEST(PreTokenizer, MetaspaceReplacesSpacesAndSplitsBeforeEachMarker) {
  MetaspaceStep meta;
  EXPECT_EQ(RunSteps({PreTokenizerStep::Metaspace(meta)}, "hi  you"),
            (Words{"\xE2\x96\x81hi", "\xE2\x96\x81", "\xE2\x96\x81you"}));
  meta.prepend = MetaspaceStep::Prepend::kNever;
  meta.split = false;
  EXPECT_EQ(RunSteps({PreTokenizerStep::Metaspace(meta)}, "hi you"), (Words{"hi\xE2\x96\x81you"}));
}

TEST(PreTokenizer, InvalidUtf8StaysInThePiecesByteForByte) {
  const std::string text = "ab\xFF\xC3 cd\xE2\x82";
  std::string joined;
  for (const std::string& w : RunPreset("llama-bpe", text)) joined += w;
  EXPECT_EQ(joined, text);
  joined.clear();
  for (const std::string& w : RunPreset("deepseek-llm", text)) joined += w;
  EXPECT_EQ(joined, text);
}

TEST(PreTokenizer, VeryLongWhitespaceRunDoesNotOverflowTheRegexStack) {
  const std::string text = std::string(200000, ' ') + "x";
  const Words words = RunPreset("gpt-2", text);
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words[0].size(), 199999u);
  EXPECT_EQ(words[1], " x");
}

TEST(PreTokenizer, RejectsBadPatternsAndUnknownPresetNames) {
  auto bad = PreTokenizer::Create({PreTokenizerStep::Split(SplitRule{"(?<", true, SplitBehavior::kIsolated, false})});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("(?<"), std::string::npos);
  auto unknown = GgufPreTokenizerRules("no-such-pre");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(unknown.status().message().find("tokenizer.ggml.pre"), std::string::npos);
}

}  // namespace
}  // namespace dokja::text::internal
