#include "serve/internal/metrics.h"

#include <gtest/gtest.h>

namespace dokja::serve {
namespace {

TEST(Metrics, RendersCountersGaugesAndCumulativeHistogram) {
  Metrics m([] { return int64_t{3}; }, [] { return int64_t{1}; });
  m.RecordRequest("/v1/completions", 200, 0.02);
  m.RecordRequest("/v1/completions", 200, 3.0);
  m.RecordRequest("/v1/completions", 400, 0.001);
  m.AddPromptTokens(10);
  m.AddGeneratedTokens(4);
  const std::string text = m.Render();
  EXPECT_NE(text.find("dokja_requests_total{endpoint=\"/v1/completions\",status=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("dokja_requests_total{endpoint=\"/v1/completions\",status=\"400\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("dokja_prompt_tokens_total 10\n"), std::string::npos);
  EXPECT_NE(text.find("dokja_generation_tokens_total 4\n"), std::string::npos);
  EXPECT_NE(text.find("dokja_queue_depth 3\n"), std::string::npos);
  EXPECT_NE(text.find("dokja_requests_running 1\n"), std::string::npos);
  EXPECT_NE(text.find("dokja_request_duration_seconds_bucket{endpoint=\"/v1/completions\",le=\"0.025\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("dokja_request_duration_seconds_bucket{endpoint=\"/v1/completions\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("dokja_request_duration_seconds_count{endpoint=\"/v1/completions\"} 3\n"), std::string::npos);
}

}  // namespace
}  // namespace dokja::serve
