// Task pipeline throughput on a KMMLU-sized synthetic set (35,030 test rows
// in 45 subject files, 5 dev rows each, 5-shot): time to load the rows,
// render every prompt and build the requests, and to score fake responses,
// against the baseline of reading and parsing the same CSV files alone.
//
//   ./build/bench/tasks [n_rows]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench/internal/dataset.h"
#include "bench/task.h"

namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void WriteCsv(const std::string& path, int rows, int offset) {
  std::ofstream out(path);
  out << "question,answer,A,B,C,D,Category,Human Accuracy\n";
  for (int i = 0; i < rows; ++i) {
    const int n = offset + i;
    out << "\"다음 중 회계 원칙 " << n << "번에 대한 설명으로 옳은 것은? 자산, 부채, 자본의 관계를 고려하시오.\","
        << (n % 4) + 1 << ",자산 " << n << ",부채 " << n << ",자본 " << n << ",수익 " << n << ",Accounting,0.5\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const int n_rows = argc > 1 ? std::atoi(argv[1]) : 35030;
  const int n_subjects = 45;
  fs::path dir = fs::temp_directory_path() / "dokja_tasks_bench";
  fs::remove_all(dir);
  fs::create_directories(dir / "data");
  for (int s = 0; s < n_subjects; ++s) {
    const int rows = n_rows / n_subjects + (s < n_rows % n_subjects ? 1 : 0);
    WriteCsv((dir / "data" / ("S" + std::to_string(s) + "-test.csv")).string(), rows, s * 100000);
    WriteCsv((dir / "data" / ("S" + std::to_string(s) + "-dev.csv")).string(), 5, s * 100000 + 90000);
  }
  const std::string yaml =
      "task: synth\ndataset_path: data/*-{split}.csv\nfewshot_split: dev\noutput_type: multiple_choice\n"
      "doc_to_text: \"{{question.strip()}}\\nA. {{A}}\\nB. {{B}}\\nC. {{C}}\\nD. {{D}}\\n정답：\"\n"
      "doc_to_choice: [\"A\", \"B\", \"C\", \"D\"]\ndoc_to_target: \"{{['A', 'B', 'C', 'D'][answer-1]}}\"\n"
      "num_fewshot: 5\n";
  auto spec = dokja::bench::ParseTaskYaml(yaml, (dir / "synth.yaml").string());
  if (!spec.ok()) return std::fprintf(stderr, "%s\n", spec.status().ToString().c_str()), 1;

  auto t0 = Clock::now();
  auto raw = dokja::bench::internal::LoadDataset((dir / "data" / "*-test.csv").string());
  const double parse_s = Since(t0);
  if (!raw.ok()) return std::fprintf(stderr, "%s\n", raw.status().ToString().c_str()), 1;

  t0 = Clock::now();
  auto task = dokja::bench::LoadTask(spec->task, {});
  if (!task.ok()) return std::fprintf(stderr, "%s\n", task.status().ToString().c_str()), 1;
  auto requests = dokja::bench::BuildRequests(*task);
  const double build_s = Since(t0);
  if (!requests.ok()) return std::fprintf(stderr, "%s\n", requests.status().ToString().c_str()), 1;

  std::vector<dokja::bench::Response> responses(requests->requests.size());
  for (size_t i = 0; i < responses.size(); ++i) responses[i].logprob = -static_cast<double>((i * 7919) % 13);
  t0 = Clock::now();
  std::vector<dokja::bench::SampleRecord> samples;
  auto result = dokja::bench::ScoreTask(*task, *requests, responses, &samples);
  const double score_s = Since(t0);
  if (!result.ok()) return std::fprintf(stderr, "%s\n", result.status().ToString().c_str()), 1;

  std::printf("rows %d, requests %zu, prompt bytes (first) %zu\n", n_rows, requests->requests.size(),
              requests->requests[0].context.size());
  std::printf("baseline: read + parse CSV      %8.3f s\n", parse_s);
  std::printf("load + build requests (5-shot)  %8.3f s  (%.1fx baseline, %.0f docs/s)\n", build_s,
              build_s / parse_s, n_rows / build_s);
  std::printf("score + sample records          %8.3f s  (%.1fx baseline, %.0f docs/s)\n", score_s,
              score_s / parse_s, n_rows / score_s);
  std::printf("acc %.4f\n", result->metrics[0].value);
  fs::remove_all(dir);
  return 0;
}
