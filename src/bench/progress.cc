#include "bench/progress.h"

#include <cstdio>

#include "base/port/file.h"

namespace dokja::bench {
namespace {

std::string Duration(double s) {
  if (!(s >= 0) || s > 360000) return "--:--";
  const int64_t total = static_cast<int64_t>(s + 0.5);
  char buf[32];
  if (total >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
                  static_cast<long long>(total / 60 % 60), static_cast<long long>(total % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(total / 60),
                  static_cast<long long>(total % 60));
  }
  return buf;
}

}  // namespace

Progress::Progress(std::string label, int64_t total, bool enabled, double plain_interval_s)
    : label_(std::move(label)), total_(total), enabled_(enabled),
      terminal_(port::IsTerminal(2)), interval_s_(plain_interval_s),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

std::string Progress::Line(const std::string& label, int64_t total, const ProgressCounts& c,
                           double elapsed_s, bool bar) {
  std::string line = label.empty() ? "" : label + " ";
  const double frac = total > 0 ? static_cast<double>(c.done) / static_cast<double>(total) : 1.0;
  if (bar) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    line += "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  }
  // Throughput and ETA count only requests sent: cache hits cost nothing.
  const double rate = elapsed_s > 0 ? static_cast<double>(c.sent) / elapsed_s : 0;
  const double eta = rate > 0 ? static_cast<double>(total - c.done) / rate : -1;
  char buf[192];
  std::snprintf(buf, sizeof buf, "%lld/%lld (%.0f%%) %.1f req/s, %lld cached, %lld retries, %s elapsed, ETA %s",
                static_cast<long long>(c.done), static_cast<long long>(total), frac * 100, rate,
                static_cast<long long>(c.cached), static_cast<long long>(c.retries),
                Duration(elapsed_s).c_str(), c.done == total ? "00:00" : Duration(eta).c_str());
  return line + buf;
}

void Progress::Draw(const ProgressCounts& counts, bool final_line) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  last_draw_ = now;
  const std::string line = Line(label_, total_, counts, elapsed, terminal_);
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void Progress::Update(const ProgressCounts& counts) {
  if (!enabled_) return;
  const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_draw_).count();
  if (since >= (terminal_ ? 0.1 : interval_s_)) Draw(counts, false);
}

void Progress::Finish(const ProgressCounts& counts) {
  if (enabled_) Draw(counts, true);
}

}  // namespace dokja::bench
