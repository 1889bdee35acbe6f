// bench/audit's fingerprint and screening parts: fingerprint throughput
// against `cat` of the same file, fingerprint sizes for 7B- and 70B-shaped
// Llamas, and screening one fingerprint against 1,000 registry entries.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/fingerprint.h"
#include "audit/registry.h"
#include "audit/screen.h"
#include "bench_util.h"
#include "io/env.h"

namespace dokja::bench {

struct LlamaShape {
  int layers = 32;
  uint64_t d = 4096, ff = 11008, vocab = 32000, kv = 4096;  // kv: rows of k/v
};

// xorshift64
inline uint64_t NextRandom(uint64_t* s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

// A fingerprint with the sizes ComputeFingerprint would give a model of this
// shape, filled with random content (no weights needed).
inline audit::Fingerprint SyntheticFingerprint(const LlamaShape& s, uint64_t seed) {
  audit::Fingerprint fp;
  fp.source = "synthetic";
  fp.format = "safetensors";
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  auto add = [&](const std::string& canonical, const std::string& component, int layer, Role role,
                 std::vector<uint64_t> shape) {
    audit::TensorFingerprint t;
    t.name = canonical;
    t.canonical = canonical;
    t.component = component;
    t.layer = layer;
    t.role = static_cast<uint8_t>(role);
    t.dtype = DType::kBF16;
    t.shape = std::move(shape);
    const audit::FingerprintPlan plan = audit::PlanTensor(t.shape, fp.options);
    t.content_hash = NextRandom(&state);
    t.n_sketch_rows = t.n_rows() > 1 ? t.n_rows() : 0;
    for (uint64_t i = 0; i < plan.sketch_k; ++i) t.row_sketch.push_back(NextRandom(&state));
    std::sort(t.row_sketch.begin(), t.row_sketch.end());
    for (uint64_t i = 0; i < plan.sample_rows; ++i) t.sample_rows.push_back(i * (t.n_rows() / plan.sample_rows));
    for (uint64_t i = 0; i < plan.sample_cols; ++i) t.sample_cols.push_back(static_cast<uint32_t>(i * (t.row_elements() / plan.sample_cols)));
    for (uint64_t i = 0; i < plan.sample_rows * plan.sample_cols; ++i) {
      t.samples.push_back(F32ToF16(static_cast<float>(static_cast<int64_t>(NextRandom(&state) % 2001) - 1000) * 4e-5f));
    }
    if (role == Role::kTokenEmbed || role == Role::kLmHead) {
      for (size_t i = 0; i < t.sample_rows.size(); ++i) t.invariant_hashes.push_back(NextRandom(&state));
    }
    fp.n_params += t.n_elements();
    fp.tensor_bytes += 2 * t.n_elements();
    fp.tensors.push_back(std::move(t));
  };
  add("text.token_embd.weight", "token_embd", -1, Role::kTokenEmbed, {s.vocab, s.d});
  for (int l = 0; l < s.layers; ++l) {
    const std::string p = "text.blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", "text", l, Role::kAttnNorm, {s.d});
    add(p + "ffn_norm.weight", "text", l, Role::kFfnNorm, {s.d});
    add(p + "attn_q.weight", "text", l, Role::kAttnQ, {s.d, s.d});
    add(p + "attn_k.weight", "text", l, Role::kAttnK, {s.kv, s.d});
    add(p + "attn_v.weight", "text", l, Role::kAttnV, {s.kv, s.d});
    add(p + "attn_o.weight", "text", l, Role::kAttnO, {s.d, s.d});
    add(p + "ffn_gate.weight", "text", l, Role::kFfnGate, {s.ff, s.d});
    add(p + "ffn_up.weight", "text", l, Role::kFfnUp, {s.ff, s.d});
    add(p + "ffn_down.weight", "text", l, Role::kFfnDown, {s.d, s.ff});
  }
  add("text.output_norm.weight", "text", -1, Role::kOutputNorm, {s.d});
  add("text.lm_head.weight", "lm_head", -1, Role::kLmHead, {s.vocab, s.d});
  // 100 anchor tokens at 256 columns.
  for (uint32_t c = 0; c < std::min<uint64_t>(s.d, fp.options.anchor_cols); ++c) {
    fp.anchor_cols.push_back(static_cast<uint32_t>(c * (s.d / std::min<uint64_t>(s.d, fp.options.anchor_cols))));
  }
  for (int i = 0; i < 100; ++i) {
    audit::AnchorEmbedding a;
    a.token = "anchor" + std::to_string(i);
    a.token_id = static_cast<uint64_t>(i);
    for (size_t c = 0; c < fp.anchor_cols.size(); ++c) {
      a.values.push_back(F32ToF16(static_cast<float>(static_cast<int64_t>(NextRandom(&state) % 2001) - 1000) * 4e-5f));
    }
    fp.anchors.push_back(std::move(a));
  }
  return fp;
}

inline void PrintFingerprintSizes() {
  const LlamaShape b7;
  const LlamaShape b70{80, 8192, 28672, 128256, 1024};
  for (const auto& [label, s] : {std::pair{"7B", b7}, std::pair{"70B", b70}}) {
    const audit::Fingerprint fp = SyntheticFingerprint(s, 1);
    const double bytes = static_cast<double>(audit::SerializeFingerprint(fp).size());
    std::printf("fingerprint of a Llama-%s shape: %.2f MiB = %.4f%% of its %.1f GB of bf16 weights "
                "(budget: 1%% and 64 MiB)\n",
                label, bytes / (1 << 20), 100.0 * bytes / static_cast<double>(fp.tensor_bytes),
                static_cast<double>(fp.tensor_bytes) / 1e9);
  }
}

// Fingerprints `dir` (cold cache) and compares with `cat` of the same file.
inline int BenchFingerprint(const std::string& dir, const std::string& file) {
  // Finish writing the generated file first: writeback still running would
  // slow whichever measurement comes second.
  if (std::system("sync") != 0) return 1;
  DropCache(file);
  const double cat_s = TimeCat(file);
  DropCache(file);
  const auto t0 = Clock::now();
  auto model = OpenModel(io::Env::Default(), dir);
  if (!model.ok()) return 1;
  auto fp = audit::ComputeFingerprint(*model);
  const double fp_s = Seconds(t0, Clock::now());
  if (!fp.ok()) {
    std::fprintf(stderr, "bench/audit: %s\n", fp.status().ToString().c_str());
    return 1;
  }
  const auto w0 = Clock::now();
  auto warm = audit::ComputeFingerprint(*model);
  const double warm_s = Seconds(w0, Clock::now());
  const double gb = static_cast<double>(std::filesystem::file_size(file)) / 1e9;
  const double fp_bytes = static_cast<double>(audit::SerializeFingerprint(*fp).size());
  std::printf("fingerprint     %.2f s cold (%.2f GB/s; %.2f s warm, %.2f GB/s) vs cat %.2f s (%.2f GB/s)\n",
              fp_s, gb / fp_s, warm_s, gb / warm_s, cat_s, gb / cat_s);
  std::printf("ratio fingerprint/cat throughput %.2f   (target >= 0.90)\n", cat_s / fp_s);
  std::printf("fingerprint size %.3f MiB = %.4f%% of %.2f GB\n", fp_bytes / (1 << 20), 100 * fp_bytes / (gb * 1e9), gb);
  return 0;
}

// One 7B-shaped fingerprint against 1,000 7B-shaped registry entries (one of
// them derived from it), from the registry on disk and in memory.
inline int BenchScreening(const std::string& dir, int n_entries) {
  const LlamaShape s7;
  const audit::Fingerprint cand = SyntheticFingerprint(s7, 424242);
  const std::string db = dir + "/dokja_bench_registry.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  {
    auto reg = audit::Registry::Open(db);
    if (!reg.ok()) return 1;
    const auto g0 = Clock::now();
    for (int i = 0; i < n_entries; ++i) {
      audit::Fingerprint e = i == n_entries / 2 ? cand : SyntheticFingerprint(s7, static_cast<uint64_t>(i) + 7);
      if (i == n_entries / 2) {  // a derived model: same values, a few changed
        for (auto& t : e.tensors) t.content_hash ^= 1;
      }
      if (!(*reg)->Add({"entry" + std::to_string(i), "synthetic", "", "2026-01-01", ""}, e).ok()) return 1;
    }
    std::printf("[registry: %d entries written in %.1f s, %.0f MiB]\n", n_entries, Seconds(g0, Clock::now()),
                static_cast<double>(std::filesystem::file_size(db)) / (1 << 20));
  }
  auto reg = audit::Registry::Open(db);
  if (!reg.ok()) return 1;
  const auto l0 = Clock::now();
  auto digests = (*reg)->LoadDigests();
  if (!digests.ok()) return 1;
  const double load_s = Seconds(l0, Clock::now());
  std::vector<audit::ScreenTarget> targets;
  for (const auto& [entry, fp] : *digests) targets.push_back({entry.name, "", &fp});
  const auto m0 = Clock::now();
  const audit::Screening in_memory = audit::ScreenFingerprint(audit::ScreeningDigest(cand), targets);
  std::printf("[first stage alone: loading and parsing %d digests %.3f s, screening them in memory %.3f s]\n",
              n_entries, load_s, Seconds(m0, Clock::now()));
  (void)in_memory;
  auto screened = (*reg)->Screen(cand);
  if (!screened.ok()) {
    std::fprintf(stderr, "bench/audit: %s\n", screened.status().ToString().c_str());
    return 1;
  }
  const audit::Screening& result = *screened;
  int suspects = 0;
  for (const auto& e : result.entries) suspects += e.suspect;
  std::printf("screening       %d entries: %.3f s from the registry on disk (digests, then the full "
              "fingerprints of the few worth it); %d suspect(s), first %s   (target <= 1 s)\n",
              n_entries, result.seconds, suspects,
              result.entries.empty() ? "-" : result.entries[0].name.c_str());
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return 0;
}

}  // namespace dokja::bench
