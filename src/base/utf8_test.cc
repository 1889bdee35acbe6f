#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

#include "base/json_escape.h"

namespace dokja {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain é 한국어 🙂"));
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string(100, 'a') + "서울" + std::string(9, 'b')));
}

TEST(Utf8, RejectsAndLocatesIllFormedSequences) {
  struct Case {
    std::string text;
    size_t bad;
  };
  const Case cases[] = {
      {"\xc0\xaf", 0},                            // overlong '/'
      {"ab\xe0\x80\x80", 2},                      // overlong 3-byte
      {"\xed\xa0\x80", 0},                        // a surrogate
      {"\xf4\x90\x80\x80", 0},                    // past U+10FFFF
      {"abc\xe2\x82", 3},                         // cut short
      {"\x80", 0},                                // a lone continuation byte
      {"\xff", 0},
      {std::string(12, 'a') + "\xc3(" + "zz", 12},  // after the ASCII fast path
  };
  for (const Case& c : cases) {
    size_t bad = 99;
    EXPECT_FALSE(IsValidUtf8(c.text, &bad)) << c.text;
    EXPECT_EQ(bad, c.bad) << c.text;
    EXPECT_FALSE(IsValidUtf8(c.text));
  }
}

TEST(Utf8, SequenceLengthAtTheStart) {
  EXPECT_EQ(Utf8SequenceLength(""), 0u);
  EXPECT_EQ(Utf8SequenceLength("a\xc3\xa9"), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xc3\xa9" "a"), 2u);
  EXPECT_EQ(Utf8SequenceLength("\xec\x84\x9c"), 3u);       // 서
  EXPECT_EQ(Utf8SequenceLength("\xf0\x9f\x99\x82x"), 4u);  // 🙂
  EXPECT_EQ(Utf8SequenceLength("\xec\x84"), 0u);            // cut short
  EXPECT_EQ(Utf8SequenceLength("\xed\xa0\x80"), 0u);        // a surrogate
  EXPECT_EQ(Utf8SequenceLength("\x80"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xc0\xaf"), 0u);             // overlong
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out = "x";
  AppendJsonQuoted(out, "a\"b\\c\b\f\n\r\t\x01\x1f\x7f 서울");
  EXPECT_EQ(out, "x\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\x7f \xec\x84\x9c\xec\x9a\xb8\"");
  out.clear();
  AppendJsonQuoted(out, std::string("\0", 1));
  EXPECT_EQ(out, "\"\\u0000\"");
}

// The eight-bytes-at-a-time test agrees with a byte-by-byte one at every
// length and position, for each byte value that matters.
TEST(JsonEscape, PlainAsciiTestAgreesWithBytewise) {
  auto plain = [](std::string_view s) {
    for (unsigned char c : s) {
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
    }
    return true;
  };
  for (size_t len = 0; len <= 20; ++len) {
    const std::string base(len, 'a');
    EXPECT_TRUE(IsPlainJsonAscii(base)) << len;
    for (size_t pos = 0; pos < len; ++pos) {
      for (int c : {0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xc2, 0xff}) {
        std::string s = base;
        s[pos] = static_cast<char>(c);
        ASSERT_EQ(IsPlainJsonAscii(s), plain(s)) << "length " << len << " byte " << c << " at " << pos;
        std::string quoted;
        AppendJsonQuoted(quoted, s);
        if (plain(s)) {
          EXPECT_EQ(quoted, "\"" + s + "\"");
        }
      }
    }
  }
}

}  // namespace
}  // namespace dokja
