// Test helper for runner_test's kill -9 case: runs q0..q{n-1} as generate
// requests through RunRequests with a cache, then writes one answer per
// line to OUT. Usage: runner_resume_helper BASE_URL CACHE N CONCURRENCY OUT
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "bench/openai_backend.h"
#include "bench/runner.h"

int main(int argc, char** argv) {
  using namespace dokja::bench;
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s BASE_URL CACHE N CONCURRENCY OUT\n", argv[0]);
    return 2;
  }
  OpenAIBackendOptions backend_options;
  backend_options.base_url = argv[1];
  auto backend = MakeOpenAIBackend(backend_options);
  if (!backend.ok()) {
    std::fprintf(stderr, "%s\n", backend.status().ToString().c_str());
    return 1;
  }
  std::vector<Request> requests(static_cast<size_t>(std::atoi(argv[3])));
  for (size_t i = 0; i < requests.size(); ++i) requests[i].context = "q" + std::to_string(i);
  RunnerOptions options;
  options.cache_path = argv[2];
  options.concurrency = std::atoi(argv[4]);
  options.progress = false;
  std::vector<Response> responses;
  RunStats stats;
  dokja::Status s = RunRequests(**backend, requests, options, &responses, &stats);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  std::ofstream out(argv[5]);
  for (const Response& r : responses) out << r.text << "\n";
  std::fprintf(stderr, "sent %lld, cached %lld\n", static_cast<long long>(stats.sent),
               static_cast<long long>(stats.cached));
  return out ? 0 : 1;
}
