// bench/read_throughput: how close the tensor read interface gets to the disk
// (page cache) speed that `cat FILE > /dev/null` achieves on the same file.
//
// Generates a bf16 safetensors file of --gib GiB (default 4) in --dir, then
// times in the same run:
//   baseline  cat FILE > /dev/null
//   dokja     open via OpenTensorFile, stream every tensor as f32 through
//             TensorFile::StreamF32 and sum every value (a checksum that
//             forces every byte to be converted and used)
// twice: cold (the file's pages dropped from the page cache with
// posix_fadvise before every timed read, so both sides read the disk: the
// "disk speed" the target is about) and warm (both from the page cache; note
// that GNU cat then splices to /dev/null without copying a byte, while dokja
// must copy, convert and add every value). Prints GB/s and the ratios (target
// >= 0.90, cold). Each timing is the best of --repeat runs. The file is
// removed unless --keep.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base/simd.h"
#include "bench_util.h"
#include "io/env.h"
#include "tensorfile/safetensors/safetensors_writer.h"
#include "tensorfile/tensor_file.h"

namespace {

using dokja::bench::Clock;
using dokja::bench::DropCache;
using dokja::bench::FillBf16;
using dokja::bench::Seconds;

struct Args {
  double gib = 4;
  std::string dir = "/tmp";
  int repeat = 3;
  int threads = 0;  // 0: one per core
  bool keep = false;
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  if (const char* t = std::getenv("TMPDIR")) a.dir = t;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (s == "--gib") a.gib = std::atof(next().c_str());
    else if (s == "--dir") a.dir = next();
    else if (s == "--repeat") a.repeat = std::max(1, std::atoi(next().c_str()));
    else if (s == "--threads") a.threads = std::atoi(next().c_str());
    else if (s == "--keep") a.keep = true;
    else {
      std::fprintf(stderr,
                   "usage: read_throughput [--gib G] [--dir D] [--repeat N] [--threads T] [--keep]\n");
      std::exit(2);
    }
  }
  if (a.threads <= 0) a.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return a;
}

dokja::Status Generate(const std::string& path, double gib) {
  constexpr uint64_t kRows = 4096, kCols = 11008;  // a 7B MLP matrix, 86 MiB in bf16
  const uint64_t tensor_bytes = kRows * kCols * 2;
  const uint64_t n = std::max<uint64_t>(1, static_cast<uint64_t>(gib * (1ull << 30) / tensor_bytes + 0.999));
  std::vector<dokja::TensorToWrite> tensors;
  for (uint64_t i = 0; i < n; ++i) {
    dokja::TensorToWrite t;
    t.name = "model.layers." + std::to_string(i) + ".mlp.up_proj.weight";
    t.dtype = dokja::DType::kBF16;
    t.shape = {kRows, kCols};
    t.fill = [i](uint64_t off, std::span<std::byte> dst) { return FillBf16(i + 1, off, dst); };
    tensors.push_back(std::move(t));
  }
  return dokja::WriteSafetensorsFile(path, tensors, {{"format", "pt"}});
}

DOKJA_VECTOR_CLONES double SumF32(const float* v, uint64_t n) {
  float lanes[16] = {};
  uint64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    for (int l = 0; l < 16; ++l) lanes[l] += v[j + l];
  }
  double s = 0;
  for (; j < n; ++j) s += v[j];
  for (float l : lanes) s += l;
  return s;
}

double TimeCat(const std::string& path) { return dokja::bench::TimeCat("'" + path + "'"); }

// Streams every tensor as f32 across `threads` workers; returns seconds and the checksum.
double TimeDokja(const std::string& path, int threads, double* checksum) {
  auto t0 = Clock::now();
  auto file = dokja::OpenTensorFile(dokja::io::Env::Default(), path);
  if (!file.ok()) {
    std::fprintf(stderr, "read_throughput: %s\n", file.status().ToString().c_str());
    std::exit(1);
  }
  const auto& tensors = (*file)->tensors();
  std::atomic<size_t> next{0};
  std::vector<double> sums(static_cast<size_t>(threads), 0.0);
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&, w] {
      double sum = 0;
      for (size_t i; (i = next.fetch_add(1)) < tensors.size();) {
        dokja::Status s = (*file)->StreamF32(tensors[i], [&](const float* v, uint64_t, uint64_t n) {
          sum += SumF32(v, n);
          return dokja::Status::OK();
        });
        if (!s.ok()) {
          std::fprintf(stderr, "read_throughput: %s\n", s.ToString().c_str());
          std::exit(1);
        }
      }
      sums[static_cast<size_t>(w)] = sum;
    });
  }
  for (auto& t : workers) t.join();
  *checksum = 0;
  for (double s : sums) *checksum += s;
  return Seconds(t0, Clock::now());
}

}  // namespace

int main(int argc, char** argv) {
  Args args = ParseArgs(argc, argv);
  const std::string path = args.dir + "/dokja_read_throughput.safetensors";
  std::printf("generating %.2f GiB of bf16 in %s ...\n", args.gib, path.c_str());
  auto g0 = Clock::now();
  if (dokja::Status s = Generate(path, args.gib); !s.ok()) {
    std::fprintf(stderr, "read_throughput: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("generated in %.1f s\n", Seconds(g0, Clock::now()));
  double gb = 0;
  {
    auto f = dokja::io::Env::Default().OpenFile(path);
    if (!f.ok()) {
      std::fprintf(stderr, "read_throughput: %s\n", f.status().ToString().c_str());
      return 1;
    }
    gb = static_cast<double>((*f)->size()) / 1e9;
  }

  std::printf("file            %.2f GB, %s\n", gb, path.c_str());
  double first_checksum = 0;
  bool have_checksum = false;
  double cold_ratio = 0;
  for (bool cold : {true, false}) {
    if (!cold) TimeCat(path);  // warm the page cache
    double cat_best = 1e30, dokja_best = 1e30, checksum = 0;
    for (int r = 0; r < args.repeat; ++r) {
      if (cold) DropCache(path);
      cat_best = std::min(cat_best, TimeCat(path));
      if (cold) DropCache(path);
      dokja_best = std::min(dokja_best, TimeDokja(path, args.threads, &checksum));
      if (!have_checksum) first_checksum = checksum, have_checksum = true;
      if (checksum != first_checksum) {
        std::fprintf(stderr, "read_throughput: checksum changed between runs\n");
        return 1;
      }
    }
    const char* label = cold ? "cold" : "warm";
    std::printf("[%s] cat > /dev/null %6.2f GB/s   dokja StreamF32 %6.2f GB/s (%d threads)   "
                "ratio %.2f\n",
                label, gb / cat_best, gb / dokja_best, args.threads, cat_best / dokja_best);
    if (cold) cold_ratio = cat_best / dokja_best;
  }
  std::printf("checksum %.9g (best of %d runs each)\n", first_checksum, args.repeat);
  std::printf("ratio dokja/cat, cold cache: %.2f   (target >= 0.90)\n", cold_ratio);
  if (!args.keep) std::remove(path.c_str());
  return 0;
}
