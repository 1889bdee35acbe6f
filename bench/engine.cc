// bench/engine: tokens/s of the embedded engine, and how close prompt
// processing comes to the machine's BLAS peak measured in the same run.
//
// Models:
//   stories260K   the bundled fixture (GGUF)
//   qwen-0.5b     a Qwen2.5-0.5B-shaped model with random weights (24 layers,
//                 d 896, d_ff 4864, 14 heads / 2 KV heads, vocab 151936, QKV
//                 bias, tied embeddings), written to a temporary folder as HF
//                 bf16 safetensors + config.json and loaded like any model.
// For each model and prompt length (128, 512): prompt processing (one Eval
// of the whole prompt, best of --repeat) and generation (--gen tokens, one
// Eval each). Prompt GFLOP/s counts 2 * (matmul parameters) * tokens, the
// vocabulary projection of the last row, and causal attention
// (4 * head_dim * n_heads * n(n+1)/2 per layer); the ratio is to the best of
// three 2048^3 cblas_sgemm calls (the baseline). Target: ratio >= 0.6 for
// prompts >= 128 tokens. Also prints weight bytes, KV-cache bytes and the
// process's peak RSS (VmHWM) so "model + KV cache + small overhead" can be
// checked.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/float_conv.h"
#include "engine/engine.h"
#include "engine/sampler.h"
#include "io/env.h"
#include "tensorfile/model.h"
#include "tensorfile/safetensors/safetensors_writer.h"

namespace {

using Clock = std::chrono::steady_clock;
using dokja::engine::Engine;
using dokja::engine::Session;

struct Args {
  int repeat = 3;
  int gen = 32;
  int threads = 0;
  bool skip_qwen = false;
  std::string dir = std::filesystem::temp_directory_path().string();
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (s == "--repeat") a.repeat = std::max(1, std::atoi(next().c_str()));
    else if (s == "--gen") a.gen = std::max(1, std::atoi(next().c_str()));
    else if (s == "--threads") a.threads = std::atoi(next().c_str());
    else if (s == "--dir") a.dir = next();
    else if (s == "--skip-qwen") a.skip_qwen = true;
    else {
      std::fprintf(stderr, "usage: engine [--repeat N] [--gen N] [--threads T] [--dir D] [--skip-qwen]\n");
      std::exit(2);
    }
  }
  return a;
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A field of /proc/self/status in bytes (VmHWM, VmRSS).
uint64_t ProcStatusBytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10) * 1024;
  }
  return 0;
}

double GiB(uint64_t bytes) { return static_cast<double>(bytes) / (1 << 30); }

double SgemmPeakGflops() {
  const int n = 2048;
  std::vector<float> a(static_cast<size_t>(n) * n, 0.5f), b(a.size(), 0.25f), c(a.size());
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    auto start = Clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0f, a.data(), n, b.data(), n,
                0.0f, c.data(), n);
    best = std::min(best, Seconds(start));
  }
  return 2.0 * n * n * n / best / 1e9;
}

// FLOPs of one prompt of n tokens from position 0.
double PromptFlops(const dokja::engine::EngineConfig& c, int64_t n) {
  const double d = c.d_model, q = static_cast<double>(c.n_heads) * c.head_dim,
               kv = static_cast<double>(c.n_kv_heads) * c.head_dim;
  const double layer_params = d * q + 2 * d * kv + q * d + 3.0 * d * c.d_ff;
  const double matmul = 2.0 * layer_params * c.n_layers * static_cast<double>(n);
  const double attention = 4.0 * q * (static_cast<double>(n) * (n + 1) / 2) * c.n_layers;
  const double head = 2.0 * d * c.n_vocab;  // the last row only
  return matmul + attention + head;
}

// Writes a Qwen2.5-0.5B-shaped model with random bf16 weights into `dir`.
dokja::Status WriteQwenShaped(const std::string& dir) {
  const uint64_t d = 896, d_ff = 4864, vocab = 151936, n_layers = 24, kv = 2 * 64;
  std::vector<dokja::TensorToWrite> tensors;
  auto add = [&](std::string name, std::vector<uint64_t> shape, float scale, bool ones) {
    dokja::TensorToWrite t;
    t.name = std::move(name);
    t.dtype = dokja::DType::kBF16;
    t.shape = shape;
    const uint64_t seed = std::hash<std::string>{}(t.name);
    t.fill = [seed, scale, ones](uint64_t offset, std::span<std::byte> dst) {
      std::minstd_rand rng(static_cast<uint32_t>(seed ^ offset));
      auto* out = reinterpret_cast<uint16_t*>(dst.data());
      for (size_t i = 0; i < dst.size() / 2; ++i) {
        const float u = static_cast<float>(rng()) / 2147483647.0f * 2.0f - 1.0f;
        out[i] = dokja::F32ToBf16(ones ? 1.0f : u * scale);
      }
      return dokja::Status::OK();
    };
    tensors.push_back(std::move(t));
  };
  add("model.embed_tokens.weight", {vocab, d}, 0.05f, false);
  for (uint64_t l = 0; l < n_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", {d}, 0, true);
    add(p + "self_attn.q_proj.weight", {d, d}, 0.05f, false);
    add(p + "self_attn.q_proj.bias", {d}, 0.05f, false);
    add(p + "self_attn.k_proj.weight", {kv, d}, 0.05f, false);
    add(p + "self_attn.k_proj.bias", {kv}, 0.05f, false);
    add(p + "self_attn.v_proj.weight", {kv, d}, 0.05f, false);
    add(p + "self_attn.v_proj.bias", {kv}, 0.05f, false);
    add(p + "self_attn.o_proj.weight", {d, d}, 0.05f, false);
    add(p + "post_attention_layernorm.weight", {d}, 0, true);
    add(p + "mlp.gate_proj.weight", {d_ff, d}, 0.05f, false);
    add(p + "mlp.up_proj.weight", {d_ff, d}, 0.05f, false);
    add(p + "mlp.down_proj.weight", {d, d_ff}, 0.03f, false);
  }
  add("model.norm.weight", {d}, 0, true);
  DOKJA_RETURN_IF_ERROR(dokja::WriteSafetensorsFile(dir + "/model.safetensors", tensors, {{"format", "pt"}}));
  std::ofstream config(dir + "/config.json");
  config << R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
  "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
  "num_key_value_heads": 2, "vocab_size": 151936, "max_position_embeddings": 32768,
  "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "tie_word_embeddings": true,
  "torch_dtype": "bfloat16", "hidden_act": "silu"})";
  return config.good() ? dokja::Status::OK() : dokja::Status::IOError(dir + "/config.json: write failed");
}

void BenchModel(const std::string& label, const std::string& path, const Args& args,
                double peak_gflops) {
  dokja::engine::EngineOptions options;
  options.n_ctx = 1024;  // room for the 512-token prompt plus generation
  options.n_threads = args.threads;
  auto start = Clock::now();
  std::unique_ptr<Engine> engine;
  {
    auto model = dokja::OpenModel(dokja::io::Env::Default(), path);
    if (!model.ok()) {
      std::fprintf(stderr, "%s: %s\n", label.c_str(), model.status().ToString().c_str());
      std::exit(1);
    }
    auto loaded = Engine::Load(*model, options);
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s: %s\n", label.c_str(), loaded.status().ToString().c_str());
      std::exit(1);
    }
    engine = std::move(loaded).value();
  }
  const auto& c = engine->config();
  std::printf("\n%s: %d layers, d %d, d_ff %d, heads %d/%d, vocab %d; load %.2f s; weights %.3f GiB (f32)\n",
              label.c_str(), c.n_layers, c.d_model, c.d_ff, c.n_heads, c.n_kv_heads, c.n_vocab,
              Seconds(start), GiB(engine->weight_bytes()));
  std::printf("  %-8s %12s %10s %10s %8s %12s %12s\n", "prompt", "prompt tok/s", "GFLOP/s",
              "vs sgemm", "gen tok/s", "KV bytes", "RSS now");
  for (int n : {128, 512}) {
    std::vector<int32_t> prompt(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) prompt[static_cast<size_t>(i)] = (i * 7919 + 13) % c.n_vocab;
    auto session = engine->NewSession();
    std::vector<float> logits;
    double best = 1e30;
    for (int rep = 0; rep < args.repeat; ++rep) {
      session->Truncate(0);
      auto t = Clock::now();
      if (!session->Eval(prompt, false, &logits).ok()) std::exit(1);
      best = std::min(best, Seconds(t));
    }
    const double gflops = PromptFlops(c, n) / best / 1e9;
    auto t = Clock::now();
    for (int g = 0; g < args.gen; ++g) {
      const int32_t next[] = {dokja::engine::ArgMax(logits)};
      if (!session->Eval(next, false, &logits).ok()) std::exit(1);
    }
    const double gen_tps = args.gen / Seconds(t);
    std::printf("  %-8d %12.1f %10.1f %10.2f %8.1f %12.3g %9.3f GiB\n", n, n / best, gflops,
                gflops / peak_gflops, gen_tps, static_cast<double>(session->kv_bytes()),
                GiB(ProcStatusBytes("VmRSS")));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  if (args.threads > 0) openblas_set_num_threads(args.threads);
  std::printf("threads: %d (hardware %u)\n", args.threads > 0 ? args.threads : openblas_get_num_threads(),
              std::thread::hardware_concurrency());
  const double peak = SgemmPeakGflops();
  std::printf("baseline: cblas_sgemm 2048^3, best of 3: %.1f GFLOP/s\n", peak);
  BenchModel("stories260K", std::string(DOKJA_SOURCE_DIR) + "/models/stories260K/stories260K.gguf",
             args, peak);
  if (!args.skip_qwen) {
    const std::string dir = args.dir + "/dokja-bench-qwen-" + std::to_string(std::random_device{}());
    std::filesystem::create_directories(dir);
    auto start = Clock::now();
    dokja::Status st = WriteQwenShaped(dir);
    if (!st.ok()) {
      std::fprintf(stderr, "writing %s: %s\n", dir.c_str(), st.ToString().c_str());
      return 1;
    }
    std::printf("\nwrote %s (bf16, %.2f GiB) in %.1f s\n", dir.c_str(),
                GiB(std::filesystem::file_size(dir + "/model.safetensors")), Seconds(start));
    BenchModel("qwen-0.5b (random)", dir, args, peak);
    std::filesystem::remove_all(dir);
  }
  std::printf("\npeak RSS (VmHWM): %.3f GiB\n", GiB(ProcStatusBytes("VmHWM")));
  return 0;
}
