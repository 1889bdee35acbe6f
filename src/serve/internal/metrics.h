// Server counters rendered in the Prometheus text exposition format.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace dokja::serve {

class Metrics {
 public:
  // `queued` and `running` are read at render time (the worker pool's gauges).
  Metrics(std::function<int64_t()> queued, std::function<int64_t()> running);

  // One finished request: endpoint label (a known route or "other"), HTTP
  // status and seconds from routing to the last byte written.
  void RecordRequest(const std::string& endpoint, int status, double seconds);
  void AddPromptTokens(int64_t n);
  void AddGeneratedTokens(int64_t n);
  void RecordRejected();  // a 429 from a full queue

  // The exposition text (text/plain; version=0.0.4).
  std::string Render() const;

  // Upper bounds of the latency histogram buckets, in seconds.
  static const std::vector<double>& LatencyBuckets();

 private:
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };

  std::function<int64_t()> queued_, running_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // guarded by mu_
  std::map<std::string, Histogram> latency_;                  // guarded by mu_
  uint64_t prompt_tokens_ = 0;                                // guarded by mu_
  uint64_t generated_tokens_ = 0;                             // guarded by mu_
  uint64_t rejected_ = 0;                                     // guarded by mu_
};

}  // namespace dokja::serve
