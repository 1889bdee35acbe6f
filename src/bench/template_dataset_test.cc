// DocTemplate over dataset rows, dataset parsing and choice-list parsing.
#include <gtest/gtest.h>

#include "bench/bench_test_util.h"
#include "bench/internal/dataset.h"
#include "bench/internal/doc_template.h"
#include "bench/internal/task_state.h"

namespace dokja::bench {
namespace {

using internal::DocTemplate;
using Json = nlohmann::json;

std::string Render(const std::string& tmpl, const Json& doc) {
  auto t = DocTemplate::Parse(tmpl);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  auto r = t->Render(doc);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "<error>";
}

TEST(DocTemplate, RendersFieldsMethodsAndIndexExpressions) {
  Json doc = {{"question", "  현금은?  "}, {"answer", 2}, {"A", "자산"}};
  EXPECT_EQ(Render("{{question.strip()}}\nA. {{A}}\n정답：", doc), "현금은?\nA. 자산\n정답：");
  EXPECT_EQ(Render("{{['A', 'B', 'C', 'D'][answer-1]}}", doc), "B");
  EXPECT_EQ(Render("{{answer - 1}}", doc), "1");
}

TEST(DocTemplate, LoopsOverChoicesAndReachesOddFieldNamesThroughDoc) {
  Json doc = {{"choices", {"사과", "배"}}, {"Correct Answer", " 정답 "}};
  EXPECT_EQ(Render("{% for c in choices %}{{'AB'[loop.index0]}}. {{c}}\n{% endfor %}끝", doc),
            "A. 사과\nB. 배\n끝");
  EXPECT_EQ(Render("{{doc['Correct Answer'].strip()}}", doc), "정답");
  EXPECT_EQ(Render("{{choices}}", doc), "['사과', '배']");
}

TEST(DocTemplate, KeepsTheTrailingNewlineAsLmEvalDoes) {
  EXPECT_EQ(Render("{{q}}\n", Json{{"q", "x"}}), "x\n");
}

TEST(DocTemplate, MissingFieldIsAnErrorNotAnEmptyString) {
  auto t = DocTemplate::Parse("Q: {{question}}");
  ASSERT_TRUE(t.ok());
  auto r = t->Render(Json{{"questoin", "typo"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'question' is undefined"), std::string::npos) << r.status().ToString();
}

TEST(Dataset, CsvInfersIntegerColumnsAndHandlesQuotes) {
  auto rows = internal::ParseDelimited("question,answer,A\n\"a, \"\"quoted\"\"\nline\",2,x\nb,1,\"\"\n", ',', "t.csv");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0]["question"], "a, \"quoted\"\nline");
  EXPECT_TRUE((*rows)[0]["answer"].is_number_integer());
  EXPECT_EQ((*rows)[0]["answer"], 2);
  EXPECT_EQ((*rows)[1]["A"], "");
}

TEST(Dataset, RejectsRaggedRowsWithTheirLine) {
  auto rows = internal::ParseDelimited("a,b\n1,2\n3\n", ',', "bad.csv");
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("bad.csv:3"), std::string::npos) << rows.status().ToString();
  auto open = internal::ParseDelimited("a\n\"never closed\n", ',', "q.csv");
  EXPECT_FALSE(open.ok());
}

TEST(Dataset, JsonlNamesTheBadLine) {
  auto rows = internal::ParseJsonl("{\"a\":1}\n\n{oops}\n", "d.jsonl");
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("d.jsonl:3"), std::string::npos);
  auto arr = internal::ParseJsonl("[1,2]\n", "d.jsonl");
  EXPECT_FALSE(arr.ok());
}

TEST(Dataset, StarPatternConcatenatesFilesInNameOrderAndHashesThem) {
  testing::ScratchDir dir;
  dir.Write("b-test.csv", "q,answer\nB,1\n");
  dir.Write("a-test.csv", "q,answer\nA,2\n");
  dir.Write("a-dev.csv", "q,answer\nD,3\n");
  auto data = internal::LoadDataset(dir.path() + "/*-test.csv");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_EQ(data->rows.size(), 2u);
  EXPECT_EQ(data->rows[0]["q"], "A");
  EXPECT_EQ(data->rows[1]["q"], "B");
  EXPECT_EQ(data->sha256.size(), 64u);
  auto missing = internal::LoadDataset(dir.path() + "/*-nope.csv");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(ChoiceList, ParsesPythonAndJsonLists) {
  auto py = ParseChoiceList("['가', \"it's\", 'a\\'b', 3]");
  ASSERT_TRUE(py.ok()) << py.status().ToString();
  EXPECT_EQ(*py, (std::vector<std::string>{"가", "it's", "a'b", "3"}));
  auto js = ParseChoiceList("[\"x\", \"y\"]");
  ASSERT_TRUE(js.ok());
  EXPECT_EQ(js->size(), 2u);
  EXPECT_FALSE(ParseChoiceList("not a list").ok());
  EXPECT_FALSE(ParseChoiceList("['open").ok());
}

}  // namespace
}  // namespace dokja::bench
