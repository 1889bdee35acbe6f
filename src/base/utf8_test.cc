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

TEST(JsonEscape, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out = "x";
  AppendJsonQuoted(out, "a\"b\\c\b\f\n\r\t\x01\x1f\x7f 서울");
  EXPECT_EQ(out, "x\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\x7f \xec\x84\x9c\xec\x9a\xb8\"");
  out.clear();
  AppendJsonQuoted(out, std::string("\0", 1));
  EXPECT_EQ(out, "\"\\u0000\"");
}

}  // namespace
}  // namespace dokja
