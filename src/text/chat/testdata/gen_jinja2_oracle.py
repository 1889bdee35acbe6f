#!/usr/bin/python3
"""Renders small templates with Python jinja2, configured as Hugging Face
transformers configures it, and writes jinja2_oracle.json for
chat_template_oracle_test.cc. Not run in CI; rerun by hand after adding cases:

    /usr/bin/python3 src/text/chat/testdata/gen_jinja2_oracle.py

Needs Debian's python3-jinja2 (apt-get install -y python3-jinja2).
Messages are written in ChatMessage's shape and converted here the way
chat_template.cc converts them, so the test also checks that mapping.
"""
import json
import os
from datetime import datetime

import jinja2
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXTURES = os.path.join(os.path.dirname(__file__), "../../../../../shared/fixtures/chat_templates")


class AssistantTracker(Extension):
    """transformers' {% generation %} tag, which renders its body in place."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime(2026, 11, 22).strftime(fmt)


ENV = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                    extensions=[AssistantTracker, jinja2.ext.loopcontrols])
ENV.filters["tojson"] = tojson
ENV.globals["raise_exception"] = raise_exception
ENV.globals["strftime_now"] = strftime_now

USER = [{"role": "user", "content": "Hello"}]
KO = [{"role": "system", "content": "당신은 심사위원입니다."},
      {"role": "user", "content": "  대한민국의 수도는?  "},
      {"role": "assistant", "content": "서울입니다."},
      {"role": "user", "content": "인구는?"}]
TOOL_CALL = [{"role": "user", "content": "Weather in Seoul?"},
             {"role": "assistant", "content": "",
              "tool_calls": [{"id": "call12345", "name": "get_weather",
                              "arguments_json": "{\"city\": \"서울\", \"unit\": \"C\"}"}]},
             {"role": "tool", "content": "{\"temp\": 3}", "tool_call_id": "call12345"},
             {"role": "assistant", "content": "It is 3 degrees."},
             {"role": "user", "content": "Thanks"}]
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Current weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}}]


def hf_messages(messages, arguments_as_text=False):
    out = []
    for m in messages:
        d = {"role": m["role"]}
        calls = m.get("tool_calls", [])
        d["content"] = None if (m["content"] == "" and calls) else m["content"]
        if calls:
            d["tool_calls"] = []
            for c in calls:
                call = {}
                if c.get("id"):
                    call["id"] = c["id"]
                call["type"] = "function"
                args = c["arguments_json"] if arguments_as_text else json.loads(c["arguments_json"])
                call["function"] = {"name": c["name"], "arguments": args}
                d["tool_calls"].append(call)
        if m.get("tool_call_id"):
            d["tool_call_id"] = m["tool_call_id"]
        out.append(d)
    return out


# (name, template, messages, extra options)
CASES = [
    # Whitespace control and trim_blocks / lstrip_blocks interplay.
    ("trim_blocks_eats_one_newline", "{% if true %}\nA\n{% endif %}\nB", USER, {}),
    ("lstrip_blocks_indented_tags", "<x>\n    {% for m in messages %}\n    [{{ m.role }}]\n    {% endfor %}\n</x>", KO, {}),
    ("dash_strips_both_sides", "a   \n  {%- if true -%}  \n  b  \n {%- endif -%}\n  c", USER, {}),
    ("variable_dash", "x  {{- 'y' -}}  z\n{{ 'w' }}  \n", USER, {}),
    ("plus_disables_lstrip", "a\n    {%+ if true %}b{% endif %}", USER, {}),
    ("plus_disables_trim", "{% if true +%}\nb{% endif %}", USER, {}),
    ("comment_lstrip_and_trim", "a\n    {# note #}\nb\n  {#- x -#}  c", USER, {}),
    ("variable_not_lstripped", "a\n    {{ 'b' }}\n", USER, {}),
    ("tag_after_text_on_line_keeps_space", "a  {% if true %}b{% endif %}", USER, {}),
    ("crlf_normalized", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\n", USER, {}),
    ("raw_block", "{% raw %}{{ not evaluated }}{% endraw %}!", USER, {}),
    ("trailing_newline_removed_once", "a\n\n", USER, {}),
    ("lstrip_after_variable_and_newline", "{{ 'a' }}\n  {% if true %}x{% endif %}", USER, {}),
    ("no_lstrip_after_variable_same_line", "{{ 'a' }}  {% if true %}x{% endif %}", USER, {}),
    ("lstrip_after_trimmed_newline", "{% if true %}\n  {% if true %}x{% endif %}\n{% endif %}", USER, {}),
    ("no_lstrip_when_block_ends_without_newline", "{% if true %}  {% if true %}x{% endif %}{% endif %}", USER, {}),
    ("dash_end_then_indented_tag", "{% if true -%}\n  {% if true %}x{% endif %}\n  y{% endif %}", USER, {}),
    ("for_with_dashes_and_variables", "{%- for m in messages -%}\n  {{ m.role }}\n{%- endfor %}\n", KO, {}),
    ("multiline_tag", "{%\n  if true\n%}\nyes{% endif %}", USER, {}),
    ("comment_between_lines", "a\n  {#- c -#}\n  b\n{# d #}\n  c", USER, {}),
    ("tabs_lstripped", "a\n\t {% if true %}\nb{% endif %}", USER, {}),
    ("messages_tojson", "{{ messages | tojson }}", KO, {}),
    # Loops.
    ("loop_variables", "{% for m in messages %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }};{% endfor %}", KO, {}),
    ("loop_filter_counts_filtered", "{% for m in messages if m.role == 'user' %}{{ loop.index }}:{{ m.content }}{{ ',' if not loop.last }}{% endfor %}", KO, {}),
    ("loop_else", "{% for x in [] %}x{% else %}empty{% endfor %}", USER, {}),
    ("break_continue", "{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", USER, {}),
    ("loop_scoping", "{% set x = 'outer' %}{% for i in [1, 2] %}[{{ x }}]{% set x = i %}({{ x }}){% endfor %}{{ x }}", USER, {}),
    ("nested_loops_loop_shadow", "{% for a in [1,2] %}{% for b in 'xy' %}{{ loop.index }}{{ a }}{{ b }} {% endfor %}{{ loop.index }}|{% endfor %}", USER, {}),
    ("tuple_unpacking", "{% for k, v in {'a': 1, 'b': [2, 'x']}.items() %}{{ k }}={{ v }};{% endfor %}", USER, {}),
    ("previtem_nextitem", "{% for i in [1,2,3] %}{{ loop.previtem is defined }}{{ loop.nextitem }};{% endfor %}", USER, {}),
    ("range_forms", "{{ range(3) | list }}{{ range(1, 7, 2) | list }}{{ range(5, 0, -2) | list }}", USER, {}),
    # Namespace and set.
    ("namespace_carries_across_iterations", "{% set ns = namespace(n=0, s='') %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% set ns.s = ns.s ~ m.role[0] %}{% endfor %}{{ ns.n }} {{ ns.s }}", KO, {}),
    ("set_in_if_leaks", "{% if true %}{% set y = 5 %}{% endif %}{{ y }}", USER, {}),
    ("set_block", "{% set body %}<{{ messages[0].content }}>{% endset %}{{ body | upper }}", USER, {}),
    ("set_tuple", "{% set a, b = 1, 'two' %}{{ a }}{{ b }}", USER, {}),
    # Slicing and subscripts.
    ("slices", "{{ messages[1:] | length }}{{ messages[::-1][0].role }}{{ 'abcdef'[1:4] }}{{ 'abcdef'[::2] }}{{ 'abcdef'[-2:] }}{{ [1,2,3,4][-3:-1] }}", KO, {}),
    ("korean_slicing_counts_code_points", "{{ messages[2].content[:2] }}|{{ messages[2].content | length }}|{{ messages[2].content[-1] }}", KO, {}),
    ("index_out_of_range_is_undefined", "[{{ messages[10] }}]{{ messages[10] is defined }}", USER, {}),
    # tojson.
    ("tojson_korean_and_spacing", "{{ {'name': '한국어', 'n': [1, 2.5, true, none], 'q': 'say \"hi\"\\n'} | tojson }}", USER, {}),
    ("tojson_indent", "{{ tools | tojson(indent=4) }}", USER, {"tools": TOOLS}),
    ("tojson_indent_nested_empty", "{{ {'a': [], 'b': {}, 'c': [1, {'d': 2}]} | tojson(indent=2) }}", USER, {}),
    ("tojson_sort_keys", "{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}", USER, {}),
    ("tojson_floats", "{{ [1.0, 0.1, 1e20, 1.5e-7, -0.0, 123456.789] | tojson }}", USER, {}),
    ("tojson_control_chars", "{{ 'a\\tb\\u0001c\\u007f' | tojson }}", USER, {}),
    # Filters.
    ("string_filters", "{{ '  hi  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ 'hello world' | upper }}|{{ 'HeLLo' | lower }}|{{ 'hello WORLD' | capitalize }}|{{ 'hello big-world (x)' | title }}", USER, {}),
    ("default_filter", "{{ missing | default('d') }}|{{ '' | default('e') }}|{{ '' | default('e', true) }}|{{ none | default('n') }}|{{ missing | d }}", USER, {}),
    ("first_last_join", "{{ messages | map(attribute='role') | join(', ') }}|{{ (messages | first).role }}|{{ (messages | last).content }}|{{ [1, 2] | join }}|{{ 'abc' | first }}", KO, {}),
    ("replace_and_string", "{{ 'a-b-c' | replace('-', '+') }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ 3 | string + '!' }}|{{ [1, 'a', none, true] | string }}", USER, {}),
    ("int_float_filters", "{{ '42' | int + 1 }}|{{ '3.7' | int }}|{{ 'x' | int(7) }}|{{ 3.9 | int }}|{{ '2.5' | float * 2 }}|{{ true | int }}", USER, {}),
    ("list_and_items", "{{ 'ab' | list }}|{% for k, v in {'x': 1, 'y': 2} | items %}{{ k }}{{ v }}{% endfor %}|{{ {'p': 1} | list }}", USER, {}),
    ("selectattr_rejectattr", "{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}|{{ messages | rejectattr('role', 'in', ['user', 'system']) | list | length }}", KO, {}),
    ("select_reject_map_filter", "{{ [1, 2, 3, 4] | select('odd') | list }}{{ [1, 2, 3, 4] | reject('even') | list }}{{ ['a', 'B'] | map('upper') | list }}{{ [1, none, 0, 2] | select | list }}", USER, {}),
    ("sort_unique_reverse_minmax_sum", "{{ [3, 1, 2] | sort }}{{ ['b', 'A', 'c'] | sort }}{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}{{ [3, 1, 2] | sort(reverse=true) }}{{ [1, 1, 2] | unique | list }}{{ [1, 2] | reverse | list }}{{ [4, 9, 2] | max }}{{ [4, 9, 2] | min }}{{ [1, 2.5] | sum }}", USER, {}),
    ("length_count_wordcount", "{{ messages | length }}{{ {'a': 1} | length }}{{ 'one two  three' | wordcount }}{{ 'abc' | count }}", KO, {}),
    ("indent_filter", "{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(3, true) }}", USER, {}),
    ("abs_round", "{{ -3 | abs }}{{ 2.567 | round(2) }}{{ 2.5 | round }}{{ 2.1 | round(0, 'ceil') }}", USER, {}),
    ("dictsort", "{{ {'b': 1, 'a': 2} | dictsort }}", USER, {}),
    # Tests.
    ("tests_types", "{{ 'x' is string }}{{ 1 is number }}{{ 1.5 is float }}{{ 1 is integer }}{{ true is number }}{{ {} is mapping }}{{ [] is sequence }}{{ 'a' is iterable }}{{ none is none }}{{ missing is undefined }}{{ missing is iterable }}{{ true is true }}{{ 0 is false }}{{ {} is sequence }}{{ true is boolean }}", USER, {}),
    ("tests_comparisons", "{{ 2 is divisibleby 2 }}{{ 3 is odd }}{{ 4 is even }}{{ 'a' is in 'abc' }}{{ 3 is gt 2 }}{{ 'x' is eq 'x' }}{{ 'ABC' is upper }}{{ 'abc' is lower }}{{ 1 is not equalto 2 }}", USER, {}),
    # Operators.
    ("arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1 + 2.5 }} {{ 10 - 3 * 2 }} {{ 'ab' * 3 }} {{ [0] * 2 }} {{ true + 1 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}", USER, {}),
    ("concat_and_precedence", "{{ 1 ~ (2 + 3) }}|{{ 'a' ~ none ~ missing ~ true }}|{{ 'x' + 'y' | upper }}|{{ not 1 == 2 }}|{{ -2 ** 2 }}", USER, {}),
    ("comparisons_and_membership", "{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}{{ 1 == 1.0 }}{{ 'ab' in 'cabd' }}{{ 2 not in [1, 3] }}{{ 'role' in messages[0] }}{{ 'tool_calls' in messages[0] }}{{ none == none }}", USER, {}),
    ("and_or_return_operands", "{{ 0 or 'x' }}|{{ 'a' and 'b' }}|{{ '' and 'b' }}|{{ none or [] }}|{{ 'x' if 0 }}|{{ 'y' if 1 else 'n' }}", USER, {}),
    ("python_str_of_values", "{{ none }} {{ true }} {{ 1.0 }} {{ 1e20 }} {{ 0.1 + 0.2 }} {{ ['a', \"b'c\", {'k': none}] }} {{ (1, 2) | list }} {{ 10 / 3 }} {{ 1.5e-7 }}", USER, {}),
    ("string_escapes", "{{ 'tab\\there' }}|{{ \"q\\\"uote\" }}|{{ 'uni\\u00e9' }}|{{ 'a' 'b' }}", USER, {}),
    # Methods.
    ("string_methods", "{{ '  x  '.strip() }}|{{ 'xxyxx'.strip('x') }}|{{ '  x'.lstrip() }}|{{ 'x  '.rstrip() }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|{{ 'hello world 2nd'.title() }}|{{ 'aXa'.replace('a', 'b') }}|{{ 'abc'.find('c') }}|{{ '-'.join(['a', 'b']) }}", USER, {}),
    ("think_split", "{% set c = messages[0].content %}{% if '</think>' in c %}{% set c = c.split('</think>')[-1].lstrip() %}{% endif %}[{{ c }}]", [{"role": "assistant", "content": "<think>hmm</think>\n\nAnswer"}], {}),
    ("dict_methods", "{{ messages[0].get('role') }}|{{ messages[0].get('nope', 'dflt') }}|{{ messages[0].get('nope') }}|{{ messages[0].keys() | list }}|{{ messages[0].values() | list }}|{{ messages[0].items() | list }}", USER, {}),
    # Globals.
    ("strftime_now", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %A %B %j') }}|{{ strftime_now('%-d/%-m') }}", USER, {}),
    ("macro_with_defaults", "{% macro tag(name, body='x', end='!') %}<{{ name }}>{{ body }}{{ end }}{% endmacro %}{{ tag('a') }}{{ tag('b', 'y') }}{{ tag('c', end='?') }}", USER, {}),
    ("macro_sees_globals_not_loop_vars", "{% set g = 'G' %}{% macro f() %}{{ g }}{{ m is defined }}{% endmacro %}{% for m in messages %}{{ f() }}{% endfor %}", USER, {}),
    ("generation_tag", "{% for m in messages %}{% generation %}[{{ m.content }}]{% endgeneration %}{% endfor %}", USER, {}),
    ("dict_literal_and_attr", "{% set d = {'a': {'b': [10, 20]}} %}{{ d.a.b[1] }}{{ d['a']['b'].0 }}{{ d.zz is defined }}", USER, {}),
    ("undefined_attribute_on_dict", "{{ messages[0].tool_calls is defined }}{{ messages[0].content.content is defined }}", USER, {}),
    # API mapping: tool calls, tools, extra variables.
    ("tool_call_message_shape", "{{ messages[1] | tojson }}|{{ messages[1].content is none }}|{{ messages[2].tool_call_id }}|{{ 'tool_calls' in messages[0] }}", TOOL_CALL, {}),
    ("tool_arguments_as_text", "{{ messages[1].tool_calls[0].function.arguments }}", TOOL_CALL, {"tool_arguments_as_text": True}),
    ("tools_none_by_default", "{{ tools is none }}{{ documents is none }}{{ tools is defined }}", USER, {}),
    ("extra_context", "{{ enable_thinking }}{{ date_string }}", USER, {"extra": {"enable_thinking": False, "date_string": "1 Jan 2030"}}),
    # Errors jinja2 raises too.
    ("error_undefined_plus", "{{ missing + 'a' }}", USER, {"error": True}),
    ("error_attribute_of_undefined", "{{ missing.attr }}", USER, {"error": True}),
    ("error_raise_exception", "{{ raise_exception('Only user and assistant roles!') }}", USER, {"error": True}),
    ("error_str_plus_int", "{{ 'a' + 1 }}", USER, {"error": True}),
    ("error_set_attr_on_dict", "{% set d = {} %}{% set d.x = 1 %}", USER, {"error": True}),
    ("error_concat_binds_tighter_than_plus", "{{ 2 + 3 ~ 1 }}", USER, {"error": True}),
    ("error_division_by_zero", "{{ 1 // 0 }}", USER, {"error": True}),
]

# The real fixture templates, with tools and tool calls (paths the fixture cases skip).
for name, messages, extra in [
    ("Qwen-Qwen2.5-7B-Instruct.jinja", TOOL_CALL, {"tools": TOOLS}),
    ("Qwen-Qwen2.5-7B-Instruct.jinja", KO, {}),
    ("meta-llama-Llama-3.1-8B-Instruct.jinja", TOOL_CALL, {"tools": TOOLS}),
    ("meta-llama-Llama-3.1-8B-Instruct.jinja", KO, {"extra": {"date_string": "22 Nov 2026"}}),
    ("mistralai-Mistral-Nemo-Instruct-2407.jinja", TOOL_CALL, {"tools": TOOLS}),
    ("mistralai-Mistral-Nemo-Instruct-2407.jinja", KO, {}),
    ("google-gemma-2-2b-it.jinja", KO[1:], {}),
    ("google-gemma-2-2b-it.jinja", [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], {"error": True}),
    ("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", TOOL_CALL, {"tool_arguments_as_text": True}),
    ("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja",
     [{"role": "user", "content": "q"}, {"role": "assistant", "content": "<think>x</think>A"},
      {"role": "user", "content": "q2"}], {}),
    ("microsoft-Phi-3.5-mini-instruct.jinja", KO, {"add_generation_prompt": False}),
]:
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        CASES.append(("fixture " + name + " " + str(len(CASES)), f.read(), messages, extra))


def render(template, messages, opts):
    context = {
        "messages": hf_messages(messages, opts.get("tool_arguments_as_text", False)),
        "tools": opts.get("tools"),
        "documents": None,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "add_generation_prompt": opts.get("add_generation_prompt", True),
    }
    context.update(opts.get("extra", {}))
    return ENV.from_string(template).render(**context)


def main():
    out = []
    for name, template, messages, opts in CASES:
        case = {"name": name, "template": template, "messages": messages,
                "add_generation_prompt": opts.get("add_generation_prompt", True),
                "tool_arguments_as_text": opts.get("tool_arguments_as_text", False)}
        if "tools" in opts:
            case["tools_json"] = json.dumps(opts["tools"], ensure_ascii=False)
        if "extra" in opts:
            case["extra_context_json"] = json.dumps(opts["extra"], ensure_ascii=False)
        try:
            case["expected"] = render(template, messages, opts)
            if opts.get("error"):
                raise SystemExit(f"{name}: expected an error, rendered {case['expected']!r}")
        except jinja2.exceptions.TemplateError as e:
            if not opts.get("error"):
                raise SystemExit(f"{name}: jinja2 failed: {e}")
            case["expected_error"] = str(e)
        except ZeroDivisionError as e:
            case["expected_error"] = str(e)
        except TypeError as e:
            if not opts.get("error"):
                raise SystemExit(f"{name}: jinja2 failed: {e}")
            case["expected_error"] = str(e)
        out.append(case)
    path = os.path.join(os.path.dirname(__file__), "jinja2_oracle.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"generator": "gen_jinja2_oracle.py, jinja2 " + jinja2.__version__,
                   "bos_token": "<s>", "eos_token": "</s>", "now": "2026-11-22",
                   "cases": out}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
