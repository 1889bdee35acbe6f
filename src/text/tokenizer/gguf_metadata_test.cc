// TokenizerFromGgufMetadata on small hand-built metadata: expected ids
// derived by hand from the scores, and hostile metadata.
#include <gtest/gtest.h>

#include <thread>

#include "text/tokenizer/testing/fixture_texts.h"
#include "text/tokenizer/testing/gguf_metadata.h"
#include "text/tokenizer/tokenizer.h"

namespace dokja::text {
namespace {

MetaValue Str(std::string s) { return MetaValue{MetaType::kString, std::move(s)}; }
MetaValue U32(uint64_t v) { return MetaValue{MetaType::kU32, v}; }
MetaValue Bool(bool b) { return MetaValue{MetaType::kBool, b}; }

MetaValue StrArray(const std::vector<std::string>& items) {
  MetaArray a{MetaType::kString, {}};
  for (const auto& s : items) a.items.push_back(Str(s));
  return MetaValue{MetaType::kArray, std::move(a)};
}

MetaValue F32Array(const std::vector<double>& items) {
  MetaArray a{MetaType::kF32, {}};
  for (double d : items) a.items.push_back(MetaValue{MetaType::kF32, d});
  return MetaValue{MetaType::kArray, std::move(a)};
}

MetaValue I32Array(const std::vector<int64_t>& items) {
  MetaArray a{MetaType::kI32, {}};
  for (int64_t v : items) a.items.push_back(MetaValue{MetaType::kI32, v});
  return MetaValue{MetaType::kArray, std::move(a)};
}

// A SentencePiece vocabulary: <unk> <s> </s>, two byte tokens, then pieces.
// "▁ab" outscores "ab" + "▁", and "bc" outscores "ab", so "abc" becomes
// a + bc while " ab" (escaped "▁▁ab") becomes ▁ + ▁ab.
Metadata SpmMetadata() {
  Metadata md;
  md.Add("tokenizer.ggml.model", Str("llama"));
  md.Add("tokenizer.ggml.tokens", StrArray({"<unk>", "<s>", "</s>", "<0xC3>", "<0xA9>", "\xE2\x96\x81",
                                            "a", "b", "c", "ab", "bc", "\xE2\x96\x81" "ab",
                                            "\xE2\x96\x81" "a"}));
  md.Add("tokenizer.ggml.scores", F32Array({0, 0, 0, 0, 0, -1, -2, -2, -2, -5, -3, -1, -4}));
  md.Add("tokenizer.ggml.token_type", I32Array({2, 3, 3, 6, 6, 1, 1, 1, 1, 1, 1, 1, 1}));
  return md;
}

std::unique_ptr<Tokenizer> Build(const Metadata& md) {
  auto tok = TokenizerFromGgufMetadata(md);
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return tok.ok() ? std::move(tok).value() : nullptr;
}

TEST(GgufSpm, MergesTheHighestScoringPairFirst) {
  auto tok = Build(SpmMetadata());
  ASSERT_NE(tok, nullptr);
  // "▁abc": candidates ▁a (-4), ab (-5), bc (-3): bc wins, then ▁a; ▁a+bc is
  // no token, so [▁a, bc].
  EXPECT_EQ(tok->Encode("abc"), (std::vector<int32_t>{12, 10}));
  // "▁▁ab": ▁a (-4) and ab (-5) lose to nothing better; ▁a first, then
  // ▁a+b = "▁ab" (-1): [▁, ▁ab].
  EXPECT_EQ(tok->Encode(" ab"), (std::vector<int32_t>{5, 11}));
  EXPECT_EQ(tok->Decode(std::vector<int32_t>{5, 11}), " ab");
  // Defaults as llama.cpp: <s> 1, </s> 2, <unk> 0, BOS on.
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_TRUE(tok->add_bos_default());
}

TEST(GgufSpm, CharactersOutsideTheVocabularyFallBackToBytesOrUnknown) {
  auto tok = Build(SpmMetadata());
  ASSERT_NE(tok, nullptr);
  // é = C3 A9 has byte tokens; 'z' has none, so it becomes <unk>.
  EXPECT_EQ(tok->Encode("\xC3\xA9z"), (std::vector<int32_t>{5, 3, 4, 0}));
  EXPECT_EQ(tok->Decode(std::vector<int32_t>{5, 3, 4}), "\xC3\xA9");
  EXPECT_EQ(tok->TokenPiece(3), "\xC3");
}

TEST(GgufSpm, AddSpacePrefixFalseLeavesTheTextAsIs) {
  Metadata md = SpmMetadata();
  md.Add("tokenizer.ggml.add_space_prefix", Bool(false));
  auto tok = Build(md);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->Encode("abc"), (std::vector<int32_t>{6, 10}));
  EXPECT_EQ(tok->Decode(std::vector<int32_t>{5, 6}), " a");  // nothing stripped
}

struct BadMetadataCase {
  const char* name;
  const char* key;
  MetaValue value;
  StatusCode code;
};

class GgufMetadataRejects : public ::testing::TestWithParam<BadMetadataCase> {};

TEST_P(GgufMetadataRejects, WithAStatusNamingTheKey) {
  Metadata base = SpmMetadata();
  Metadata md;
  for (const auto& [key, value] : base.entries()) {
    if (key != GetParam().key) md.Add(key, value);
  }
  md.Add(GetParam().key, GetParam().value);
  auto tok = TokenizerFromGgufMetadata(md);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), GetParam().code) << tok.status().ToString();
  EXPECT_NE(tok.status().message().find(GetParam().key), std::string::npos) << tok.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, GgufMetadataRejects,
    ::testing::Values(
        BadMetadataCase{"ScoresShorterThanTokens", "tokenizer.ggml.scores", F32Array({0, 0}),
                        StatusCode::kInvalidArgument},
        BadMetadataCase{"TypesLongerThanTokens", "tokenizer.ggml.token_type", I32Array(std::vector<int64_t>(20, 1)),
                        StatusCode::kInvalidArgument},
        BadMetadataCase{"TokensNotStrings", "tokenizer.ggml.tokens", I32Array({1, 2, 3}),
                        StatusCode::kInvalidArgument},
        BadMetadataCase{"TokensEmpty", "tokenizer.ggml.tokens", StrArray({}), StatusCode::kInvalidArgument},
        BadMetadataCase{"ScoresAreStrings", "tokenizer.ggml.scores", StrArray({"x"}),
                        StatusCode::kInvalidArgument},
        BadMetadataCase{"ModelNotString", "tokenizer.ggml.model", U32(3), StatusCode::kInvalidArgument},
        BadMetadataCase{"ModelUnknown", "tokenizer.ggml.model", Str("bert"), StatusCode::kUnsupported},
        BadMetadataCase{"BosOutsideVocab", "tokenizer.ggml.bos_token_id", U32(99), StatusCode::kInvalidArgument},
        BadMetadataCase{"EosNotInteger", "tokenizer.ggml.eos_token_id", Str("2"), StatusCode::kInvalidArgument},
        BadMetadataCase{"AddBosNotBool", "tokenizer.ggml.add_bos_token", U32(1), StatusCode::kInvalidArgument},
        BadMetadataCase{"SpacePrefixNotBool", "tokenizer.ggml.add_space_prefix", Str("yes"),
                        StatusCode::kInvalidArgument}),
    [](const ::testing::TestParamInfo<BadMetadataCase>& param_info) { return param_info.param.name; });

Metadata Gpt2Metadata() {
  Metadata md;
  md.Add("tokenizer.ggml.model", Str("gpt2"));
  md.Add("tokenizer.ggml.tokens", StrArray({"a", "b", "ab"}));
  md.Add("tokenizer.ggml.merges", StrArray({"a b"}));
  return md;
}

TEST(GgufBpe, MissingMergesMalformedMergesAndUnknownPreAreErrors) {
  Metadata no_merges;
  no_merges.Add("tokenizer.ggml.model", Str("gpt2"));
  no_merges.Add("tokenizer.ggml.tokens", StrArray({"a"}));
  auto a = TokenizerFromGgufMetadata(no_merges);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("tokenizer.ggml.merges"), std::string::npos);

  Metadata bad_merge = no_merges;
  bad_merge.Add("tokenizer.ggml.merges", StrArray({"ab"}));
  auto b = TokenizerFromGgufMetadata(bad_merge);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("tokenizer.ggml.merges: entry 0"), std::string::npos);

  Metadata unknown_pre = Gpt2Metadata();
  unknown_pre.Add("tokenizer.ggml.pre", Str("martian"));
  auto c = TokenizerFromGgufMetadata(unknown_pre);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(c.status().message().find("martian"), std::string::npos);
}

TEST(GgufBpe, MissingPreUsesLlamaCppDefaultAndNoneIdsMeanAbsent) {
  Metadata md = Gpt2Metadata();
  md.Add("tokenizer.ggml.bos_token_id", U32(0xFFFFFFFFu));
  auto tok = Build(md);
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->Encode("ab"), std::vector<int32_t>{2});
  EXPECT_EQ(tok->bos_id(), -1);
  EXPECT_EQ(tok->eos_id(), -1);
  EXPECT_EQ(tok->Encode("ab", {.add_bos = true}), std::vector<int32_t>{2});
}

TEST(GgufTokenizerThreads, ConcurrentEncodesAgreeWithASingleThread) {
  const std::string path = testing::FixturesDir() + "/tokenizers/ggml-vocab-llama-spm.gguf";
  auto md = testing::LoadGgufMetadata(io::Env::Default(), path);
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  auto tok = Build(*md);
  ASSERT_NE(tok, nullptr);
  auto cases = testing::LoadFixtureCases(path);
  ASSERT_TRUE(cases.ok());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (const auto& c : *cases) mismatches[t] += tok->Encode(c.text) != c.ids;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace dokja::text
