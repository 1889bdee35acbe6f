#!/usr/bin/env bash
# The test command (README and CI): install and build (warnings as errors),
# run every test; then rebuild with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer with the libFuzzer harnesses, and run the tests
# and each fuzzer (bounded, DOKJA_FUZZ_SECONDS each) there too; then the
# benchmark runner's tests under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/setup.sh
# The store suite's PostgreSQL cases need a server: with_postgres.sh starts a
# throwaway one for each ctest run and stops it afterwards.
bash scripts/with_postgres.sh ctest --test-dir build --output-on-failure -j"$jobs"

if [ "${DOKJA_SKIP_SANITIZE:-0}" != "1" ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DDOKJA_BUILD_FUZZERS=ON -DDOKJA_BUILD_BENCH=OFF -DDOKJA_WERROR=ON \
    -DDOKJA_FUZZ_SECONDS="${DOKJA_FUZZ_SECONDS:-30}"
  cmake --build build-asan -j"$jobs"
  bash scripts/with_postgres.sh ctest --test-dir build-asan --output-on-failure -j"$jobs"
fi

# The benchmark runner's request path is lock-free (atomics, per-worker
# outboxes, an idle-connection slot array; docs/bench_runner.md): its tests,
# the kill -9 resume test among them, run under ThreadSanitizer, any report
# failing the run (scripts/tsan.supp: reports inside Debian's uninstrumented
# cpp-httplib).
if [ "${DOKJA_SKIP_TSAN:-0}" != "1" ]; then
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS=-fsanitize=thread -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
    -DDOKJA_BUILD_BENCH=OFF -DDOKJA_WERROR=ON
  cmake --build build-tsan -j"$jobs" --target bench_runner_test runner_resume_helper
  TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/scripts/tsan.supp" build-tsan/src/bench/bench_runner_test
fi
