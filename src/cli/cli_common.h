// Shared pieces of the command-line edge: exit codes, error printing,
// human-readable numbers, a terminal progress bar.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace dokja::cli {

// Documented in docs/cli.md. Stable: scripts depend on them.
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,     // a bug of ours, or an unexpected failure
  kExitUsage = 2,        // bad command line
  kExitBadInput = 3,     // input file corrupt, malformed or unsupported
  kExitNotFound = 4,     // a named file, tensor or key does not exist; OS I/O error
  kExitUnavailable = 5,  // a server or resource did not answer
};

int ExitCodeFor(const Status& status);
// Prints "dokja <command>: error: <message>" to stderr and returns the exit code.
int ReportError(const std::string& command, const Status& status);

std::string HumanBytes(uint64_t bytes);  // "1.13 MiB"
std::string HumanCount(uint64_t n);      // "260.1K", "6.74B"

// A one-line progress bar on stderr, drawn only when stdout and stderr are
// terminals. Thread-compatible: call from one thread.
class ProgressBar {
 public:
  ProgressBar(std::string label, uint64_t total);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Advance(uint64_t n);
  void Finish();
  bool enabled() const { return enabled_; }

 private:
  void Draw(bool force);

  std::string label_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace dokja::cli
