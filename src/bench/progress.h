// Progress of a run on stderr: a bar redrawn in place with ETA and
// throughput when stderr is a terminal, else one plain line every
// `plain_interval_s` seconds (so logs of long runs show life).
//
// Thread-safety: one thread (the thread that called RunRequests) calls
// Update/Finish.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dokja::bench {

struct ProgressCounts {
  int64_t done = 0;     // answered, from any source
  int64_t cached = 0;   // of which from the cache
  int64_t sent = 0;     // of which from the backend
  int64_t retries = 0;
};

class Progress {
 public:
  // `enabled` false: prints nothing.
  Progress(std::string label, int64_t total, bool enabled, double plain_interval_s = 30);
  // Redraws at most every 0.1 s (terminal) or every plain_interval_s.
  void Update(const ProgressCounts& counts);
  // Draws the final state and ends the line.
  void Finish(const ProgressCounts& counts);

  // The line shown for `counts` after `elapsed_s` seconds. Exposed for tests.
  static std::string Line(const std::string& label, int64_t total, const ProgressCounts& counts,
                          double elapsed_s, bool bar);

 private:
  void Draw(const ProgressCounts& counts, bool final_line);
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool terminal_;
  double interval_s_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace dokja::bench
