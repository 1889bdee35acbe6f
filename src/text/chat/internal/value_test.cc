#include "text/chat/internal/value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "text/chat/internal/json.h"
#include "text/chat/internal/py_str.h"
#include "text/chat/internal/utf8.h"

namespace dokja::text::jinja {
namespace {

TEST(FormatPyFloat, MatchesPythonReprAcrossTheFixedAndScientificRanges) {
  // Expected strings are what CPython's repr() prints for each double.
  EXPECT_EQ(FormatPyFloat(1.0), "1.0");
  EXPECT_EQ(FormatPyFloat(-2.5), "-2.5");
  EXPECT_EQ(FormatPyFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatPyFloat(1e16), "1e+16");
  EXPECT_EQ(FormatPyFloat(1e15), "1000000000000000.0");
  EXPECT_EQ(FormatPyFloat(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(FormatPyFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatPyFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatPyFloat(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatPyFloat(-0.0), "-0.0");
  EXPECT_EQ(FormatPyFloat(5e-324), "5e-324");
  EXPECT_EQ(FormatPyFloat(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FormatPyFloat(std::nan("")), "nan");
}

TEST(ReprString, QuotesAndEscapesLikePython) {
  EXPECT_EQ(ReprString("abc"), "'abc'");
  EXPECT_EQ(ReprString("it's"), "\"it's\"");
  EXPECT_EQ(ReprString("a'b\"c"), "'a\\'b\"c'");
  EXPECT_EQ(ReprString("tab\there\n"), "'tab\\there\\n'");
  EXPECT_EQ(ReprString("\x01\x7f"), "'\\x01\\x7f'");
  EXPECT_EQ(ReprString("한국어 é"), "'한국어 é'");
  EXPECT_EQ(ReprString("\xc2\xa0"), "'\\xa0'");  // U+00A0 is not printable
}

TEST(Value, TruthinessFollowsPython) {
  EXPECT_FALSE(Value().Truthy());
  EXPECT_FALSE(Value::None().Truthy());
  EXPECT_FALSE(Value::Int(0).Truthy());
  EXPECT_FALSE(Value::Float(0.0).Truthy());
  EXPECT_FALSE(Value::String("").Truthy());
  EXPECT_FALSE(Value::List({}).Truthy());
  EXPECT_FALSE(Value::Dict({}).Truthy());
  EXPECT_TRUE(Value::Namespace({}).Truthy());
  EXPECT_TRUE(Value::String("0").Truthy());
  EXPECT_TRUE(Value::List({Value::None()}).Truthy());
}

TEST(Value, EqualityTreatsBoolIntAndFloatAsNumbers) {
  EXPECT_TRUE(Equals(Value::Int(1), Value::Float(1.0)));
  EXPECT_TRUE(Equals(Value::Bool(true), Value::Int(1)));
  EXPECT_FALSE(Equals(Value::String("1"), Value::Int(1)));
  EXPECT_FALSE(Equals(Value::List({Value::Int(1)}), Value::Tuple({Value::Int(1)})));
  ValueDict a, b;
  a.Set("x", Value::Int(1));
  a.Set("y", Value::Int(2));
  b.Set("y", Value::Int(2));
  b.Set("x", Value::Float(1.0));
  EXPECT_TRUE(Equals(Value::Dict(a), Value::Dict(b)));  // order does not matter
}

TEST(Value, StrOfContainersUsesReprOfItems) {
  ValueDict d;
  d.Set("k", Value::List({Value::String("a"), Value::None(), Value::Bool(false)}));
  EXPECT_EQ(Value::Dict(d).Str(), "{'k': ['a', None, False]}");
  EXPECT_EQ(Value::Tuple({Value::Int(1)}).Str(), "(1,)");
  EXPECT_EQ(Value::Undefined("x").Str(), "");
}

TEST(ValueDict, KeepsInsertionOrderAndOverwritesInPlace) {
  ValueDict d;
  d.Set("b", Value::Int(1));
  d.Set("a", Value::Int(2));
  d.Set("b", Value::Int(3));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.entries()[0].first, "b");
  EXPECT_EQ(d.entries()[0].second.as_int(), 3);
  EXPECT_EQ(d.Find("zz"), nullptr);
}

TEST(Json, WritesPythonJsonDumpsSpacing) {
  ValueDict d;
  d.Set("이름", Value::String("값\u0001"));
  d.Set("n", Value::List({Value::Int(1), Value::Float(2.0), Value::Bool(true), Value::None()}));
  auto compact = ToJson(Value::Dict(d));
  ASSERT_TRUE(compact.ok());
  EXPECT_EQ(*compact, "{\"이름\": \"값\\u0001\", \"n\": [1, 2.0, true, null]}");
  JsonFormat indented;
  indented.indent = 1;
  auto pretty = ToJson(Value::List({Value::List({}), Value::Int(1)}), indented);
  ASSERT_TRUE(pretty.ok());
  EXPECT_EQ(*pretty, "[\n [],\n 1\n]");
  EXPECT_FALSE(ToJson(Value::Undefined("u")).ok());
}

TEST(Json, ReadsObjectsInDocumentOrderAndRejectsDeepNesting) {
  auto v = FromJson(R"({"z": 1, "a": [1.5, "x", null, 18446744073709551615]})", "test");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_TRUE(v->is_dict());
  EXPECT_EQ(v->as_dict().entries()[0].first, "z");
  EXPECT_EQ(v->Str(), "{'z': 1, 'a': [1.5, 'x', None, 1.8446744073709552e+19]}");
  EXPECT_FALSE(FromJson("[1,", "test").ok());
  auto deep = FromJson(std::string(100, '[') + std::string(100, ']'), "deep");
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("deep: JSON nests deeper"), std::string::npos);
}

TEST(PyStr, SplitMatchesPythonIncludingMaxsplit) {
  using V = std::vector<std::string>;
  EXPECT_EQ(PySplit("  a  b c ", std::nullopt, -1, false), (V{"a", "b", "c"}));
  EXPECT_EQ(PySplit("a b c  ", std::nullopt, 1, false), (V{"a", "b c  "}));
  EXPECT_EQ(PySplit("  a b c", std::nullopt, 1, true), (V{"  a b", "c"}));
  EXPECT_EQ(PySplit("a,,b", std::string(","), -1, false), (V{"a", "", "b"}));
  EXPECT_EQ(PySplit("a,b,c", std::string(","), 1, true), (V{"a,b", "c"}));
  EXPECT_EQ(PySplit("", std::string(","), -1, false), (V{""}));
  EXPECT_EQ(PySplit("", std::nullopt, -1, false), V{});
}

TEST(PyStr, StripUsesUnicodeWhitespaceOrTheGivenCodePoints) {
  EXPECT_EQ(PyStrip("\u3000 x \n", std::nullopt, StripSide::kBoth), "x");
  EXPECT_EQ(PyStrip("가나x나가", std::string("가나"), StripSide::kBoth), "x");
  EXPECT_EQ(PyStrip("  x  ", std::nullopt, StripSide::kLeft), "x  ");
  EXPECT_EQ(PyReplace("aaa", "a", "b", 2), "bba");
  EXPECT_EQ(PyReplace("ab", "", "-", -1), "-a-b-");
}

TEST(Utf8, InvalidBytesRoundTrip) {
  const std::string bytes = "a\xff\xc3\x28한";
  EXPECT_EQ(EncodeUtf8(DecodeUtf8(bytes)), bytes);
  EXPECT_EQ(Utf8Length(bytes), 5u);
  EXPECT_EQ(PyUpper("abc ä ω я 한"), "ABC Ä Ω Я 한");
  EXPECT_EQ(PyTitle("hello wORLD 2nd"), "Hello World 2Nd");
}

}  // namespace
}  // namespace dokja::text::jinja
