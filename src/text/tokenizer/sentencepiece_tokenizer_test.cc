// The expected ids and texts come from Debian's spm_encode / spm_decode
// (testdata/spm/make_fixtures.sh), not from the code under test.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "text/tokenizer/tokenizer.h"

namespace dokja::text {
namespace {

std::string SpmDir() { return std::string(DOKJA_SOURCE_DIR) + "/src/text/tokenizer/testdata/spm"; }

std::string MustRead(const std::string& name) {
  auto bytes = io::Env::Default().ReadFileToString(SpmDir() + "/" + name, 1 << 20);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::string();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<int32_t> ParseIds(const std::string& line) {
  std::vector<int32_t> ids;
  std::istringstream in(line);
  for (int32_t id; in >> id;) ids.push_back(id);
  return ids;
}

std::unique_ptr<Tokenizer> MustLoad(const std::string& model) {
  auto tok = TokenizerFromSentencePieceModel(io::Env::Default(), SpmDir() + "/" + model);
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  return tok.ok() ? std::move(tok).value() : nullptr;
}

// texts.txt, <model>.ids and <model>.decoded, line by line.
struct SpmCase {
  std::string text;
  std::vector<int32_t> ids;
  std::string decoded;
};

std::vector<SpmCase> LoadCases(const std::string& model) {
  const auto texts = Lines(MustRead("texts.txt"));
  const auto ids = Lines(MustRead(model + ".ids"));
  const auto decoded = Lines(MustRead(model + ".decoded"));
  EXPECT_EQ(texts.size(), ids.size());
  EXPECT_EQ(texts.size(), decoded.size());
  std::vector<SpmCase> cases;
  for (size_t i = 0; i < texts.size() && i < ids.size() && i < decoded.size(); ++i) {
    cases.push_back({texts[i], ParseIds(ids[i]), decoded[i]});
  }
  return cases;
}

class SentencePieceParity : public ::testing::TestWithParam<std::string> {};

TEST_P(SentencePieceParity, GivesTheSameIdsAsSpmEncodeOnEveryTestText) {
  auto tok = MustLoad(GetParam() + ".model");
  ASSERT_NE(tok, nullptr);
  const auto cases = LoadCases(GetParam());
  ASSERT_EQ(cases.size(), 9u);
  size_t matched = 0;
  for (const auto& c : cases) {
    const auto ids = tok->Encode(c.text);
    EXPECT_EQ(ids, c.ids) << "text \"" << c.text << "\"";
    matched += ids == c.ids;
  }
  EXPECT_EQ(matched, cases.size());
}

TEST_P(SentencePieceParity, DecodesLikeSpmDecodeWhenNoUnknownPieceIsInvolved) {
  auto tok = MustLoad(GetParam() + ".model");
  ASSERT_NE(tok, nullptr);
  const int32_t unk = *tok->FindToken("<unk>");
  size_t compared = 0;
  for (const auto& c : LoadCases(GetParam())) {
    // spm_decode writes " ⁇ " for <unk>; our contract skips it.
    if (std::find(c.ids.begin(), c.ids.end(), unk) != c.ids.end()) continue;
    EXPECT_EQ(tok->Decode(c.ids), c.decoded) << "text \"" << c.text << "\"";
    ++compared;
  }
  EXPECT_GE(compared, 2u);
}

TEST_P(SentencePieceParity, TokenPiecesConcatenateToTheUnstrippedDecode) {
  auto tok = MustLoad(GetParam() + ".model");
  ASSERT_NE(tok, nullptr);
  for (const auto& c : LoadCases(GetParam())) {
    std::vector<int32_t> ids = {tok->bos_id()};
    ids.insert(ids.end(), c.ids.begin(), c.ids.end());
    ids.push_back(tok->eos_id());
    std::string streamed;
    for (int32_t id : ids) streamed += tok->TokenPiece(id);
    EXPECT_EQ(streamed, tok->Decode(ids, {.strip_leading_space = false})) << c.text;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, SentencePieceParity, ::testing::Values("bpe", "unigram"));

TEST(SentencePieceTokenizer, ByteFallbackBpeRoundTripsEveryTestTextIncludingKorean) {
  auto tok = MustLoad("bpe.model");
  ASSERT_NE(tok, nullptr);
  for (const auto& text : Lines(MustRead("texts.txt"))) {
    EXPECT_EQ(tok->Decode(tok->Encode(text, {.add_bos = true})), text);
  }
  // The 400-piece vocabulary has no Hangul: every syllable is three <0xXX>.
  const std::string korean = "대한민국의 수도는 서울입니다";
  const auto ids = tok->Encode(korean);
  EXPECT_GT(ids.size(), 30u);
  EXPECT_EQ(tok->TokenText(ids[1]), "<0xEB>");
  EXPECT_EQ(tok->Decode(ids), korean);
}

TEST(SentencePieceTokenizer, ReportsSpecialIdsAndTheirKinds) {
  auto tok = MustLoad("bpe.model");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->n_vocab(), 400);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_TRUE(tok->add_bos_default());
  EXPECT_EQ(tok->TokenText(0), "<unk>");
  EXPECT_EQ(tok->TokenText(1), "<s>");
  EXPECT_EQ(tok->TokenText(2), "</s>");
  EXPECT_EQ(tok->FindToken("<end_of_turn>"), 3);
  EXPECT_EQ(tok->FindToken("<sep>"), 4);
  EXPECT_EQ(tok->FindToken("<0x41>"), 5 + 0x41);
  EXPECT_EQ(tok->FindToken("no such piece"), std::nullopt);
  EXPECT_TRUE(tok->IsEndOfGeneration(2));
  EXPECT_TRUE(tok->IsEndOfGeneration(3));  // <end_of_turn>, as llama.cpp treats it
  EXPECT_FALSE(tok->IsEndOfGeneration(1));
  for (int32_t id : {0, 1, 2, 3}) EXPECT_TRUE(tok->IsControl(id)) << id;
  EXPECT_FALSE(tok->IsControl(4));  // user-defined
  EXPECT_FALSE(tok->IsControl(5));  // byte
  EXPECT_FALSE(tok->IsControl(400));
  EXPECT_EQ(tok->Encode("Hello", {.add_bos = true}).front(), 1);
  EXPECT_NE(tok->Encode("Hello").front(), 1);
}

TEST(SentencePieceTokenizer, ParseSpecialCutsControlPiecesOutOnlyWhenAsked) {
  auto tok = MustLoad("bpe.model");
  ASSERT_NE(tok, nullptr);
  const auto hi = tok->Encode("hi");
  std::vector<int32_t> expected = {1};
  expected.insert(expected.end(), hi.begin(), hi.end());
  expected.push_back(2);
  expected.push_back(3);
  EXPECT_EQ(tok->Encode("<s>hi</s><end_of_turn>", {.parse_special = true}), expected);

  const auto plain = tok->Encode("<s>hi</s><end_of_turn>");
  for (int32_t id : {0, 1, 2, 3}) {
    EXPECT_EQ(std::count(plain.begin(), plain.end(), id), 0) << id;
  }
  EXPECT_EQ(tok->Decode(plain), "<s>hi</s><end_of_turn>");
  // User-defined pieces are matched by the library either way.
  const auto sep = tok->Encode("a<sep>b");
  EXPECT_EQ(std::count(sep.begin(), sep.end(), 4), 1);
}

TEST(SentencePieceTokenizer, DecodeSkipsControlPiecesUnlessAskedAndMarksBadIds) {
  auto tok = MustLoad("bpe.model");
  ASSERT_NE(tok, nullptr);
  auto ids = tok->Encode("<s>hi</s>", {.parse_special = true});
  EXPECT_EQ(tok->Decode(ids), "hi");
  EXPECT_EQ(tok->Decode(ids, {.skip_special = false}), "<s> hi</s>");
  EXPECT_EQ(tok->TokenPiece(1), "");
  EXPECT_EQ(tok->TokenPiece(5 + 0x41), "A");
  const std::vector<int32_t> bad = {-1, 400, 1 << 30};
  EXPECT_EQ(tok->Decode(bad), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(tok->TokenText(-1), "");
  EXPECT_EQ(tok->TokenText(400), "");
}

TEST(SentencePieceTokenizer, UnigramWithoutByteFallbackGivesUnknownForHangul) {
  auto tok = MustLoad("unigram.model");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->n_vocab(), 300);
  const auto ids = tok->Encode("서울");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 0), 1);
  EXPECT_EQ(tok->Decode(ids), "");  // <unk> is skipped like a control piece
  EXPECT_EQ(tok->Decode(ids, {.skip_special = false}), "<unk>");
}

// Policy (docs/tokenizers.md): the library replaces each invalid byte with
// U+FFFD before encoding, so invalid UTF-8 never crashes but does not
// round-trip either.
TEST(SentencePieceTokenizer, InvalidUtf8BecomesReplacementCharacters) {
  auto tok = MustLoad("bpe.model");
  ASSERT_NE(tok, nullptr);
  const auto ids = tok->Encode(
      "a\xFF\xC3"
      "b");
  EXPECT_EQ(ids, tok->Encode("a\xEF\xBF\xBD\xEF\xBF\xBD"
                             "b"));
  EXPECT_EQ(tok->Decode(ids),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  EXPECT_TRUE(tok->Encode("").empty());
  EXPECT_FALSE(tok->Encode(std::string(1000, '\x80')).empty());
}

TEST(SentencePieceTokenizer, EncodesFromManyThreadsAtOnceWithTheSameIds) {
  auto tok = MustLoad("bpe.model");
  ASSERT_NE(tok, nullptr);
  const auto texts = Lines(MustRead("texts.txt"));
  std::vector<std::vector<int32_t>> expected;
  for (const auto& text : texts) expected.push_back(tok->Encode(text));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (size_t thread_idx = 0; thread_idx < mismatches.size(); ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int round = 0; round < 200; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          mismatches[thread_idx] += tok->Encode(texts[i]) != expected[i];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int count : mismatches) EXPECT_EQ(count, 0);
}

TEST(SentencePieceTokenizer, MissingFileIsNotFound) {
  io::MemEnv env;
  auto tok = TokenizerFromSentencePieceModel(env, "/m/tokenizer.model");
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kNotFound) << tok.status().ToString();
}

TEST(SentencePieceTokenizer, GarbageEmptyAndTruncatedFilesAreCorruptNamingTheFile) {
  const std::string model = MustRead("bpe.model");
  ASSERT_GT(model.size(), 1000u);
  for (const std::string& bytes :
       {std::string("not a protobuf at all \xFF\xFF\xFF\xFF"), std::string(),
        model.substr(0, model.size() / 2), model.substr(0, 3)}) {
    io::MemEnv env;
    env.AddFile("/m/tokenizer.model", bytes);
    auto tok = TokenizerFromSentencePieceModel(env, "/m/tokenizer.model");
    ASSERT_FALSE(tok.ok()) << bytes.size() << " bytes loaded";
    EXPECT_EQ(tok.status().code(), StatusCode::kCorrupt) << tok.status().ToString();
    EXPECT_NE(tok.status().message().find("/m/tokenizer.model"), std::string::npos);
  }
}

// Protobuf accepts a message cut at a field boundary, so some prefixes are
// valid models with fewer pieces; none may crash, and each either loads and
// encodes or is Corrupt.
TEST(SentencePieceTokenizer, EveryTruncationEitherLoadsOrIsCorrupt) {
  const std::string model = MustRead("bpe.model");
  size_t loaded = 0;
  for (size_t n = 0; n < model.size(); n += 7) {
    io::MemEnv env;
    env.AddFile("/m/t.model", model.substr(0, n));
    auto tok = TokenizerFromSentencePieceModel(env, "/m/t.model");
    if (tok.ok()) {
      ++loaded;
      const auto ids = (*tok)->Encode("Hello 서울 <s>", {.add_bos = true, .parse_special = true});
      (void)(*tok)->Decode(ids);
    } else {
      EXPECT_EQ(tok.status().code(), StatusCode::kCorrupt) << tok.status().ToString();
    }
  }
  EXPECT_LT(loaded, model.size() / 7);
}

TEST(SentencePieceTokenizer, FileOverTheSizeCapIsRejectedBeforeParsing) {
  io::MemEnv env;
  env.AddFile("/m/big.model", std::string((size_t{64} << 20) + 1, '\0'));
  auto tok = TokenizerFromSentencePieceModel(env, "/m/big.model");
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kInvalidArgument) << tok.status().ToString();
}

}  // namespace
}  // namespace dokja::text
