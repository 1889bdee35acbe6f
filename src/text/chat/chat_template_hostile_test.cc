// Bad and hostile templates: every one must fail with a clear Status, never
// crash, hang or exhaust memory.
#include <gtest/gtest.h>

#include "text/chat/chat_template.h"
#include "text/chat/chat_template_test_util.h"

namespace dokja::text {
namespace {

const std::vector<ChatMessage> kOne = {{"user", "hi"}};

Status ParseStatus(std::string_view source) {
  auto t = ChatTemplate::Parse(source);
  return t.ok() ? Status::OK() : t.status();
}

Status RenderStatus(std::string_view source, ChatRenderOptions options = {}) {
  auto t = ChatTemplate::Parse(source);
  if (!t.ok()) return Status::Internal("parse failed: " + t.status().ToString());
  auto out = t->Render(kOne, options);
  return out.ok() ? Status::OK() : out.status();
}

void ExpectError(const Status& s, StatusCode code, std::string_view fragment) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_NE(s.message().find(fragment), std::string::npos)
      << "want '" << fragment << "' in: " << s.ToString();
}

TEST(ChatTemplateHostile, UnterminatedTagsCommentsAndStringsNameTheirPosition) {
  ExpectError(ParseStatus("ab\n  {{ x"), StatusCode::kInvalidArgument,
              "line 2, column 3: tag '{{' is never closed");
  ExpectError(ParseStatus("{% if x"), StatusCode::kInvalidArgument, "tag '{%' is never closed");
  ExpectError(ParseStatus("{# note"), StatusCode::kInvalidArgument, "comment '{#' is never closed");
  ExpectError(ParseStatus("{{ 'abc }}"), StatusCode::kInvalidArgument,
              "column 4: string literal is never closed");
  ExpectError(ParseStatus("{% raw %}x"), StatusCode::kInvalidArgument, "no matching");
}

TEST(ChatTemplateHostile, UnbalancedBlocksAreSyntaxErrors) {
  ExpectError(ParseStatus("{% if x %}abc"), StatusCode::kInvalidArgument,
              "template ends inside a block; expected '{% endif %}'");
  ExpectError(ParseStatus("{% for m in messages %}"), StatusCode::kInvalidArgument,
              "template ends inside a block");
  ExpectError(ParseStatus("x{% endif %}"), StatusCode::kInvalidArgument,
              "unexpected 'endif' with no open block");
  ExpectError(ParseStatus("{% if x %}{% endfor %}"), StatusCode::kInvalidArgument,
              "unexpected 'endfor'; expected '{% endif %}'");
  ExpectError(ParseStatus("{% break %}"), StatusCode::kInvalidArgument, "'break' outside a for loop");
}

TEST(ChatTemplateHostile, UnknownAndUnsupportedNamesFailAtParse) {
  ExpectError(ParseStatus("{{ x | nope }}"), StatusCode::kInvalidArgument,
              "line 1, column 8: unknown filter 'nope'");
  ExpectError(ParseStatus("{{ x is nope }}"), StatusCode::kInvalidArgument, "unknown test 'nope'");
  ExpectError(ParseStatus("{% frobnicate %}"), StatusCode::kInvalidArgument, "unknown tag");
  ExpectError(ParseStatus("{% include 'x' %}"), StatusCode::kUnsupported,
              "tag 'include' is not supported");
  ExpectError(ParseStatus("{% for x in y recursive %}{% endfor %}"), StatusCode::kUnsupported,
              "recursive");
}

TEST(ChatTemplateHostile, MalformedExpressionsAreSyntaxErrors) {
  ExpectError(ParseStatus("{{ }}"), StatusCode::kInvalidArgument, "unexpected '}}'");
  ExpectError(ParseStatus("{{ 1 + }}"), StatusCode::kInvalidArgument, "in expression");
  ExpectError(ParseStatus("{{ a[1:2:3:4] }}"), StatusCode::kInvalidArgument, "at most three");
  ExpectError(ParseStatus("{{ f(a=1, 2) }}"), StatusCode::kInvalidArgument,
              "positional argument after keyword");
  ExpectError(ParseStatus("{{ 99999999999999999999 }}"), StatusCode::kUnsupported, "64 bits");
  ExpectError(ParseStatus("{{ a ; b }}"), StatusCode::kInvalidArgument, "unexpected character ';'");
}

TEST(ChatTemplateHostile, DeepNestingIsRejectedNotAStackOverflow) {
  const std::string parens = std::string(100000, '(') + "1" + std::string(100000, ')');
  ExpectError(ParseStatus("{{ " + parens + " }}"), StatusCode::kInvalidArgument, "nests deeper");
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{% if true %}";
  ExpectError(ParseStatus(ifs), StatusCode::kInvalidArgument, "nests deeper");
  ExpectError(ParseStatus("{{ " + std::string(100000, '-') + "1 }}"), StatusCode::kInvalidArgument,
              "nests deeper");
  ExpectError(ParseStatus("{{ " + std::string(100000, '[') + std::string(100000, ']') + " }}"),
              StatusCode::kInvalidArgument, "nests deeper");
  ExpectError(ParseStatus("{{ " + std::string(100000, '[') + " }}"), StatusCode::kInvalidArgument,
              "never closed");
}

TEST(ChatTemplateHostile, RunawayRecursionAndLoopsHitTheirLimits) {
  ExpectError(RenderStatus("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"),
              StatusCode::kInvalidArgument, "recursed deeper than 512");
  ChatRenderOptions few_steps;
  few_steps.max_steps = 20000;
  ExpectError(RenderStatus("{% for a in range(1000) %}{% for b in range(1000) %}"
                           "{% for c in range(1000) %}{% endfor %}{% endfor %}{% endfor %}",
                           few_steps),
              StatusCode::kInvalidArgument, "exceeded 20000 steps of work");
  ExpectError(RenderStatus("{% for i in range(10000000000) %}{% endfor %}"),
              StatusCode::kInvalidArgument, "exceeds the size limit");
}

TEST(ChatTemplateHostile, OutputAndStringBombsHitTheSizeCap) {
  ChatRenderOptions options;
  options.max_output_bytes = 1 << 20;
  ExpectError(RenderStatus("{% set s = 'x' * 100000 %}{% for i in range(100) %}{{ s }}{% endfor %}",
                           options),
              StatusCode::kInvalidArgument, "output exceeds 1048576 bytes");
  ExpectError(RenderStatus("{{ 'x' * 1000000000000 }}", options), StatusCode::kInvalidArgument,
              "limit");
  ExpectError(RenderStatus("{% set ns = namespace(s='xx') %}{% for i in range(64) %}"
                           "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                           options),
              StatusCode::kInvalidArgument, "exceeds");
  ExpectError(RenderStatus("{{ 2 ** 100 }}"), StatusCode::kUnsupported, "overflows");
}

TEST(ChatTemplateHostile, SharedAndSelfReferencingValuesCannotExplode) {
  // Doubling a nested list 64 times would print 2^64 items.
  ExpectError(RenderStatus("{% set ns = namespace(a=[1]) %}{% for i in range(64) %}"
                           "{% set ns.a = [ns.a, ns.a] %}{% endfor %}{{ ns.a }}"),
              StatusCode::kInvalidArgument, "-byte limit");
  ExpectError(RenderStatus("{% set ns = namespace(a=[]) %}{% for i in range(1000) %}"
                           "{% set ns.a = [ns.a] %}{% endfor %}{{ ns.a }}"),
              StatusCode::kInvalidArgument, "nests deeper than 100 levels");
  ExpectError(RenderStatus("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"),
              StatusCode::kUnsupported, "namespace objects cannot be stored");
  ExpectError(RenderStatus("{% set ns = namespace() %}{% set l = [ns] %}"),
              StatusCode::kUnsupported, "namespace objects cannot be stored");
  ExpectError(RenderStatus("{% set ns = namespace() %}{{ namespace(inner=ns) }}"),
              StatusCode::kUnsupported, "namespace objects cannot be stored");
}

TEST(ChatTemplateHostile, StringBlowUpsAreRefusedBeforeAllocating) {
  ChatRenderOptions options;
  options.max_output_bytes = 1 << 20;
  const std::string big = "{% set s = 'ab' * 200000 %}";
  ExpectError(RenderStatus(big + "{{ s | replace('a', s) }}", options), StatusCode::kInvalidArgument,
              "replace: result exceeds");
  ExpectError(RenderStatus(big + "{{ s.replace('a', s) }}", options), StatusCode::kInvalidArgument,
              "str.replace: result too large");
  ExpectError(RenderStatus(big + "{{ s | list | length }}", options), StatusCode::kInvalidArgument,
              "limit");
  ExpectError(RenderStatus(big + "{{ s.split('a') | length }}", options),
              StatusCode::kInvalidArgument, "too many parts");
  ExpectError(RenderStatus(big + "{{ [s] * 100 }}", options), StatusCode::kInvalidArgument, "limit");
  EXPECT_TRUE(RenderStatus(big + "{{ s | length }}", options).ok());
}

TEST(ChatTemplateHostile, QuadraticStringBuildingRunsOutOfSteps) {
  ChatRenderOptions options;
  options.max_steps = 100000;
  ExpectError(RenderStatus("{% set ns = namespace(s='') %}{% for i in range(90000) %}"
                           "{% set ns.s = ns.s ~ 'abcdefgh' %}{% endfor %}",
                           options),
              StatusCode::kInvalidArgument, "exceeded 100000 steps of work");
  ExpectError(RenderStatus("{% set s = 'x' * 1000000 %}{% for i in range(90000) %}"
                           "{% if 'y' in s %}{% endif %}{% endfor %}",
                           options),
              StatusCode::kInvalidArgument, "steps of work");
}

TEST(ChatTemplateHostile, RuntimeErrorsNameTheProblemAndPlace) {
  ExpectError(RenderStatus("\n{{ missing + 'a' }}"), StatusCode::kInvalidArgument,
              "line 2, column 12: 'missing' is undefined");
  ExpectError(RenderStatus("{{ missing.attr }}"), StatusCode::kInvalidArgument,
              "'missing' is undefined");
  ExpectError(RenderStatus("{{ 'a' + 1 }}"), StatusCode::kInvalidArgument,
              "unsupported operand type(s) for +: 'str' and 'int'");
  ExpectError(RenderStatus("{{ 1 // 0 }}"), StatusCode::kInvalidArgument, "division by zero");
  ExpectError(RenderStatus("{% set d = {} %}{% set d.x = 1 %}"), StatusCode::kInvalidArgument,
              "non-namespace");
  ExpectError(RenderStatus("{{ nofunc() }}"), StatusCode::kInvalidArgument, "'nofunc' is undefined");
  ExpectError(RenderStatus("{{ 'x'.nomethod() }}"), StatusCode::kInvalidArgument, "has no method");
  ExpectError(RenderStatus("{{ none | length }}"), StatusCode::kInvalidArgument, "has no len()");
  ExpectError(RenderStatus("{% for x in 5 %}{% endfor %}"), StatusCode::kInvalidArgument,
              "'int' object is not iterable");
  ExpectError(RenderStatus("{{ [1] | join(1, 2, 3) }}"), StatusCode::kInvalidArgument,
              "takes at most 2 argument(s)");
  ExpectError(RenderStatus("{{ 'a'.split('') }}"), StatusCode::kInvalidArgument, "empty separator");
  ExpectError(RenderStatus("{{ {} | tojson(ensure_ascii=true) }}"), StatusCode::kUnsupported,
              "ensure_ascii");
  ExpectError(RenderStatus("{{ x | tojson }}"), StatusCode::kInvalidArgument, "not JSON serializable");
}

TEST(ChatTemplateHostile, OddBytesNeverCrash) {
  const std::string odd[] = {std::string("a\0b{{ 'c\0' }}", 13), "\xff\xfe{{ '\xc3' }}",
                             "{{ '\\xZZ\\u12' }}", "{", "{{", "{%", "{#", "}}", "%}", "{{-", "-}}",
                             "{%- -%}", "{{ 'a' | }}", "{{ a. }}", "{{ a[ }}"};
  for (const std::string& source : odd) {
    auto t = ChatTemplate::Parse(source);
    if (t.ok()) (void)t->Render(kOne, {});
  }
  EXPECT_EQ(RenderOrError(std::string("a\0b", 3), kOne), std::string("a\0b", 3));
  EXPECT_EQ(RenderOrError("{{ '\xff' | length }}", kOne), "1");
}

TEST(ChatTemplateHostile, EveryPrefixOfTheRealTemplatesParsesOrFailsCleanly) {
  const std::string dir = std::string(DOKJA_SHARED_DIR) + "/fixtures/chat_templates/";
  const std::vector<ChatMessage> chat = {{"system", "s"}, {"user", "u"}, {"assistant", "a"}};
  int rendered = 0;
  for (const char* name : {"Qwen-Qwen2.5-7B-Instruct.jinja", "meta-llama-Llama-3.1-8B-Instruct.jinja",
                           "mistralai-Mistral-Nemo-Instruct-2407.jinja"}) {
    const std::string source = ReadFileOrDie(dir + name);
    ASSERT_FALSE(source.empty()) << name;
    for (size_t n = 0; n <= source.size(); n += 3) {
      auto t = ChatTemplate::Parse(std::string_view(source).substr(0, n));
      if (!t.ok()) {
        EXPECT_NE(t.status().message().find("chat template line"), std::string::npos)
            << t.status().ToString();
        continue;
      }
      rendered += t->Render(chat, {}).ok() ? 1 : 0;
    }
  }
  EXPECT_GT(rendered, 0);
}

}  // namespace
}  // namespace dokja::text
