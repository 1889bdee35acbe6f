#include <gtest/gtest.h>

#include "text/tokenizer/testing/fixture_texts.h"
#include "text/tokenizer/testing/gguf_metadata.h"
#include "text/tokenizer/tokenizer.h"

namespace dokja::text {
namespace {

using testing::FixturesDir;

std::unique_ptr<Tokenizer> MustLoad(io::Env& env, const std::string& path) {
  auto tok = TokenizerFromHfJson(env, path);
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return tok.ok() ? std::move(tok).value() : nullptr;
}

TEST(HfTokenizer, Gpt2JsonGivesTheSameIdsAsTheGpt2GgufOnEveryTestText) {
  const std::string gguf_path = FixturesDir() + "/tokenizers/ggml-vocab-gpt-2.gguf";
  auto hf = MustLoad(io::Env::Default(), FixturesDir() + "/tokenizers/gpt2-hf/tokenizer.json");
  ASSERT_NE(hf, nullptr);
  auto md = testing::LoadGgufMetadata(io::Env::Default(), gguf_path);
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  auto gguf = TokenizerFromGgufMetadata(*md);
  ASSERT_TRUE(gguf.ok()) << gguf.status().ToString();
  auto cases = testing::LoadFixtureCases(gguf_path);
  ASSERT_TRUE(cases.ok()) << cases.status().ToString();
  size_t passed = 0;
  for (const auto& c : *cases) {
    const auto ids = hf->Encode(c.text);
    EXPECT_EQ(ids, (*gguf)->Encode(c.text)) << "text \"" << c.text << "\"";
    EXPECT_EQ(hf->Decode(ids), c.text);
    passed += ids == c.ids;
  }
  EXPECT_EQ(passed, cases->size());
}

TEST(HfTokenizer, Gpt2ReadsBosEosFromTokenizerConfig) {
  auto tok = MustLoad(io::Env::Default(), FixturesDir() + "/tokenizers/gpt2-hf/tokenizer.json");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->n_vocab(), 50257);
  EXPECT_EQ(tok->bos_id(), 50256);
  EXPECT_EQ(tok->eos_id(), 50256);
  EXPECT_FALSE(tok->add_bos_default());
  EXPECT_TRUE(tok->IsEndOfGeneration(50256));
  EXPECT_TRUE(tok->IsControl(50256));
  EXPECT_EQ(tok->Encode("a<|endoftext|>", {.parse_special = true}), (std::vector<int32_t>{64, 50256}));
}

// A tiny byte-level vocabulary in the Llama-3 style: Split + ByteLevel
// pre-tokenizers, ignore_merges, a TemplateProcessing BOS, special and
// non-special added tokens.
constexpr char kTinyByteLevel[] = R"({
  "added_tokens": [
    {"id": 9, "content": "<|bos|>", "special": true},
    {"id": 10, "content": "<|im_end|>", "special": true},
    {"id": 11, "content": "[tool]", "special": false, "lstrip": true, "rstrip": true}
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
    {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}| ?\\p{L}+|\\s+"}, "behavior": "Isolated", "invert": false},
    {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]},
  "post_processor": {"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<|bos|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]},
  "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "ignore_merges": true,
    "vocab": {"a": 0, "b": 1, "c": 2, "\u0120": 3, "ab": 4, "abc": 5, "\u0120a": 6, "1": 7, "bc": 8},
    "merges": [["a", "b"], "ab c", "\u0120 a", "b c"]}
})";

TEST(HfTokenizer, TinyByteLevelTokenizerMergesByRankAndMatchesAddedTokens) {
  io::MemEnv env;
  env.AddFile("/m/tokenizer.json", kTinyByteLevel);
  auto tok = MustLoad(env, "/m/tokenizer.json");
  ASSERT_NE(tok, nullptr);
  // "abc": a+b (rank 0) then ab+c (rank 1) -> [abc]; " abc" pre-tokenizes to
  // one word "Ġabc": Ġ+a is rank 2 but a+b (rank 0) fires first, then ab+c,
  // leaving [Ġ, abc].
  EXPECT_EQ(tok->Encode("abc"), (std::vector<int32_t>{5}));
  EXPECT_EQ(tok->Encode(" abc"), (std::vector<int32_t>{3, 5}));
  EXPECT_EQ(tok->Encode("cab"), (std::vector<int32_t>{2, 4}));
  // ignore_merges: "bc" is a vocabulary word, emitted whole.
  EXPECT_EQ(tok->Encode("bc"), (std::vector<int32_t>{8}));
  EXPECT_EQ(tok->Encode("1111"), (std::vector<int32_t>{7, 7, 7, 7}));
  // BOS comes from the post-processor template.
  EXPECT_TRUE(tok->add_bos_default());
  EXPECT_EQ(tok->bos_id(), 9);
  EXPECT_EQ(tok->Encode("ab", {.add_bos = true}), (std::vector<int32_t>{9, 4}));
  // Special tokens only with parse_special; [tool] always, eating spaces.
  EXPECT_EQ(tok->Encode("ab<|im_end|>", {.parse_special = true}), (std::vector<int32_t>{4, 10}));
  EXPECT_EQ(tok->Encode("ab  [tool]  c"), (std::vector<int32_t>{4, 11, 2}));
  EXPECT_TRUE(tok->IsEndOfGeneration(10));
  EXPECT_EQ(tok->Decode(std::vector<int32_t>{9, 3, 5, 11, 10}), " abc[tool]");
  EXPECT_EQ(tok->Decode(std::vector<int32_t>{9, 3, 5, 10}, {.skip_special = false}), "<|bos|> abc<|im_end|>");
}

TEST(HfTokenizer, CharactersOutsideAByteLevelVocabularyAreDroppedWithoutUnk) {
  io::MemEnv env;
  env.AddFile("/m/tokenizer.json", kTinyByteLevel);
  auto tok = MustLoad(env, "/m/tokenizer.json");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->Encode("a\xff" "b"), (std::vector<int32_t>{0, 1}));
}

// Llama-2's tokenizer.json shape: Prepend/Replace normalizer, no
// pre-tokenizer, BPE with byte fallback, SentencePiece-style decoder chain.
constexpr char kTinyLlama2[] = R"({
  "added_tokens": [
    {"id": 0, "content": "<unk>", "special": true},
    {"id": 1, "content": "<s>", "special": true},
    {"id": 2, "content": "</s>", "special": true}],
  "normalizer": {"type": "Sequence", "normalizers": [
    {"type": "Prepend", "prepend": "\u2581"},
    {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
  "pre_tokenizer": null,
  "decoder": {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
    {"type": "ByteFallback"}, {"type": "Fuse"},
    {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
  "model": {"type": "BPE", "byte_fallback": true, "fuse_unk": true, "unk_token": "<unk>",
    "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "<0xC3>": 3, "<0xA9>": 4, "\u2581": 5, "h": 6,
              "i": 7, "\u2581h": 8, "\u2581hi": 9},
    "merges": ["\u2581 h", "\u2581h i"]}
})";

TEST(HfTokenizer, Llama2StyleJsonUsesByteFallbackAndStripsThePrefixSpace) {
  io::MemEnv env;
  env.AddFile("/m/tokenizer.json", kTinyLlama2);
  env.AddFile("/m/tokenizer_config.json",
              R"({"bos_token": {"content": "<s>"}, "eos_token": "</s>", "add_bos_token": true})");
  auto tok = MustLoad(env, "/m/tokenizer.json");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_TRUE(tok->add_bos_default());
  // "hi é" -> "▁hi▁é": ▁hi, ▁, then é as its two UTF-8 bytes.
  const auto ids = tok->Encode("hi \xC3\xA9", {.add_bos = true});
  EXPECT_EQ(ids, (std::vector<int32_t>{1, 9, 5, 3, 4}));
  EXPECT_EQ(tok->Decode(ids), "hi \xC3\xA9");
  EXPECT_EQ(tok->TokenPiece(9), " hi");
  // 'x' is neither in the vocabulary nor a byte token we have: unknown.
  EXPECT_EQ(tok->Encode("xx"), (std::vector<int32_t>{5, 0}));  // fused
}

struct BadJsonCase {
  const char* name;
  const char* json;
  StatusCode code;
  const char* message_part;
};

class HfTokenizerRejects : public ::testing::TestWithParam<BadJsonCase> {};

TEST_P(HfTokenizerRejects, MalformedFilesWithAClearMessage) {
  io::MemEnv env;
  env.AddFile("/m/tokenizer.json", GetParam().json);
  auto tok = TokenizerFromHfJson(env, "/m/tokenizer.json");
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), GetParam().code) << tok.status().ToString();
  EXPECT_NE(tok.status().message().find(GetParam().message_part), std::string::npos)
      << tok.status().ToString();
  EXPECT_NE(tok.status().message().find("/m/tokenizer.json"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HfTokenizerRejects,
    ::testing::Values(
        BadJsonCase{"NotJson", "{\"model\": ", StatusCode::kCorrupt, "not valid JSON"},
        BadJsonCase{"NoModel", "{}", StatusCode::kInvalidArgument, "model"},
        BadJsonCase{"Unigram", R"({"model": {"type": "Unigram", "vocab": []}})",
                    StatusCode::kUnsupported, "Unigram"},
        BadJsonCase{"VocabIdNotInteger", R"({"model": {"type": "BPE", "vocab": {"a": "x"}, "merges": []}})",
                    StatusCode::kInvalidArgument, "model.vocab['a']"},
        BadJsonCase{"TwoTokensOneId", R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}})",
                    StatusCode::kInvalidArgument, "id 0"},
        BadJsonCase{"BadMerge", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a"]}})",
                    StatusCode::kInvalidArgument, "model.merges[0]"},
        BadJsonCase{"MergesNotArray", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": 3}})",
                    StatusCode::kInvalidArgument, "model.merges"},
        BadJsonCase{"AddedTokenWithoutId",
                    R"({"added_tokens": [{"content": "x"}], "model": {"type": "BPE", "vocab": {"a": 0}}})",
                    StatusCode::kInvalidArgument, "added_tokens[0]"},
        BadJsonCase{"UnknownPreTokenizer",
                    R"({"pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "BPE", "vocab": {"a": 0}}})",
                    StatusCode::kUnsupported, "pre_tokenizer"},
        BadJsonCase{"BadRegex",
                    R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(["}, "behavior": "Isolated"},
                        "model": {"type": "BPE", "vocab": {"a": 0}}})",
                    StatusCode::kInvalidArgument, "does not compile"},
        BadJsonCase{"UnknownUnk", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "unk_token": "<unk>"}})",
                    StatusCode::kInvalidArgument, "model.unk_token"},
        BadJsonCase{"WrongShape", R"({"model": {"type": "BPE", "vocab": {"a": 0}, "byte_fallback": "yes"},
                                     "normalizer": {"type": "Lowercase"}})",
                    StatusCode::kUnsupported, "normalizer"}),
    [](const ::testing::TestParamInfo<BadJsonCase>& param_info) { return param_info.param.name; });

TEST(HfTokenizer, MissingFileIsAnErrorNotACrash) {
  io::MemEnv env;
  auto tok = TokenizerFromHfJson(env, "/nowhere/tokenizer.json");
  EXPECT_FALSE(tok.ok());
}

TEST(HfTokenizer, ConfigNamingAnUnknownBosIsRejected) {
  io::MemEnv env;
  env.AddFile("/m/tokenizer.json", kTinyByteLevel);
  env.AddFile("/m/tokenizer_config.json", R"({"bos_token": "<nope>"})");
  auto tok = TokenizerFromHfJson(env, "/m/tokenizer.json");
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.status().message().find("tokenizer_config.json: bos_token"), std::string::npos)
      << tok.status().ToString();
}

}  // namespace
}  // namespace dokja::text
