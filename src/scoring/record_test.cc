#include "scoring/record.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/sha256.h"
#include "scoring/internal/test_stage.h"
#include "scoring/report.h"

namespace dokja::scoring {
namespace {

using json = nlohmann::json;
using testing::TestStage;

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

void WriteLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

// Re-hashes a whole chain as docs/stage.md describes it: what a forger who
// rewrites every entry would do.
void Rechain(std::vector<std::string>& lines) {
  std::string prev(64, '0');
  for (auto& l : lines) {
    json e = json::parse(l);
    e["prev"] = prev;
    const json hashed = {{"body", e["body"]}, {"prev", e["prev"]}, {"seq", e["seq"]}, {"type", e["type"]}};
    e["hash"] = Sha256Hex(hashed.dump());
    if (e["type"] == "seal") e["body"]["head"] = prev;
    if (e["type"] == "seal") e["hash"] = Sha256Hex(json({{"body", e["body"]}, {"prev", e["prev"]},
                                                        {"seq", e["seq"]}, {"type", e["type"]}}).dump());
    prev = e["hash"];
    l = e.dump();
  }
}

class RecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string config_path = stage_.Write(::testing::UnitTest::GetInstance()->current_test_info()->name());
    auto config = LoadStageConfig(config_path);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto inputs = LoadStageInputs(*config);
    ASSERT_TRUE(inputs.ok()) << inputs.status().ToString();
    inputs_ = *inputs;
    auto outcome = DecideStage(*config, inputs_);
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    outcome_ = *outcome;
    auto written = WriteStageOutputs(inputs_, outcome_, stage_.dir + "/out");
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    record_ = written->record;
    head_ = written->record_summary.head;
  }

  Status Verify(const std::string& head = "") {
    auto r = VerifyRecord(record_, head);
    return r.ok() ? Status::OK() : r.status();
  }

  TestStage stage_;
  StageInputs inputs_;
  StageOutcome outcome_;
  std::string record_, head_;
};

TEST_F(RecordTest, AFreshRecordVerifiesAndEndsInASeal) {
  auto r = VerifyRecord(record_, head_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // decision + 6 inputs (config, bench, roster, scores, users) + outcome + seal.
  EXPECT_EQ(r->n_entries, 1u + inputs_.files.size() + 2u);
  EXPECT_EQ(r->n_decisions, 1u);
  const auto lines = ReadLines(record_);
  EXPECT_EQ(json::parse(lines.back())["type"], "seal");
  EXPECT_EQ(json::parse(lines.back())["body"]["entries"], lines.size() - 1);
}

TEST_F(RecordTest, AnEditedEntryIsCaught) {
  auto lines = ReadLines(record_);
  const size_t outcome_line = lines.size() - 2;
  json e = json::parse(lines[outcome_line]);
  e["body"]["teams"][0]["total"] = 99.9;
  lines[outcome_line] = e.dump();
  WriteLines(record_, lines);
  const Status st = Verify();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(":" + std::to_string(outcome_line + 1) + ": hash does not match"), std::string::npos)
      << st.ToString();
}

TEST_F(RecordTest, AnEditWithItsOwnHashFixedBreaksTheNextLink) {
  auto lines = ReadLines(record_);
  json e = json::parse(lines[1]);
  e["body"]["sha256"] = std::string(64, 'a');
  e["hash"] = Sha256Hex(json({{"body", e["body"]}, {"prev", e["prev"]}, {"seq", e["seq"]}, {"type", e["type"]}}).dump());
  lines[1] = e.dump();
  WriteLines(record_, lines);
  const Status st = Verify();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(":3: prev hash does not match"), std::string::npos) << st.ToString();
}

TEST_F(RecordTest, DeletedAndReorderedEntriesAreCaught) {
  auto lines = ReadLines(record_);
  auto deleted = lines;
  deleted.erase(deleted.begin() + 2);
  WriteLines(record_, deleted);
  Status st = Verify();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(":3: sequence number 3, expected 2"), std::string::npos) << st.ToString();

  auto swapped = lines;
  std::swap(swapped[2], swapped[3]);
  WriteLines(record_, swapped);
  st = Verify();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(":3: sequence number"), std::string::npos) << st.ToString();
}

TEST_F(RecordTest, ACutTailIsCaught) {
  auto lines = ReadLines(record_);
  lines.pop_back();
  WriteLines(record_, lines);
  const Status st = Verify();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("does not end with a seal"), std::string::npos) << st.ToString();
  WriteLines(record_, {});
  EXPECT_FALSE(Verify().ok());
}

TEST_F(RecordTest, AppendingContinuesTheChainAndTheHeadCatchesARollback) {
  const auto first = ReadLines(record_);
  auto again = AppendDecision(record_, inputs_, outcome_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->n_decisions, 2u);
  EXPECT_EQ(again->n_entries, 2 * first.size());
  ASSERT_TRUE(Verify(again->head).ok());
  // Dropping the whole second decision leaves a valid, sealed record: only
  // the published head tells.
  WriteLines(record_, first);
  EXPECT_TRUE(Verify().ok());
  const Status st = Verify(again->head);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("differs from the published"), std::string::npos);
}

TEST_F(RecordTest, AForgedChainPassesVerifyButNotTheHeadOrRecompute) {
  auto lines = ReadLines(record_);
  const size_t outcome_line = lines.size() - 2;
  json e = json::parse(lines[outcome_line]);
  e["body"]["teams"][0]["total"] = 99.9;
  lines[outcome_line] = e.dump();
  Rechain(lines);
  WriteLines(record_, lines);
  ASSERT_TRUE(Verify().ok()) << Verify().ToString();
  EXPECT_FALSE(Verify(head_).ok());
  auto report = RecomputeRecord(record_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->decisions.size(), 1u);
  ASSERT_EQ(report->decisions[0].mismatches.size(), 1u);
  EXPECT_NE(report->decisions[0].mismatches[0].find("outcome.teams[0].total: recorded 99.9"), std::string::npos)
      << report->decisions[0].mismatches[0];
}

TEST_F(RecordTest, ForgedEntriesOfTheWrongShapeAreErrorsNotCrashes) {
  auto lines = ReadLines(record_);
  json seal = json::parse(lines.back());
  seal["body"]["entries"] = "many";
  lines.back() = seal.dump();
  Rechain(lines);
  WriteLines(record_, lines);
  Status st = Verify();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("seal does not cover"), std::string::npos) << st.ToString();

  lines = ReadLines(record_);
  lines.back() = json::parse(lines.back()).dump();
  json input = json::parse(lines[1]);
  input["body"]["role"] = 7;
  lines[1] = input.dump();
  seal = json::parse(lines.back());
  seal["body"]["entries"] = lines.size() - 1;
  lines.back() = seal.dump();
  Rechain(lines);
  WriteLines(record_, lines);
  ASSERT_TRUE(Verify().ok()) << Verify().ToString();
  auto report = RecomputeRecord(record_);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("wrong shape"), std::string::npos) << report.status().ToString();
}

TEST_F(RecordTest, RecomputeMatchesThenNamesAChangedInputFile) {
  auto ok = RecomputeRecord(record_);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->ok());
  ASSERT_EQ(ok->decisions.size(), 1u);
  EXPECT_TRUE(ok->decisions[0].mismatches.empty());

  std::ofstream(stage_.dir + "/scores.csv", std::ios::app) << "# a quiet edit\n";
  auto changed = RecomputeRecord(record_);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_FALSE(changed->ok());
  ASSERT_EQ(changed->decisions[0].changed_inputs.size(), 1u);
  const std::string& msg = changed->decisions[0].changed_inputs[0];
  EXPECT_NE(msg.find("expert_scores"), std::string::npos) << msg;
  EXPECT_NE(msg.find("scores.csv: changed since it was recorded"), std::string::npos) << msg;

  std::filesystem::remove(stage_.dir + "/users.csv");
  auto missing = RecomputeRecord(record_);
  ASSERT_TRUE(missing.ok());
  ASSERT_EQ(missing->decisions[0].changed_inputs.size(), 2u);
  EXPECT_NE(missing->decisions[0].changed_inputs[1].find("users.csv: missing"), std::string::npos);
}

}  // namespace
}  // namespace dokja::scoring
