#include "serve/internal/metrics.h"

#include <cstdio>

namespace dokja::serve {
namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

Metrics::Metrics(std::function<int64_t()> queued, std::function<int64_t()> running)
    : queued_(std::move(queued)), running_(std::move(running)) {}

const std::vector<double>& Metrics::LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                               1,     2.5,  5,     10,   30,  60,  120};
  return kBuckets;
}

void Metrics::RecordRequest(const std::string& endpoint, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{endpoint, status}];
  Histogram& h = latency_[endpoint];
  const auto& bounds = LatencyBuckets();
  if (h.counts.empty()) h.counts.assign(bounds.size(), 0);
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (seconds <= bounds[i]) {
      ++h.counts[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddPromptTokens(int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  prompt_tokens_ += static_cast<uint64_t>(n);
}

void Metrics::AddGeneratedTokens(int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  generated_tokens_ += static_cast<uint64_t>(n);
}

void Metrics::RecordRejected() {
  std::lock_guard<std::mutex> lock(mu_);
  ++rejected_;
}

namespace {
// One unlabelled sample with its HELP and TYPE lines.
void AppendScalar(std::string* out, const char* name, const char* type, const char* help,
                  int64_t value) {
  *out += std::string("# HELP ") + name + " " + help + "\n";
  *out += std::string("# TYPE ") + name + " " + type + "\n";
  *out += std::string(name) + " " + std::to_string(value) + "\n";
}
}  // namespace

std::string Metrics::Render() const {
  const int64_t queued = queued_ ? queued_() : 0, running = running_ ? running_() : 0;
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP dokja_requests_total HTTP requests by endpoint and status.\n";
  out += "# TYPE dokja_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "dokja_requests_total{endpoint=\"" + key.first + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  AppendScalar(&out, "dokja_prompt_tokens_total", "counter", "Prompt tokens processed.",
               static_cast<int64_t>(prompt_tokens_));
  AppendScalar(&out, "dokja_generation_tokens_total", "counter", "Tokens generated.",
               static_cast<int64_t>(generated_tokens_));
  AppendScalar(&out, "dokja_rejected_requests_total", "counter",
               "Requests refused with 429 because the queue was full.", static_cast<int64_t>(rejected_));
  AppendScalar(&out, "dokja_queue_depth", "gauge", "Requests waiting for an engine session.",
               queued);
  AppendScalar(&out, "dokja_requests_running", "gauge", "Requests running on an engine session.",
               running);
  out += "# HELP dokja_request_duration_seconds Time from routing to the last byte sent.\n";
  out += "# TYPE dokja_request_duration_seconds histogram\n";
  const auto& bounds = LatencyBuckets();
  for (const auto& [endpoint, h] : latency_) {
    const std::string label = "endpoint=\"" + endpoint + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds.size(); ++i) {
      cumulative += h.counts[i];
      out += "dokja_request_duration_seconds_bucket{" + label + ",le=\"" + Num(bounds[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "dokja_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "dokja_request_duration_seconds_sum{" + label + "} " + Num(h.sum) + "\n";
    out += "dokja_request_duration_seconds_count{" + label + "} " + std::to_string(h.count) + "\n";
  }
  return out;
}

}  // namespace dokja::serve
