#include "cli/cli_common.h"

#include <cstdio>

#include "base/port/file.h"

namespace dokja::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kCorrupt:
    case StatusCode::kUnsupported: return kExitBadInput;
    case StatusCode::kNotFound:
    case StatusCode::kIOError: return kExitNotFound;
    case StatusCode::kUnavailable: return kExitUnavailable;
    case StatusCode::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

int ReportError(const std::string& command, const Status& status) {
  std::fprintf(stderr, "dokja %s: error: %s\n", command.c_str(), status.ToString().c_str());
  return ExitCodeFor(status);
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
  return buf;
}

std::string HumanCount(uint64_t n) {
  const char* units[] = {"", "K", "M", "B", "T"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.2f%s", v, units[u]);
  return buf;
}

ProgressBar::ProgressBar(std::string label, uint64_t total)
    : label_(std::move(label)),
      total_(total),
      enabled_(port::IsTerminal(1) && port::IsTerminal(2)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Advance(uint64_t n) {
  done_ += n;
  Draw(false);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  done_ = total_;
  Draw(true);
  std::fputc('\n', stderr);
}

void ProgressBar::Draw(bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double frac = total_ == 0 ? 1.0 : static_cast<double>(done_) / static_cast<double>(total_);
  const int width = 30;
  const int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(width, '.');
  const double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done_, total_)) / rate : 0;
  std::fprintf(stderr, "\r%s [%s] %5.1f%%  %s/s  ETA %.0fs   ", label_.c_str(), bar.c_str(),
               frac * 100, HumanBytes(static_cast<uint64_t>(rate)).c_str(), eta);
  std::fflush(stderr);
}

}  // namespace dokja::cli
