#include "text/tokenizer/internal/unicode_util.h"

#include <gtest/gtest.h>

#include "base/utf8.h"

namespace dokja::text::internal {
namespace {

TEST(Utf8, MalformedSequencesCountAsSingleBytes) {
  EXPECT_EQ(Utf8CharLength("\xE2\x96\x81", 0), 3u);
  EXPECT_EQ(Utf8CharLength("\xE2\x96", 0), 1u);       // truncated
  EXPECT_EQ(Utf8CharLength("\xC0\x80", 0), 1u);       // overlong NUL
  EXPECT_EQ(Utf8CharLength("\xED\xA0\x80", 0), 1u);   // surrogate
  EXPECT_EQ(Utf8CharLength("\xF4\x90\x80\x80", 0), 1u);  // > U+10FFFF
  EXPECT_EQ(Utf8CharLength("\x80", 0), 1u);
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo \xF0\x9F\x98\x81"));
  EXPECT_FALSE(IsValidUtf8("a\xFF"));
}

TEST(Utf8, EncodesAndDecodesEveryLength) {
  for (char32_t cp : {U'A', U'\u00E9', U'\u2581', U'\U0001F601'}) {
    std::string s;
    AppendUtf8(cp, &s);
    size_t n = 0;
    EXPECT_EQ(Utf8Decode(s, 0, &n), cp);
    EXPECT_EQ(n, s.size());
  }
}

TEST(ByteUnicodeTable, MatchesGpt2ForSpaceNewlineAndPrintables) {
  const ByteUnicodeTable& table = ByteUnicodeTable::Get();
  EXPECT_EQ(table.Encode(' '), "\xC4\xA0");   // U+0120 'Ġ'
  EXPECT_EQ(table.Encode('\n'), "\xC4\x8A");  // U+010A 'Ċ'
  EXPECT_EQ(table.Encode(0), "\xC4\x80");     // U+0100
  EXPECT_EQ(table.Encode('A'), "A");
  EXPECT_EQ(table.Encode(0xAD), "\xC5\x83");  // soft hyphen -> U+0143, the last extra
  EXPECT_EQ(table.Encode(0xFF), "\xC3\xBF");  // 'ÿ' maps to itself
}

TEST(ByteUnicodeTable, RoundTripsAllBytes) {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  std::string mapped;
  ByteUnicodeTable::Get().EncodeBytes(bytes, &mapped);
  EXPECT_TRUE(IsValidUtf8(mapped));
  std::string back;
  ByteUnicodeTable::Get().DecodeToBytes(mapped, &back);
  EXPECT_EQ(back, bytes);
}

TEST(ReplaceAll, ReplacesEveryOccurrenceAndIgnoresAnEmptyPattern) {
  EXPECT_EQ(ReplaceAll("a b  c", " ", "\u2581"), "a\u2581b\u2581\u2581c");
  EXPECT_EQ(ReplaceAll("aaa", "aa", "b"), "ba");
  EXPECT_EQ(ReplaceAll("abc", "", "x"), "abc");  // must not loop
  EXPECT_EQ(ReplaceAll("", "a", "b"), "");
}

}  // namespace
}  // namespace dokja::text::internal
