// Filters, metrics (with hand-computed values), standard errors and the
// instruction checkers.
#include <cmath>

#include <gtest/gtest.h>

#include "bench/internal/filters.h"
#include "bench/internal/ifeval.h"
#include "bench/internal/metrics.h"

namespace dokja::bench::internal {
namespace {

FilterPipeline Pipe(std::vector<FilterStep> steps) {
  FilterPipeline p;
  p.name = "test";
  p.steps = std::move(steps);
  return p;
}

FilterStep Step(std::string fn, std::string pattern = "", int32_t group = 0) {
  FilterStep s;
  s.function = std::move(fn);
  s.regex_pattern = std::move(pattern);
  s.group_select = group;
  return s;
}

std::string Apply(const FilterPipeline& p, std::vector<std::string> answers) {
  auto f = CompiledFilter::Compile(p);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  auto r = f->Apply(std::move(answers));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "<error>";
}

TEST(Filters, StripReasoningKeepsOnlyTheAnswer) {
  EXPECT_EQ(StripReasoning("<think>답은 3</think>정답: 5", "<think>", "</think>"), "정답: 5");
  // The template opened <think>; only the close tag is generated.
  EXPECT_EQ(StripReasoning("생각 중... 3?</think> 5", "<think>", "</think>"), " 5");
  // Thinking never finished: no answer at all.
  EXPECT_EQ(StripReasoning("<think>3 아니면 5", "<think>", "</think>"), "");
  EXPECT_EQ(StripReasoning("그냥 답 7", "<think>", "</think>"), "그냥 답 7");
  EXPECT_EQ(StripReasoning("a◁/think▷b", "", "◁/think▷"), "b");
  EXPECT_EQ(StripReasoning("<think>x</think>y", "<think>", ""), "<think>x</think>y");
}

TEST(Filters, RegexTakesGroupOrFallback) {
  FilterPipeline p = Pipe({Step("regex", "#### (\\-?[0-9\\.\\,]+)"), Step("take_first")});
  EXPECT_EQ(Apply(p, {"so 4*6=24.\n#### 24"}), "24");
  EXPECT_EQ(Apply(p, {"no number here"}), "[invalid]");
  FilterPipeline last = Pipe({Step("regex", "(-?[$0-9.,]{2,})|(-?[0-9]+)", -1)});
  EXPECT_EQ(Apply(last, {"first 12 then 7"}), "7");  // second alternative's group
  FilterPipeline korean = Pipe({Step("regex", "정답\\s*[:：]\\s*([A-J])")});
  EXPECT_EQ(Apply(korean, {"풀이...\n정답： C"}), "C");
}

TEST(Filters, CaseAndWhitespaceSteps) {
  EXPECT_EQ(Apply(Pipe({Step("lowercase")}), {"ABC 가"}), "abc 가");
  EXPECT_EQ(Apply(Pipe({Step("uppercase")}), {"abc"}), "ABC");
  EXPECT_EQ(Apply(Pipe({Step("strip")}), {"\u3000 답 \n"}), "답");
  EXPECT_EQ(Apply(Pipe({Step("remove_whitespace")}), {"  x "}), "x ");
}

TEST(Filters, MajorityVoteOverRepeatsPrefersTheEarliestOnTies) {
  FilterPipeline p = Pipe({Step("regex", "([0-9]+)"), Step("majority_vote"), Step("take_first")});
  EXPECT_EQ(Apply(p, {"3", "5", "5", "3", "5"}), "5");
  EXPECT_EQ(Apply(p, {"7", "8", "8", "7"}), "7");
}

TEST(Filters, BadRegexIsAnErrorNamingThePipeline) {
  auto f = CompiledFilter::Compile(Pipe({Step("regex", "(unclosed")}));
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("filter 'test'"), std::string::npos);
}

TEST(Metrics, ExactMatchOptions) {
  MetricSpec m;
  m.metric = "exact_match";
  auto plain = ExactMatcher::Compile(m);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain->Score("Seoul", "Seoul"), 1.0);
  EXPECT_EQ(*plain->Score("seoul", "Seoul"), 0.0);
  m.ignore_case = true;
  m.ignore_punctuation = true;
  m.regexes_to_ignore = {",", "\\$", "(?s).*#### "};
  auto em = ExactMatcher::Compile(m);
  ASSERT_TRUE(em.ok());
  EXPECT_EQ(*em->Score("SEOUL!", "seoul"), 1.0);
  EXPECT_EQ(*em->Score("$1,500", "1,200 + 300 = 1,500.\n#### 1,500"), 1.0);
  EXPECT_EQ(*em->Score("1,501", "#### 1,500"), 0.0);
}

TEST(Metrics, TokenF1ByHand) {
  // pred {서울은, 수도이다}, ref {서울은, 한국의, 수도이다}: p = 1, r = 2/3, F1 = 0.8.
  EXPECT_NEAR(TokenF1("서울은 수도이다.", "서울은 한국의 수도이다"), 0.8, 1e-12);
  EXPECT_EQ(TokenF1("", ""), 1.0);
  EXPECT_EQ(TokenF1("x", ""), 0.0);
  EXPECT_EQ(TokenF1("a b", "c d"), 0.0);
}

TEST(Metrics, AggregationsByHand) {
  std::vector<MetricItem> items = {{1, 1}, {0, 1}, {1, 1}, {1, 1}};
  EXPECT_DOUBLE_EQ(Aggregate(Aggregation::kMean, items), 0.75);
  // sd (n-1) = sqrt(0.25) = 0.5; / sqrt(4) = 0.25.
  EXPECT_DOUBLE_EQ(MeanStderr(items), 0.25);
  std::vector<MetricItem> inst = {{2, 3}, {1, 1}};
  EXPECT_DOUBLE_EQ(Aggregate(Aggregation::kRatio, inst), 0.75);
  std::vector<MetricItem> ll = {{-4, 2}, {-2, 2}};
  EXPECT_DOUBLE_EQ(Aggregate(Aggregation::kPerplexity, ll), std::exp(1.5));
  EXPECT_DOUBLE_EQ(Aggregate(Aggregation::kBitsPerByte, ll), 1.5 / std::log(2.0));
  EXPECT_TRUE(std::isnan(MeanStderr(std::vector<MetricItem>{{1, 1}})));
  EXPECT_EQ(CodePoints("가나다"), 3);
  EXPECT_EQ(CountWords(" 서울은  수도 "), 2);
}

TEST(Metrics, BootstrapStderrOfAMeanMatchesTheAnalyticOne) {
  std::vector<MetricItem> items;
  for (int i = 0; i < 400; ++i) items.push_back({(i * 7) % 10 < 3 ? 1.0 : 0.0, 1});
  const double analytic = MeanStderr(items);
  const double boot = BootstrapStderr(Aggregation::kMean, items, 1000, 1234);
  EXPECT_NEAR(boot, analytic, 0.1 * analytic) << "analytic " << analytic << " bootstrap " << boot;
  // Seeded: the same seed gives the same value, another seed a different one.
  EXPECT_EQ(boot, BootstrapStderr(Aggregation::kMean, items, 1000, 1234));
  EXPECT_NE(boot, BootstrapStderr(Aggregation::kMean, items, 1000, 99));
}

// One instruction's kwargs as the one-element list the checkers expect.
// Spelled out: brace-initialised JSON lists of one object are read as a list
// by gcc and as the object itself by clang.
nlohmann::json Kw(nlohmann::json object) { return nlohmann::json::array({std::move(object)}); }

nlohmann::json Doc(std::vector<std::string> ids, nlohmann::json kwargs) {
  return {{"prompt", "p"}, {"instruction_id_list", ids}, {"kwargs", kwargs}};
}

bool Strict(const nlohmann::json& doc, const std::string& answer, size_t i = 0) {
  EXPECT_TRUE(ValidateInstructions(doc).ok()) << ValidateInstructions(doc).ToString();
  auto r = CheckInstructions(doc, answer);
  EXPECT_TRUE(r.ok());
  return r.ok() && r->strict.at(i);
}

TEST(Instructions, EachCheckerPassesAndFails) {
  auto words = Doc({"length_constraints:number_words"}, Kw(nlohmann::json::object({{"relation", "at least"}, {"num_words", 3}})));
  EXPECT_TRUE(Strict(words, "하나 둘 셋"));
  EXPECT_FALSE(Strict(words, "하나 둘"));
  auto sentences = Doc({"length_constraints:number_sentences"}, Kw(nlohmann::json::object({{"relation", "less than"}, {"num_sentences", 3}})));
  EXPECT_TRUE(Strict(sentences, "첫 문장. 둘째 문장!"));
  EXPECT_FALSE(Strict(sentences, "하나. 둘. 셋?"));
  auto keywords = Doc({"keywords:existence"}, Kw(nlohmann::json::object({{"keywords", {"한강", "Seoul"}}})));
  EXPECT_TRUE(Strict(keywords, "seoul에는 한강이 흐른다"));
  EXPECT_FALSE(Strict(keywords, "서울에는 강이 흐른다"));
  auto forbidden = Doc({"keywords:forbidden_words"}, Kw(nlohmann::json::object({{"forbidden_words", {"비"}}})));
  EXPECT_FALSE(Strict(forbidden, "비가 온다"));
  auto comma = Doc({"punctuation:no_comma"}, Kw(nlohmann::json::object()));
  EXPECT_TRUE(Strict(comma, "쉼표 없는 글"));
  EXPECT_FALSE(Strict(comma, "쉼표, 있는 글"));
  auto json = Doc({"detectable_format:json_format"}, Kw(nlohmann::json::object()));
  EXPECT_TRUE(Strict(json, "```json\n{\"과일\": \"사과\"}\n```"));
  EXPECT_FALSE(Strict(json, "{과일: 사과}"));
  auto end = Doc({"startend:end_checker"}, Kw(nlohmann::json::object({{"end_phrase", "감사합니다."}})));
  EXPECT_TRUE(Strict(end, "좋은 하루 되세요. 감사합니다. \n"));
  EXPECT_FALSE(Strict(end, "감사합니다. 안녕"));
  auto ko = Doc({"language:response_language"}, Kw(nlohmann::json::object({{"language", "ko"}})));
  EXPECT_TRUE(Strict(ko, "서울은 아름다운 도시입니다 2024"));
  EXPECT_FALSE(Strict(ko, "Seoul is a beautiful city 서울"));
  auto paragraphs = Doc({"length_constraints:number_paragraphs"}, Kw(nlohmann::json::object({{"num_paragraphs", 2}})));
  EXPECT_TRUE(Strict(paragraphs, "첫 단락\n***\n둘째 단락"));
  EXPECT_FALSE(Strict(paragraphs, "첫 단락\n***\n\n***\n셋째"));
  auto bullets = Doc({"detectable_format:number_bullet_lists"}, Kw(nlohmann::json::object({{"num_bullets", 2}})));
  EXPECT_TRUE(Strict(bullets, "* 하나\n* 둘"));
  auto quote = Doc({"startend:quotation"}, Kw(nlohmann::json::object()));
  EXPECT_TRUE(Strict(quote, "\"인용\""));
}

TEST(Instructions, LooseAcceptsMarkdownAndAFirstLineTheStrictCheckRejects) {
  auto end = Doc({"startend:end_checker"}, Kw(nlohmann::json::object({{"end_phrase", "끝."}})));
  auto r = CheckInstructions(end, "본문 끝.\n**추가 설명**");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->strict[0]);
  EXPECT_TRUE(r->loose[0]);
}

TEST(Instructions, RejectsUnknownIdsAndMissingKwargs) {
  EXPECT_FALSE(ValidateInstructions(Doc({"made:up"}, Kw(nlohmann::json::object()))).ok());
  Status s = ValidateInstructions(Doc({"length_constraints:number_words"}, Kw(nlohmann::json::object({{"relation", "at least"}}))));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("num_words"), std::string::npos);
  EXPECT_FALSE(ValidateInstructions(Doc({"punctuation:no_comma"}, nlohmann::json::array())).ok());
}

}  // namespace
}  // namespace dokja::bench::internal
