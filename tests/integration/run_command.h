// Test helper: runs a shell command and captures its output and exit code.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace dokja::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
};

// Runs `cmd` through the shell; `merge_stderr` folds stderr into `out`,
// otherwise stderr is discarded.
inline RunResult RunCommand(const std::string& cmd, bool merge_stderr = true) {
  RunResult r;
  FILE* p = popen((cmd + (merge_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace dokja::testing
