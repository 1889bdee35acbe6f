// One test per Jinja construct, with expectations worked out from jinja2's
// documented semantics (trim_blocks and lstrip_blocks on, as Hugging Face sets).
#include "text/chat/chat_template.h"

#include <gtest/gtest.h>

#include <thread>

#include "text/chat/chat_template_test_util.h"

namespace dokja::text {
namespace {

const std::vector<ChatMessage> kNone;
const std::vector<ChatMessage> kChat = {
    {"system", "Be brief."}, {"user", "안녕하세요"}, {"assistant", "네."}, {"user", "Bye"}};

std::string R(std::string_view source, const std::vector<ChatMessage>& messages = kNone,
              ChatRenderOptions options = {}) {
  if (!options.now) options.now = ChatDateTime{2026, 11, 22, 9, 5, 7};
  return RenderOrError(source, messages, options);
}

TEST(ChatTemplate, PlainTextPassesThroughAndLosesOneTrailingNewline) {
  EXPECT_EQ(R("hello\n"), "hello");
  EXPECT_EQ(R("hello\n\n"), "hello\n");
  EXPECT_EQ(R(""), "");
}

TEST(ChatTemplate, DashStripsAllWhitespaceOnItsSide) {
  EXPECT_EQ(R("a \n\t {{- 'b' -}} \n c"), "abc");
  EXPECT_EQ(R("a \n {%- if true -%} \n b \n {%- endif -%} \n c"), "abc");
  EXPECT_EQ(R("a  {{ 'b' -}}  c"), "a  bc");
}

TEST(ChatTemplate, TrimBlocksDropsOneNewlineAfterBlockTagsOnly) {
  EXPECT_EQ(R("{% if true %}\nx\n{% endif %}\ny"), "x\ny");
  EXPECT_EQ(R("{% if true %}\n\nx{% endif %}"), "\nx");
  EXPECT_EQ(R("{{ 'v' }}\nx"), "v\nx");  // variable tags keep their newline
  EXPECT_EQ(R("{# c #}\nx"), "x");       // comments trim like blocks
}

TEST(ChatTemplate, LstripBlocksRemovesIndentBeforeTagsThatStartALine) {
  EXPECT_EQ(R("<\n    {% if true %}\n    x\n    {% endif %}\n>"), "<\n    x\n>");
  EXPECT_EQ(R("a  {% if true %}b{% endif %}"), "a  b");  // not at line start
  EXPECT_EQ(R("a\n   {{ 'b' }}"), "a\n   b");            // never for {{
  EXPECT_EQ(R("a\n  {%+ if true %}b{% endif %}"), "a\n  b");  // {%+ opts out
  EXPECT_EQ(R("{% if true +%}\nb{% endif %}"), "\nb");         // +%} keeps newline
}

TEST(ChatTemplate, CarriageReturnsBecomeNewlines) {
  EXPECT_EQ(R("a\r\nb\rc"), "a\nb\nc");
}

TEST(ChatTemplate, RawBlockIsNotEvaluated) {
  EXPECT_EQ(R("{% raw %}{{ x }}{% if %}{% endraw %}."), "{{ x }}{% if %}.");
}

TEST(ChatTemplate, LoopVariablesCountFromOneAndZero) {
  EXPECT_EQ(R("{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
              "{{ loop.revindex0 }}{{ loop.length }}{{ 'F' if loop.first }}{{ 'L' if loop.last }}"
              ",{% endfor %}",
              kChat),
            "10434F,21324,32214,43104L,");
}

TEST(ChatTemplate, LoopFilterAppliesBeforeLoopLength) {
  EXPECT_EQ(R("{% for m in messages if m.role == 'user' %}{{ loop.index }}/{{ loop.length }}"
              "{{ m.content }};{% endfor %}",
              kChat),
            "1/2안녕하세요;2/2Bye;");
}

TEST(ChatTemplate, BreakContinueAndElse) {
  EXPECT_EQ(R("{% for i in range(6) %}{% if i is odd %}{% continue %}{% endif %}"
              "{% if i > 3 %}{% break %}{% endif %}{{ i }}{% endfor %}"),
            "02");
  EXPECT_EQ(R("{% for i in [] %}x{% else %}none{% endfor %}"), "none");
}

TEST(ChatTemplate, SetInsideLoopDoesNotLeakButNamespaceDoes) {
  EXPECT_EQ(R("{% set n = 0 %}{% for m in messages %}{% set n = n + 1 %}{% endfor %}{{ n }}", kChat),
            "0");
  EXPECT_EQ(R("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}"
              "{% endfor %}{{ ns.n }}",
              kChat),
            "4");
  EXPECT_EQ(R("{% if true %}{% set x = 'in if' %}{% endif %}{{ x }}"), "in if");
}

TEST(ChatTemplate, SlicesFollowPythonRules) {
  EXPECT_EQ(R("{{ messages[1:] | length }}{{ messages[-1].content }}{{ messages[::-1][0].content }}",
              kChat),
            "3ByeBye");
  EXPECT_EQ(R("{{ 'abcdef'[1:5:2] }}|{{ 'abc'[::-1] }}|{{ 'abc'[5:] }}|{{ [1, 2, 3][:-1] }}"),
            "bd|cba||[1, 2]");
  // Korean strings index by code point, not byte.
  EXPECT_EQ(R("{{ messages[1].content[1:3] }}{{ messages[1].content | length }}", kChat), "녕하5");
}

TEST(ChatTemplate, TojsonMatchesPythonJsonDumpsWithoutAsciiEscaping) {
  EXPECT_EQ(R("{{ {'q': '서울', 'n': [1, 2.0, none, true]} | tojson }}"),
            R"({"q": "서울", "n": [1, 2.0, null, true]})");
  EXPECT_EQ(R("{{ {'a': [1]} | tojson(indent=2) }}"), "{\n  \"a\": [\n    1\n  ]\n}");
  EXPECT_EQ(R("{{ 'line\\n\"q\"' | tojson }}"), R"("line\n\"q\"")");
}

TEST(ChatTemplate, PrintsValuesLikePythonStr) {
  EXPECT_EQ(R("{{ none }}|{{ true }}|{{ 3 / 2 }}|{{ 2 * 2.0 }}|{{ [1, 'a', none] }}|{{ {'k': 'v'} }}"),
            "None|True|1.5|4.0|[1, 'a', None]|{'k': 'v'}");
  EXPECT_EQ(R("{{ undefined_name }}|{{ ('x',) }}|{{ {'a': 1}.items() | list }}"),
            "|('x',)|[('a', 1)]");
}

TEST(ChatTemplate, StringFilters) {
  EXPECT_EQ(R("{{ '  a b  ' | trim }}|{{ 'ab' | upper }}|{{ 'AB' | lower }}|{{ 'aB' | capitalize }}"
              "|{{ 'a-b c' | title }}|{{ 'a.b' | replace('.', '/') }}|{{ 7 | string }}"),
            "a b|AB|ab|Ab|A-B C|a/b|7");
}

TEST(ChatTemplate, SequenceFilters) {
  EXPECT_EQ(R("{{ messages | map(attribute='role') | join(',') }}", kChat),
            "system,user,assistant,user");
  EXPECT_EQ(R("{{ messages | selectattr('role', 'equalto', 'user') | list | length }}", kChat),
            "2");
  EXPECT_EQ(R("{{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='content') "
              "| first }}",
              kChat),
            "Be brief.");
  EXPECT_EQ(R("{{ [3, 1, 2] | sort | last }}{{ 'x' | default('d') }}{{ nope | default('d') }}"),
            "3xd");
  EXPECT_EQ(R("{{ '12' | int + 1 }}{{ 'z' | int }}{{ {'a': 1} | items | list }}"), "130[('a', 1)]");
}

TEST(ChatTemplate, TestsOnTypesAndDefinedness) {
  EXPECT_EQ(R("{{ x is defined }}{{ x is undefined }}{{ none is none }}{{ 'a' is string }}"
              "{{ {} is mapping }}{{ [] is iterable }}{{ [] is sequence }}{{ 1.5 is number }}"
              "{{ true is true }}{{ 1 is true }}{{ false is false }}"),
            "FalseTrueTrueTrueTrueTrueTrueTrueTrueFalseTrue");
  EXPECT_EQ(R("{{ messages[0].tool_calls is defined }}{{ 'tool_calls' in messages[0] }}", kChat),
            "FalseFalse");
}

TEST(ChatTemplate, OperatorsFollowPython) {
  EXPECT_EQ(R("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 3 }} {{ 'ab' ~ 1 }} {{ 'a' + 'b' }}"
              " {{ 1 if 0 else 2 }} {{ 0 or 'x' }} {{ 'a' in 'cat' }} {{ 3 not in [1, 2] }}"),
            "3 -4 2 8 ab1 ab 2 x True True");
  // Filters bind tighter than +: 'a' + (x | trim).
  EXPECT_EQ(R("{{ 'a' + '  b  ' | trim + 'c' }}"), "abc");
  EXPECT_EQ(R("{{ not 1 == 2 }}{{ 1 < 2 < 3 }}{{ 2 < 1 < 3 }}"), "TrueTrueFalse");
}

TEST(ChatTemplate, StringAndDictMethods) {
  EXPECT_EQ(R("{{ ' x '.strip() }}|{{ 'a</think>b'.split('</think>')[-1] }}|{{ 'abc'.startswith('a') }}"
              "|{{ 'abc'.endswith('bc') }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|{{ 'a b'.title() }}"
              "|{{ '--x'.lstrip('-') }}{{ 'x  '.rstrip() }}|{{ 'aa'.replace('a', 'b') }}"),
            "x|b|True|True|ABab|A B|xx|bb");
  EXPECT_EQ(R("{{ messages[0].get('role') }}{{ messages[0].get('x', 'd') }}"
              "{{ messages[0].keys() | list | length }}",
              kChat),
            "systemd2");
}

TEST(ChatTemplate, MacrosTakeDefaultsAndKeywords) {
  EXPECT_EQ(R("{% macro t(a, b='B') %}[{{ a }}{{ b }}]{% endmacro %}{{ t(1) }}{{ t(1, 2) }}{{ t(b=3, a=4) }}"),
            "[1B][12][43]");
}

TEST(ChatTemplate, StrftimeNowUsesTheInjectedTime) {
  EXPECT_EQ(R("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %j %-d') }}"),
            "22 Nov 2026|2026-11-22 09:05:07 Sunday November 326 22");
}

TEST(ChatTemplate, StrftimeNowWithoutInjectedTimeReadsTheClock) {
  ChatRenderOptions options;  // now = nullopt
  const std::string year = RenderOrError("{{ strftime_now('%Y') }}", kNone, options);
  ASSERT_EQ(year.size(), 4u) << year;
  EXPECT_GE(std::stoi(year), 2025);
}

TEST(ChatTemplate, RaiseExceptionBecomesAnErrorCarryingItsMessage) {
  auto tmpl = ChatTemplate::Parse("{% if messages[0].role == 'system' %}\n"
                                  "  {{ raise_exception('System role not supported') }}\n"
                                  "{% endif %}");
  ASSERT_TRUE(tmpl.ok()) << tmpl.status().ToString();
  auto out = tmpl->Render(kChat, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "chat template line 2, column 6: raise_exception: System role not supported");
}

TEST(ChatTemplate, StandardVariablesMatchTransformers) {
  ChatRenderOptions options;
  options.bos_token = "<s>";
  options.eos_token = "</s>";
  options.add_generation_prompt = false;
  EXPECT_EQ(R("{{ bos_token }}{{ eos_token }}{{ add_generation_prompt }}{{ tools }}{{ documents }}",
              kNone, options),
            "<s></s>FalseNoneNone");
}

TEST(ChatTemplate, ToolCallsAndToolsReachTheTemplate) {
  ChatMessage call{"assistant", ""};
  call.tool_calls.push_back({"abc123def", "lookup", R"({"q": "서울", "n": 2})"});
  ChatMessage result{"tool", "sunny"};
  result.tool_call_id = "abc123def";
  ChatRenderOptions options;
  options.tools_json = R"([{"type": "function", "function": {"name": "lookup"}}])";
  EXPECT_EQ(R("{% set c = messages[0].tool_calls[0] %}{{ messages[0].content is none }}|{{ c.id }}"
              "|{{ c.function.name }}|{{ c.function.arguments | tojson }}|{{ messages[1].tool_call_id }}"
              "|{{ tools[0].function.name }}",
              {call, result}, options),
            R"(True|abc123def|lookup|{"q": "서울", "n": 2}|abc123def|lookup)");
  options.tool_arguments_as_text = true;
  EXPECT_EQ(R("{{ messages[0].tool_calls[0].function.arguments }}", {call}, options),
            R"({"q": "서울", "n": 2})");
}

TEST(ChatTemplate, ExtraContextAddsVariablesButCannotShadowStandardOnes) {
  ChatRenderOptions options;
  options.extra_context_json = R"({"enable_thinking": false, "date_string": "1 Jan 2030"})";
  EXPECT_EQ(R("{{ enable_thinking }} {{ date_string }}", kNone, options), "False 1 Jan 2030");
  options.extra_context_json = R"({"messages": []})";
  EXPECT_NE(R("x", kNone, options).find("would shadow"), std::string::npos);
}

TEST(ChatTemplate, RejectsMalformedToolsAndArgumentsJson) {
  ChatRenderOptions options;
  options.tools_json = "[{";
  EXPECT_NE(R("x", kNone, options).find("tools_json: not valid JSON"), std::string::npos);
  options.tools_json = R"({"not": "a list"})";
  EXPECT_NE(R("x", kNone, options).find("expected a JSON array"), std::string::npos);
  ChatMessage call{"assistant", ""};
  call.tool_calls.push_back({"", "f", "{oops"});
  EXPECT_NE(R("x", {call}).find("tool_calls[0].arguments_json"), std::string::npos);
}

TEST(ChatTemplate, CopiesRenderConcurrently) {
  auto parsed = ChatTemplate::Parse(
      "{% for m in messages %}<{{ m.role }}>{{ m.content | trim }}{% endfor %}");
  ASSERT_TRUE(parsed.ok());
  const ChatTemplate tmpl = *parsed;
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(4);
  for (size_t i = 0; i < outputs.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 50; ++round) {
        auto out = tmpl.Render(kChat, {});
        outputs[i] = out.ok() ? *out : out.status().ToString();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& out : outputs) {
    EXPECT_EQ(out, "<system>Be brief.<user>안녕하세요<assistant>네.<user>Bye");
  }
  EXPECT_EQ(tmpl.source().substr(0, 6), "{% for");
}

TEST(ChatTemplate, StrictUndefinedFailsOnPrintingAnUndefinedNameOnly) {
  ChatRenderOptions strict;
  strict.strict_undefined = true;
  EXPECT_EQ(R("[{{ missing }}]"), "[]");
  EXPECT_NE(R("[{{ missing }}]", kNone, strict).find("'missing' is undefined"), std::string::npos);
  // Tests and defaults still see Undefined without failing.
  EXPECT_EQ(R("{{ missing is defined }}|{{ missing | default('d') }}", kNone, strict), "False|d");
}

}  // namespace
}  // namespace dokja::text
