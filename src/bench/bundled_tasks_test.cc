// Every bundled task in tasks/ loads and builds requests from its sample in
// tests/testdata/bench (the same field format as the publisher's data).
#include <gtest/gtest.h>

#include "bench/bench_test_util.h"
#include "bench/task.h"

namespace dokja::bench {
namespace {

using testing::SourcePath;

TEST(BundledTasks, EveryTaskBuildsRequestsFromItsSample) {
  auto registry = TaskRegistry::Load(SourcePath("tasks"));
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  EXPECT_GE(registry->tasks().size(), 20u);
  TaskOptions options;
  options.data_dir = SourcePath("tests/testdata/bench");
  for (const auto& [name, spec] : registry->tasks()) {
    SCOPED_TRACE(name);
    auto task = LoadTask(spec, options);
    ASSERT_TRUE(task.ok()) << task.status().ToString();
    EXPECT_GE(task->n_docs(), 1);
    EXPECT_EQ(task->manifest().dataset_sha256.size(), 64u);
    auto req = BuildRequests(*task);
    ASSERT_TRUE(req.ok()) << req.status().ToString();
    ASSERT_EQ(req->instances.size(), static_cast<size_t>(task->n_docs()));
    for (const Request& r : req->requests) EXPECT_EQ(r.kind, RequestKindFor(spec.output_type));
    for (const Instance& inst : req->instances) {
      EXPECT_FALSE(inst.prompt.empty());
      const size_t expected = spec.output_type == OutputType::kMultipleChoice ? 2 : 1;
      EXPECT_GE(inst.n_requests, expected);
    }
  }
}

TEST(BundledTasks, TemplatesRenderThePublishersFields) {
  auto registry = TaskRegistry::Load(SourcePath("tasks"));
  ASSERT_TRUE(registry.ok());
  TaskOptions options;
  options.data_dir = SourcePath("tests/testdata/bench");
  options.num_fewshot = 0;
  auto first_prompt = [&](const std::string& name) -> std::pair<std::string, std::vector<Request>> {
    auto task = LoadTask(registry->tasks().at(name), options);
    EXPECT_TRUE(task.ok()) << task.status().ToString();
    auto req = BuildRequests(*task);
    EXPECT_TRUE(req.ok()) << req.status().ToString();
    return {req->instances.at(0).prompt, req->requests};
  };
  auto [kmmlu, kmmlu_req] = first_prompt("kmmlu");
  EXPECT_EQ(kmmlu, "재무상태표에서 자산에 속하는 항목은?\nA. 미지급금\nB. 매출채권\nC. 자본금\nD. 이익잉여금\n정답：");
  ASSERT_EQ(kmmlu_req.size(), 12u);  // 3 docs x 4 choices
  auto [arc, arc_req] = first_prompt("arc_easy");
  EXPECT_EQ(arc_req[0].continuation, " the Sun");
  auto [gpqa, gpqa_req] = first_prompt("gpqa");
  EXPECT_EQ(gpqa_req[0].continuation, " 1/2");
  auto [ifeval, ifeval_req] = first_prompt("ko_ifeval");
  ASSERT_EQ(ifeval_req[0].messages.size(), 1u);
  EXPECT_EQ(ifeval_req[0].kind, RequestKind::kGenerate);
  auto [copa, copa_req] = first_prompt("kobest_copa");
  EXPECT_EQ(copa, "길이 미끄러웠다 그래서");
  auto [pro, pro_req] = first_prompt("kmmlu_pro");
  EXPECT_EQ(pro_req.size(), 9u);  // 5 + 4 options
  EXPECT_EQ(pro, "민법상 성년의 나이는?\nA. 17세\nB. 18세\nC. 19세\nD. 20세\nE. 21세\n정답：");
  auto [click, click_req] = first_prompt("click");
  EXPECT_EQ(click, "질문: 설날에 먹는 대표 음식은?\nA. 떡국\nB. 송편\nC. 팥죽\nD. 오곡밥\n정답：");
  auto [mmlu_pro, mmlu_pro_req] = first_prompt("mmlu_pro");
  EXPECT_NE(mmlu_pro.find("Options:\nA. Lung\nB. Heart\n"), std::string::npos) << mmlu_pro;
  auto [hella, hella_req] = first_prompt("hellaswag");
  EXPECT_EQ(hella_req.at(0).continuation, " whisks them with a fork.");
}

TEST(BundledTasks, KobestGroupHasItsFiveTasks) {
  auto registry = TaskRegistry::Load(SourcePath("tasks"));
  ASSERT_TRUE(registry.ok());
  std::vector<TaskSpec> tasks;
  std::vector<GroupSpec> groups;
  ASSERT_TRUE(registry->Resolve({"kobest"}, &tasks, &groups).ok());
  EXPECT_EQ(tasks.size(), 5u);
  ASSERT_EQ(groups.size(), 1u);
}

}  // namespace
}  // namespace dokja::bench
