// Runs many Requests against a Backend: N concurrent workers that each take
// the next request in order (nothing is prepared up front), retries with
// exponential backoff and jitter on Unavailable, a per-request
// timeout, a durable SQLite cache keyed by SHA-256 of (backend identity,
// request), and progress with ETA and throughput on stderr.
//
// Resume: every answer is committed to the cache before it counts as done,
// so a run killed at any point (kill -9 included) and started again sends
// only the requests that were never answered, and returns each answer once.
//
// Thread-safety: one Run at a time per Runner.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/backend.h"
#include "base/status.h"

namespace dokja::bench {

struct RunnerOptions {
  int32_t concurrency = 8;          // requests in flight at once
  int32_t max_retries = 6;          // per request, on Unavailable
  double initial_backoff_s = 0.5;   // doubles each retry, with jitter, capped at 30 s
  double request_timeout_s = 600;   // per attempt
  std::string cache_path;           // SQLite file; empty: no cache (no resume)
  bool progress = true;             // progress bar on stderr when it is a terminal
  std::string label;                // shown in front of the progress bar
};

struct RunStats {
  int64_t total = 0;       // requests asked for
  int64_t cached = 0;      // answered from the cache without sending
  int64_t sent = 0;        // answered by the backend in this run
  int64_t deduplicated = 0;  // repeats of a request earlier in the same run
  int64_t retries = 0;     // attempts beyond the first
  double wall_s = 0;        // the whole call, the cache's opening and closing included
  // Of wall_s: from the last request's answer (every worker done) to the
  // return: the last answers inserted and committed, the cache closed. Its
  // commits wait for the disk (fsync), so this is where a slow or stalled
  // disk shows.
  double drain_s = 0;
};

// Answers requests[i] into (*responses)[i]. Stops at the first request that
// fails for good (after retries) and returns its Status with the request's
// index; answers already obtained stay in the cache.
Status RunRequests(Backend& backend, const std::vector<Request>& requests,
                   const RunnerOptions& options, std::vector<Response>* responses,
                   RunStats* stats = nullptr);

}  // namespace dokja::bench
