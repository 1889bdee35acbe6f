// Corpora read from files every Debian 12 machine has, a small SHA-256 for
// recording them, and one AdamW training loop shared by every fixture.
//
// Determinism: data order comes from std::mt19937_64 seeded per run (never
// from LibTorch's generator), so an init seed and a data seed are independent.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace dokja::fixtures {

std::string Sha256Hex(const std::string& bytes);

struct CorpusFile {
  std::string path;
  uint64_t bytes = 0;
  std::string sha256;
};

// Bytes of several files concatenated; tokens are bytes (or merged pairs
// after ApplyMerges). The last `holdout` fraction is kept for evaluation.
struct Corpus {
  std::string name;
  std::vector<CorpusFile> files;
  std::vector<int64_t> tokens;
  size_t train_end = 0;  // tokens [0, train_end) train, [train_end, size) evaluate

  // Random training windows [B, T + 1].
  torch::Tensor SampleWindows(std::mt19937_64& rng, int64_t batch, int64_t t) const;
  // Non-overlapping held-out windows [n, T + 1] (n at most `max_windows`).
  torch::Tensor EvalWindows(int64_t t, int64_t max_windows) const;
};

// Reads `paths` in the order given. Throws std::runtime_error naming a path
// that cannot be read.
Corpus LoadCorpus(const std::string& name, const std::vector<std::string>& paths, double holdout = 0.05);
// Regular files directly inside `dir` (symlinks skipped), sorted by path.
std::vector<std::string> RegularFilesSorted(const std::string& dir);

// Byte-pair merges for vocabulary expansion: the `n` most frequent adjacent
// byte pairs in the training part (ties broken by the smaller pair).
std::vector<std::pair<int64_t, int64_t>> TopBytePairs(const Corpus& c, size_t n);
// Re-tokenises greedily left to right: a listed pair becomes id 256 + its index.
Corpus ApplyMerges(const Corpus& c, const std::vector<std::pair<int64_t, int64_t>>& merges);

struct TrainSpec {
  int64_t steps = 1000;
  double lr = 3e-3;
  int64_t warmup = 50;
  double min_lr_frac = 0.1;  // cosine decay to lr * min_lr_frac
  double weight_decay = 0.01;
  double clip = 1.0;
  uint64_t data_seed = 0;
};

struct TrainResult {
  double first_loss = 0;  // step 0
  double final_loss = 0;  // mean of the last min(50, steps) steps
  double seconds = 0;
};

// loss_fn(rng) returns the loss of one batch, drawing data from rng.
using LossFn = std::function<torch::Tensor(std::mt19937_64& rng)>;
TrainResult Train(const std::vector<torch::Tensor>& params, const TrainSpec& spec, const LossFn& loss_fn,
                  const std::string& tag);

// Mean loss over held-out windows, in batches, without gradients.
double EvalLoss(const std::function<torch::Tensor(const torch::Tensor&)>& loss_of_windows,
                const torch::Tensor& windows, int64_t batch = 32);

}  // namespace dokja::fixtures
