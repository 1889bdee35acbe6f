#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "text/tokenizer/testing/fixture_texts.h"
#include "text/tokenizer/testing/gguf_metadata.h"
#include "text/tokenizer/tokenizer.h"

namespace dokja::text {
namespace {

using testing::FixturesDir;

std::string Escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      out += "\\x" + std::to_string(c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string Join(const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += (out.empty() ? "" : " ") + std::to_string(id);
  return out;
}

std::unique_ptr<Tokenizer> LoadGgufTokenizer(const std::string& path) {
  Result<Metadata> md = testing::LoadGgufMetadata(io::Env::Default(), path);
  EXPECT_TRUE(md.ok()) << md.status().ToString();
  if (!md.ok()) return nullptr;
  Result<std::unique_ptr<Tokenizer>> tok = TokenizerFromGgufMetadata(*md);
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return tok.ok() ? std::move(tok).value() : nullptr;
}

class GgufVocabFixture : public ::testing::TestWithParam<std::string> {
 protected:
  std::string VocabPath() const { return FixturesDir() + "/tokenizers/ggml-vocab-" + GetParam() + ".gguf"; }
};

TEST_P(GgufVocabFixture, EncodesEveryLlamaCppTestTextExactly) {
  auto tok = LoadGgufTokenizer(VocabPath());
  ASSERT_NE(tok, nullptr);
  auto cases = testing::LoadFixtureCases(VocabPath());
  ASSERT_TRUE(cases.ok()) << cases.status().ToString();
  ASSERT_EQ(cases->size(), 46u);
  size_t passed = 0;
  for (const auto& c : *cases) {
    const std::vector<int32_t> got = tok->Encode(c.text, {.add_bos = false, .parse_special = false});
    if (got == c.ids) {
      ++passed;
    } else {
      ADD_FAILURE() << "text \"" << Escape(c.text) << "\"\n  expected: " << Join(c.ids)
                    << "\n  got:      " << Join(got);
    }
  }
  EXPECT_EQ(passed, cases->size()) << GetParam() << ": " << passed << " of " << cases->size();
}

TEST_P(GgufVocabFixture, DecodeOfEncodeGivesBackEveryTestText) {
  auto tok = LoadGgufTokenizer(VocabPath());
  ASSERT_NE(tok, nullptr);
  auto cases = testing::LoadFixtureCases(VocabPath());
  ASSERT_TRUE(cases.ok()) << cases.status().ToString();
  for (const auto& c : *cases) {
    EXPECT_EQ(tok->Decode(tok->Encode(c.text)), c.text) << "text \"" << Escape(c.text) << "\"";
    EXPECT_EQ(tok->Decode(c.ids), c.text) << "expected ids of \"" << Escape(c.text) << "\"";
  }
}

TEST_P(GgufVocabFixture, InvalidUtf8EncodesWithoutLossOfBytes) {
  auto tok = LoadGgufTokenizer(VocabPath());
  ASSERT_NE(tok, nullptr);
  // Truncated and stray sequences, a NUL; bytes that can occur in UTF-8.
  const std::string hostile = std::string("ok \x80\xbf mid\xc3 \xe2\x82 end\xf0\x9f", 20) + "\x80";
  const std::vector<int32_t> ids = tok->Encode(hostile);
  ASSERT_FALSE(ids.empty());
  for (int32_t id : ids) ASSERT_TRUE(id >= 0 && id < tok->n_vocab());
  EXPECT_EQ(tok->Decode(ids), hostile);
}

TEST_P(GgufVocabFixture, EmptyTextEncodesToNothingOrJustBos) {
  auto tok = LoadGgufTokenizer(VocabPath());
  ASSERT_NE(tok, nullptr);
  EXPECT_TRUE(tok->Encode("").empty());
  EXPECT_EQ(tok->Encode("", {.add_bos = true}), std::vector<int32_t>{tok->bos_id()});
  EXPECT_EQ(tok->Decode(std::vector<int32_t>{}), "");
}

TEST_P(GgufVocabFixture, StreamedPiecesJoinToTheDecodedText) {
  auto tok = LoadGgufTokenizer(VocabPath());
  ASSERT_NE(tok, nullptr);
  const std::string text = "Hello, y'all! 안녕하세요 \xF0\x9F\x98\x81 333\n\tend";
  const std::vector<int32_t> ids = tok->Encode(text);
  std::string streamed;
  for (int32_t id : ids) streamed += tok->TokenPiece(id);
  EXPECT_EQ(streamed, tok->Decode(ids, {.skip_special = true, .strip_leading_space = false}));
}

INSTANTIATE_TEST_SUITE_P(LlamaCppVocabs, GgufVocabFixture,
                         ::testing::Values("gpt-2", "llama-spm", "deepseek-llm"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(GgufTokenizer, Gpt2VocabHasEndOfTextAsBosEosAndEndOfGeneration) {
  auto tok = LoadGgufTokenizer(FixturesDir() + "/tokenizers/ggml-vocab-gpt-2.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->n_vocab(), 50257);
  EXPECT_EQ(tok->bos_id(), 50256);
  EXPECT_EQ(tok->eos_id(), 50256);
  EXPECT_TRUE(tok->IsEndOfGeneration(50256));
  EXPECT_FALSE(tok->IsEndOfGeneration(198));
  EXPECT_EQ(tok->TokenText(18435), "\xC4\xA0Hello");  // "ĠHello"
  EXPECT_EQ(tok->TokenPiece(18435), " Hello");
  EXPECT_EQ(tok->FindToken("\xC4\xA0Hello"), 18435);
  EXPECT_FALSE(tok->FindToken("no such token here").has_value());
}

TEST(GgufTokenizer, BytesThatNeverOccurInUtf8RoundTripThroughGpt2AndSpm) {
  const std::string hostile = "\xff\xfe\xc0\xc1\xf5 x";
  for (const char* vocab : {"gpt-2", "llama-spm"}) {
    auto tok = LoadGgufTokenizer(FixturesDir() + "/tokenizers/ggml-vocab-" + vocab + ".gguf");
    ASSERT_NE(tok, nullptr);
    EXPECT_EQ(tok->Decode(tok->Encode(hostile)), hostile) << vocab;
  }
}

// DeepSeek-LLM's vocabulary has no normal token for the byte-level characters
// of bytes 0xC0, 0xC1 and 0xF5..0xFF; they exist only as user-defined tokens
// ("ÿ" is 100005). Like llama.cpp we emit those, and they decode to their text.
TEST(GgufTokenizer, DeepseekMapsNonUtf8BytesToItsUserDefinedCharacterTokens) {
  auto tok = LoadGgufTokenizer(FixturesDir() + "/tokenizers/ggml-vocab-deepseek-llm.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->Encode("\xff"), std::vector<int32_t>{100005});
  EXPECT_EQ(tok->Encode("\xc3\xbf"), std::vector<int32_t>{100005});  // "ÿ" typed as text
  EXPECT_EQ(tok->Decode(std::vector<int32_t>{100005}), "\xc3\xbf");
}

TEST(GgufTokenizer, SpecialTokenTextBecomesOneTokenOnlyWhenParsingSpecial) {
  auto tok = LoadGgufTokenizer(FixturesDir() + "/tokenizers/ggml-vocab-gpt-2.gguf");
  ASSERT_NE(tok, nullptr);
  const std::string text = "Hi<|endoftext|>there";
  const auto parsed = tok->Encode(text, {.parse_special = true});
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[1], 50256);
  const auto plain = tok->Encode(text, {.parse_special = false});
  EXPECT_GT(plain.size(), 3u);
  for (int32_t id : plain) EXPECT_NE(id, 50256);
  EXPECT_EQ(tok->Decode(parsed), "Hithere");
  EXPECT_EQ(tok->Decode(parsed, {.skip_special = false}), text);
  EXPECT_EQ(tok->Decode(plain), text);
}

TEST(GgufTokenizer, SpmPrefixesASpaceAgainAfterASpecialToken) {
  auto tok = LoadGgufTokenizer(FixturesDir() + "/tokenizers/ggml-vocab-llama-spm.gguf");
  ASSERT_NE(tok, nullptr);
  const auto hello = tok->Encode("Hello");
  const auto ids = tok->Encode("</s>Hello", {.add_bos = true, .parse_special = true});
  std::vector<int32_t> expected = {1, 2};
  expected.insert(expected.end(), hello.begin(), hello.end());
  EXPECT_EQ(ids, expected);
  EXPECT_TRUE(tok->add_bos_default());
  EXPECT_TRUE(tok->IsEndOfGeneration(2));
  EXPECT_TRUE(tok->IsControl(1));
}

TEST(GgufTokenizer, Stories260KEncodesThePromptAsLlamaCppDid) {
  auto tok = LoadGgufTokenizer(FixturesDir() + "/stories260K/stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->n_vocab(), 512);
  EXPECT_EQ(tok->Encode("Once upon a time", {.add_bos = true}),
            (std::vector<int32_t>{1, 403, 407, 261, 378}));
}

TEST(GgufTokenizer, Stories260KDecodesTheReferenceGreedyContinuation) {
  auto tok = LoadGgufTokenizer(FixturesDir() + "/stories260K/stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  std::ifstream in(FixturesDir() + "/stories260K/reference.json");
  ASSERT_TRUE(in.good());
  const nlohmann::json ref = nlohmann::json::parse(in);
  const std::vector<int32_t> ids = ref["greedy"]["ids"].get<std::vector<int32_t>>();
  const std::string text = ref["greedy"]["text"].get<std::string>();
  ASSERT_EQ(ids.size(), 100u);
  std::string streamed;
  for (int32_t id : ids) streamed += tok->TokenPiece(id);
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(tok->Decode(ids, {.strip_leading_space = false}), text);
  // The prompt and its continuation decode to the full story.
  std::vector<int32_t> all = {1, 403, 407, 261, 378};
  all.insert(all.end(), ids.begin(), ids.end());
  EXPECT_EQ(tok->Decode(all), "Once upon a time" + text);
}

TEST(GgufTokenizer, OutOfRangeIdsDecodeToReplacementCharacter) {
  auto tok = LoadGgufTokenizer(FixturesDir() + "/stories260K/stories260K.gguf");
  ASSERT_NE(tok, nullptr);
  const std::vector<int32_t> ids = {-1, 512, 1 << 30};
  EXPECT_EQ(tok->Decode(ids), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(tok->TokenText(512), "");
  EXPECT_FALSE(tok->IsEndOfGeneration(-5));
}

}  // namespace
}  // namespace dokja::text
