// Shared pieces of the benchmark programs: deterministic synthetic weights,
// timing, cache control, peak memory.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "base/float_conv.h"
#include "base/port/file.h"
#include "base/status.h"

namespace dokja::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The q-quantile (0..1) of latencies, by the nearest lower rank; sorts `v`.
// 0 for no samples.
inline double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

// Deterministic bf16 values of a plausible weight distribution (xorshift).
inline Status FillBf16(uint64_t seed, uint64_t offset, std::span<std::byte> dst, float scale = 0.04f) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + offset + 1;
  for (size_t i = 0; i + 1 < dst.size(); i += 2) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    const float v = (static_cast<float>(state >> 40) / static_cast<float>(1 << 24) - 0.5f) * scale;
    const uint16_t h = F32ToBf16(v);
    std::memcpy(&dst[i], &h, 2);
  }
  return Status::OK();
}

// Drops a file's pages from the page cache (a cold read next time).
inline void DropCache(const std::string& path) {
  auto fd = port::OpenReadOnly(path);
  if (fd.ok()) port::AdviseDropCache(*fd);
}

// Seconds for `cat FILES > /dev/null`.
inline double TimeCat(const std::string& files) {
  const std::string cmd = "cat " + files + " > /dev/null";
  auto t0 = Clock::now();
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "bench: '%s' failed\n", cmd.c_str());
    std::exit(1);
  }
  return Seconds(t0, Clock::now());
}

// Peak resident set of this process (VmHWM), bytes.
inline uint64_t PeakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

}  // namespace dokja::bench
