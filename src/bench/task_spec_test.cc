// Task YAML parsing: good files, and bad ones named by file, line and field.
#include <gtest/gtest.h>

#include "bench/bench_test_util.h"
#include "bench/task_spec.h"

namespace dokja::bench {
namespace {

const char* kGood = R"(task: tiny
dataset_path: tiny.jsonl
output_type: multiple_choice
doc_to_text: "{{q}}"
doc_to_choice: ["A", "B"]
doc_to_target: "{{answer}}"
num_fewshot: 2
generation_kwargs:
  until: "\n"
metric_list:
  - metric: acc
  - metric: acc_norm
)";

std::string ErrorOf(const std::string& yaml) {
  auto r = ParseTaskYaml(yaml, "t.yaml");
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

TEST(TaskSpec, ParsesFieldsAndHashesTheBytes) {
  auto r = ParseTaskYaml(kGood, "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const TaskSpec& s = r->task;
  EXPECT_EQ(s.name, "tiny");
  EXPECT_EQ(s.output_type, OutputType::kMultipleChoice);
  EXPECT_EQ(s.doc_to_choice_list, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(s.num_fewshot, 2);
  EXPECT_EQ(s.gen.until, (std::vector<std::string>{"\n"}));
  ASSERT_EQ(s.metrics.size(), 2u);
  EXPECT_EQ(s.metrics[1].metric, "acc_norm");
  EXPECT_EQ(s.spec_sha256.size(), 64u);
  EXPECT_EQ(s.field_lines.at("num_fewshot"), 7);
}

TEST(TaskSpec, BadValueNamesFileLineAndField) {
  std::string yaml = kGood;
  yaml.replace(yaml.find("num_fewshot: 2"), 14, "num_fewshot: five");
  std::string e = ErrorOf(yaml);
  EXPECT_NE(e.find("t.yaml:7: num_fewshot"), std::string::npos) << e;
  EXPECT_NE(e.find("'five'"), std::string::npos) << e;
}

TEST(TaskSpec, UnknownFieldIsRefusedWithItsLine) {
  std::string e = ErrorOf(std::string(kGood) + "doc_to_txt: oops\n");
  EXPECT_NE(e.find("t.yaml:13: doc_to_txt: unknown field"), std::string::npos) << e;
}

TEST(TaskSpec, SyntaxErrorNamesTheLine) {
  std::string e = ErrorOf("task: x\ndataset_path: [unclosed\n");
  EXPECT_NE(e.find("t.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("YAML syntax"), std::string::npos) << e;
}

TEST(TaskSpec, NestedFieldErrorsNameTheNestedLine) {
  std::string yaml = std::string(kGood) + "filter_list:\n  - name: x\n    filter:\n      - function: frobnicate\n";
  std::string e = ErrorOf(yaml);
  EXPECT_NE(e.find("t.yaml:16: filter_list.filter.function"), std::string::npos) << e;
  std::string metric = kGood;
  metric.replace(metric.find("metric: acc_norm"), 16, "metric: accuracy");
  e = ErrorOf(metric);
  EXPECT_NE(e.find("t.yaml:12: metric_list.metric: unknown metric 'accuracy'"), std::string::npos) << e;
}

TEST(TaskSpec, MissingRequiredFieldsAndPythonHooks) {
  EXPECT_NE(ErrorOf("task: x\ndoc_to_text: q\n").find("dataset_path: required"), std::string::npos);
  std::string mc = "task: x\ndataset_path: d.jsonl\ndoc_to_text: q\ndoc_to_target: a\noutput_type: multiple_choice\n";
  EXPECT_NE(ErrorOf(mc).find("doc_to_choice"), std::string::npos);
  EXPECT_NE(ErrorOf(mc + "doc_to_choice: c\nprocess_docs: !function utils.process\n").find("t.yaml:7: process_docs"),
            std::string::npos);
  EXPECT_NE(ErrorOf("task: x\ndataset_path: d\ndoc_to_text: q\noutput_type: essay\n").find("t.yaml:4: output_type"),
            std::string::npos);
}

TEST(TaskSpec, IncludeMergesABaseFileAndChainsTheHash) {
  testing::ScratchDir dir;
  dir.Write("_base.yaml", "dataset_path: base.jsonl\ndoc_to_text: \"{{q}}\"\ndoc_to_target: \"{{a}}\"\nnum_fewshot: 3\n");
  std::string path = dir.Write("child.yaml", "include: _base.yaml\ntask: child\nnum_fewshot: 1\n");
  auto r = LoadTaskFile(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->task.dataset_path, "base.jsonl");
  EXPECT_EQ(r->task.num_fewshot, 1);
  dir.Write("_base.yaml", "dataset_path: other.jsonl\ndoc_to_text: \"{{q}}\"\ndoc_to_target: \"{{a}}\"\n");
  auto again = LoadTaskFile(path);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->task.spec_sha256, r->task.spec_sha256);
}

TEST(TaskRegistry, ResolvesGroupsAndRejectsCyclesAndUnknownNames) {
  TaskRegistry reg;
  for (const char* name : {"a", "b"}) {
    auto t = ParseTaskYaml(std::string("task: ") + name + "\ndataset_path: d\ndoc_to_text: q\n", name);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_TRUE(reg.Add(*t).ok());
  }
  auto g = ParseTaskYaml("group: g\ntask: [a, b]\n", "g.yaml");
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(reg.Add(*g).ok());
  auto outer = ParseTaskYaml("group: outer\ntask: [g, a]\n", "outer.yaml");
  ASSERT_TRUE(reg.Add(*outer).ok());
  std::vector<TaskSpec> tasks;
  std::vector<GroupSpec> groups;
  ASSERT_TRUE(reg.Resolve({"outer"}, &tasks, &groups).ok());
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].name, "a");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "g");
  EXPECT_EQ(reg.Resolve({"nope"}, &tasks, &groups).code(), StatusCode::kNotFound);
  EXPECT_FALSE(reg.Add(*g).ok());  // duplicate name
  TaskRegistry cyclic;
  ASSERT_TRUE(cyclic.Add(*ParseTaskYaml("group: x\ntask: [y]\n", "x.yaml")).ok());
  ASSERT_TRUE(cyclic.Add(*ParseTaskYaml("group: y\ntask: [x]\n", "y.yaml")).ok());
  EXPECT_NE(cyclic.Resolve({"x"}, &tasks, &groups).message().find("contains itself"), std::string::npos);
}

TEST(TaskSpec, HostileYamlFailsCleanly) {
  // Deep nesting must not exhaust the stack.
  std::string deep = "task: " + std::string(100000, '[') + "\n";
  EXPECT_FALSE(ParseTaskYaml(deep, "deep.yaml").ok());
  // Aliases of aliases are not expanded into a huge list.
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ntask: t\ndataset_path: d\ndoc_to_text: q\n";
  EXPECT_FALSE(ParseTaskYaml(bomb, "bomb.yaml").ok());
  std::string choice_bomb = "metadata: &a [p, q]\ntask: t\ndataset_path: d\ndoc_to_text: q\ndoc_to_choice: [*a, *a]\n";
  std::string e = ErrorOf(choice_bomb);
  EXPECT_NE(e.find("doc_to_choice"), std::string::npos) << e;
  EXPECT_FALSE(ParseTaskYaml("", "empty.yaml").ok());
  EXPECT_FALSE(ParseTaskYaml("- a\n- b\n", "list.yaml").ok());
  EXPECT_FALSE(ParseTaskYaml(std::string("task: \xff\xfe\x00x\n", 12), "bytes.yaml").ok());
}

}  // namespace
}  // namespace dokja::bench
