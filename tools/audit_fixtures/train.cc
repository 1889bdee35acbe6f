#include "train.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace dokja::fixtures {

namespace {

constexpr std::array<uint32_t, 64> kSha256K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

}  // namespace

std::string Sha256Hex(const std::string& bytes) {
  std::array<uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string msg = bytes;
  const uint64_t bit_len = static_cast<uint64_t>(bytes.size()) * 8;
  msg.push_back(static_cast<char>(0x80));
  while (msg.size() % 64 != 56) msg.push_back(0);
  for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bit_len >> (8 * i)) & 0xff));
  for (size_t off = 0; off < msg.size(); off += 64) {
    std::array<uint32_t, 64> w{};
    for (int i = 0; i < 16; ++i) {
      const auto* p = reinterpret_cast<const unsigned char*>(msg.data() + off + 4 * i);
      w[i] = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    }
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    auto v = h;
    for (int i = 0; i < 64; ++i) {
      const uint32_t s1 = Rotr(v[4], 6) ^ Rotr(v[4], 11) ^ Rotr(v[4], 25);
      const uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
      const uint32_t t1 = v[7] + s1 + ch + kSha256K[i] + w[i];
      const uint32_t s0 = Rotr(v[0], 2) ^ Rotr(v[0], 13) ^ Rotr(v[0], 22);
      const uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
      const uint32_t t2 = s0 + maj;
      v = {t1 + t2, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
    }
    for (int i = 0; i < 8; ++i) h[i] += v[i];
  }
  char out[65];
  for (int i = 0; i < 8; ++i) std::snprintf(out + 8 * i, 9, "%08x", h[i]);
  return std::string(out, 64);
}

std::vector<std::string> RegularFilesSorted(const std::string& dir) {
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_symlink() || !e.is_regular_file()) continue;
    paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

Corpus LoadCorpus(const std::string& name, const std::vector<std::string>& paths, double holdout) {
  Corpus c;
  c.name = name;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot read corpus file");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();
    c.files.push_back({path, bytes.size(), Sha256Hex(bytes)});
    for (unsigned char b : bytes) c.tokens.push_back(b);
  }
  c.train_end = static_cast<size_t>(static_cast<double>(c.tokens.size()) * (1.0 - holdout));
  return c;
}

torch::Tensor Corpus::SampleWindows(std::mt19937_64& rng, int64_t batch, int64_t t) const {
  auto out = torch::empty({batch, t + 1}, torch::kInt64);
  auto* dst = out.data_ptr<int64_t>();
  const uint64_t n_starts = train_end - static_cast<uint64_t>(t) - 1;
  for (int64_t b = 0; b < batch; ++b) {
    const uint64_t start = rng() % n_starts;  // modulo bias is irrelevant here
    std::copy_n(tokens.begin() + static_cast<ptrdiff_t>(start), t + 1, dst + b * (t + 1));
  }
  return out;
}

torch::Tensor Corpus::EvalWindows(int64_t t, int64_t max_windows) const {
  const int64_t avail = static_cast<int64_t>(tokens.size() - train_end) / (t + 1);
  const int64_t n = std::min(avail, max_windows);
  auto out = torch::empty({n, t + 1}, torch::kInt64);
  std::copy_n(tokens.begin() + static_cast<ptrdiff_t>(train_end), n * (t + 1), out.data_ptr<int64_t>());
  return out;
}

std::vector<std::pair<int64_t, int64_t>> TopBytePairs(const Corpus& c, size_t n) {
  std::map<std::pair<int64_t, int64_t>, uint64_t> counts;
  for (size_t i = 0; i + 1 < c.train_end; ++i) ++counts[{c.tokens[i], c.tokens[i + 1]}];
  std::vector<std::pair<std::pair<int64_t, int64_t>, uint64_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::pair<int64_t, int64_t>> out;
  for (size_t i = 0; i < n && i < v.size(); ++i) out.push_back(v[i].first);
  return out;
}

Corpus ApplyMerges(const Corpus& c, const std::vector<std::pair<int64_t, int64_t>>& merges) {
  std::map<std::pair<int64_t, int64_t>, int64_t> id;
  for (size_t i = 0; i < merges.size(); ++i) id[merges[i]] = 256 + static_cast<int64_t>(i);
  Corpus out;
  out.name = c.name + "+merges";
  out.files = c.files;
  for (size_t i = 0; i < c.tokens.size();) {
    if (i == c.train_end) out.train_end = out.tokens.size();
    if (i + 1 < c.tokens.size() && i + 1 != c.train_end) {
      auto it = id.find({c.tokens[i], c.tokens[i + 1]});
      if (it != id.end()) {
        out.tokens.push_back(it->second);
        i += 2;
        continue;
      }
    }
    out.tokens.push_back(c.tokens[i]);
    ++i;
  }
  if (out.train_end == 0) out.train_end = out.tokens.size();
  return out;
}

TrainResult Train(const std::vector<torch::Tensor>& params, const TrainSpec& spec, const LossFn& loss_fn,
                  const std::string& tag) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : params) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                 torch::optim::AdamWOptions(spec.lr).weight_decay(spec.weight_decay)));
  if (!no_decay.empty()) {
    groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(
                                      torch::optim::AdamWOptions(spec.lr).weight_decay(0.0)));
  }
  torch::optim::AdamW opt(groups, torch::optim::AdamWOptions(spec.lr));
  std::mt19937_64 rng(spec.data_seed);
  TrainResult r;
  const int64_t tail = std::min<int64_t>(50, spec.steps);
  double tail_sum = 0;
  for (int64_t step = 0; step < spec.steps; ++step) {
    double lr = spec.lr;
    if (step < spec.warmup) {
      lr = spec.lr * static_cast<double>(step + 1) / static_cast<double>(spec.warmup);
    } else {
      const double prog = static_cast<double>(step - spec.warmup) /
                          static_cast<double>(std::max<int64_t>(1, spec.steps - spec.warmup));
      lr = spec.lr * (spec.min_lr_frac + (1 - spec.min_lr_frac) * 0.5 * (1 + std::cos(M_PI * prog)));
    }
    for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
    opt.zero_grad();
    auto loss = loss_fn(rng);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, spec.clip);
    opt.step();
    const double v = loss.item<double>();
    if (step == 0) r.first_loss = v;
    if (step >= spec.steps - tail) tail_sum += v;
    if (step % 100 == 0 || step == spec.steps - 1) {
      std::fprintf(stderr, "[%s] step %lld/%lld loss %.4f lr %.2e\n", tag.c_str(),
                   static_cast<long long>(step), static_cast<long long>(spec.steps), v, lr);
    }
  }
  r.final_loss = tail_sum / static_cast<double>(tail);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "[%s] done: final loss %.4f in %.1f s\n", tag.c_str(), r.final_loss, r.seconds);
  return r;
}

double EvalLoss(const std::function<torch::Tensor(const torch::Tensor&)>& loss_of_windows,
                const torch::Tensor& windows, int64_t batch) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  int64_t n = 0;
  for (int64_t i = 0; i < windows.size(0); i += batch) {
    auto w = windows.narrow(0, i, std::min(batch, windows.size(0) - i));
    sum += loss_of_windows(w).item<double>() * static_cast<double>(w.size(0));
    n += w.size(0);
  }
  return sum / static_cast<double>(n);
}

}  // namespace dokja::fixtures
