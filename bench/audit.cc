// bench/audit: the deep pairwise comparison of two 7B-shaped checkpoints
// against the time `cat` takes to read both, in the same run.
//
// Generates two Llama-7B-shaped bf16 models (32 layers, d 4096, d_ff 11008,
// vocab 32000, untied head; different seeds, so unrelated) as HF folders in
// --dir, drops both from the page cache, times `cat A B > /dev/null`, drops
// them again, and times `CompareModels(A, B)` from opening to verdicts.
// Prints both times, their ratio (target <= 1.5) and the process's peak RSS
// (target <= 4 GiB). --layers/--d/--ff/--vocab shrink the shapes for a quick
// run; the files (27 GB at full size) are removed unless --keep.
//
// Then the fingerprint (audit/fingerprint.h): fingerprinting model A cold
// against `cat` of the same file (target >= 0.90 of cat's throughput), the
// fingerprint sizes of 7B- and 70B-shaped Llamas, and screening one 7B-shaped
// fingerprint against --entries (1,000) registry entries (target <= 1 s).
// --skip-compare leaves out the deep comparison; --screen-only runs only the
// parts that need no generated weights (sizes and screening).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "audit/compare.h"
#include "audit_fingerprint.h"
#include "bench_util.h"
#include "io/env.h"
#include "tensorfile/safetensors/safetensors_writer.h"

namespace {

using dokja::bench::Clock;
using dokja::bench::Seconds;

struct Shape {
  int layers = 32;
  uint64_t d = 4096, ff = 11008, vocab = 32000;
};

dokja::Status WriteModel(const std::string& dir, const Shape& s, uint64_t seed) {
  std::filesystem::create_directories(dir);
  std::vector<dokja::TensorToWrite> t;
  uint64_t k = 0;
  auto add = [&](std::string name, std::vector<uint64_t> shape, float scale, bool gain = false) {
    dokja::TensorToWrite w;
    w.name = std::move(name);
    w.dtype = dokja::DType::kBF16;
    w.shape = std::move(shape);
    const uint64_t tensor_seed = seed * 1000 + ++k;
    w.fill = [tensor_seed, scale, gain](uint64_t off, std::span<std::byte> dst) {
      dokja::Status st = dokja::bench::FillBf16(tensor_seed, off, dst, scale);
      if (gain) {  // norm gains sit around 1
        for (size_t i = 0; i + 1 < dst.size(); i += 2) {
          uint16_t h;
          std::memcpy(&h, &dst[i], 2);
          h = dokja::F32ToBf16(1.0f + dokja::Bf16ToF32(h));
          std::memcpy(&dst[i], &h, 2);
        }
      }
      return st;
    };
    t.push_back(std::move(w));
  };
  add("model.embed_tokens.weight", {s.vocab, s.d}, 0.04f);
  for (int l = 0; l < s.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", {s.d}, 0.2f, true);
    add(p + "post_attention_layernorm.weight", {s.d}, 0.2f, true);
    for (const char* m : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
      add(p + "self_attn." + m + ".weight", {s.d, s.d}, 0.04f);
    }
    add(p + "mlp.gate_proj.weight", {s.ff, s.d}, 0.04f);
    add(p + "mlp.up_proj.weight", {s.ff, s.d}, 0.04f);
    add(p + "mlp.down_proj.weight", {s.d, s.ff}, 0.04f);
  }
  add("model.norm.weight", {s.d}, 0.2f, true);
  add("lm_head.weight", {s.vocab, s.d}, 0.04f);
  DOKJA_RETURN_IF_ERROR(dokja::WriteSafetensorsFile(dir + "/model.safetensors", t, {{"format", "pt"}}));
  std::ofstream(dir + "/config.json")
      << "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"hidden_size\": "
      << s.d << ", \"intermediate_size\": " << s.ff << ", \"num_hidden_layers\": " << s.layers
      << ", \"num_attention_heads\": 32, \"num_key_value_heads\": 32, \"vocab_size\": " << s.vocab
      << ", \"rms_norm_eps\": 1e-05, \"tie_word_embeddings\": false}";
  return dokja::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  Shape s;
  std::string dir = "/tmp";
  bool keep = false, skip_compare = false, screen_only = false;
  int entries = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : "0"; };
    if (a == "--layers") s.layers = std::atoi(next().c_str());
    else if (a == "--d") s.d = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--ff") s.ff = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--vocab") s.vocab = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--dir") dir = next();
    else if (a == "--keep") keep = true;
    else if (a == "--skip-compare") skip_compare = true;
    else if (a == "--screen-only") screen_only = true;
    else if (a == "--entries") entries = std::atoi(next().c_str());
    else {
      std::fprintf(stderr, "usage: audit [--layers N] [--d N] [--ff N] [--vocab N] [--dir D] [--keep] [--skip-compare] [--screen-only] [--entries N]\n");
      return 2;
    }
  }
  if (screen_only) {
    dokja::bench::PrintFingerprintSizes();
    return dokja::bench::BenchScreening(dir, entries);
  }
  const std::string a = dir + "/dokja_bench_audit_a", b = dir + "/dokja_bench_audit_b";
  auto g0 = Clock::now();
  for (const auto& [path, seed] : {std::pair{a, 1}, std::pair{b, 2}}) {
    if (skip_compare && seed == 2) continue;
    if (dokja::Status st = WriteModel(path, s, seed); !st.ok()) {
      std::fprintf(stderr, "bench/audit: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  std::printf("[peak RSS after generating: %.2f GiB]\n", static_cast<double>(dokja::bench::PeakRssBytes()) / (1ull << 30));
  std::printf("generated two models (%d layers, d %llu, d_ff %llu, vocab %llu) in %.1f s\n", s.layers,
              (unsigned long long)s.d, (unsigned long long)s.ff, (unsigned long long)s.vocab,
              Seconds(g0, Clock::now()));
  const std::string fa = a + "/model.safetensors", fb = b + "/model.safetensors";
  if (dokja::bench::BenchFingerprint(a, fa) != 0 || dokja::bench::BenchScreening(dir, entries) != 0) {
    std::fprintf(stderr, "bench/audit: fingerprint benchmark failed\n");
    return 1;
  }
  dokja::bench::PrintFingerprintSizes();
  if (skip_compare) {
    if (!keep) {
      std::filesystem::remove_all(a);
      std::filesystem::remove_all(b);
    }
    return 0;
  }
  const double gb = static_cast<double>(std::filesystem::file_size(fa) + std::filesystem::file_size(fb)) / 1e9;
  dokja::bench::DropCache(fa);
  dokja::bench::DropCache(fb);
  const double cat_s = dokja::bench::TimeCat(fa + " " + fb);
  dokja::bench::DropCache(fa);
  dokja::bench::DropCache(fb);
  auto t0 = Clock::now();
  auto ma = dokja::OpenModel(dokja::io::Env::Default(), a);
  auto mb = dokja::OpenModel(dokja::io::Env::Default(), b);
  if (!ma.ok() || !mb.ok()) {
    std::fprintf(stderr, "bench/audit: cannot open the generated models\n");
    return 1;
  }
  auto c = dokja::audit::CompareModels(*ma, *mb);
  const double cmp_s = Seconds(t0, Clock::now());
  if (!c.ok()) {
    std::fprintf(stderr, "bench/audit: %s\n", c.status().ToString().c_str());
    return 1;
  }
  {
    std::ifstream st("/proc/self/status");
    std::string line;
    while (std::getline(st, line)) {
      if (line.rfind("RssAnon", 0) == 0 || line.rfind("RssFile", 0) == 0) std::printf("[%s]\n", line.c_str());
    }
  }
  auto w0 = Clock::now();
  auto warm = dokja::audit::CompareModels(*ma, *mb);
  const double warm_s = Seconds(w0, Clock::now());
  for (const auto& comp : c->components) {
    std::printf("  %-12s %-13s log10 p %.2f\n", comp.component.c_str(),
                std::string(dokja::audit::VerdictName(comp.verdict)).c_str(), comp.log10_p);
  }
  std::printf("files           %.2f GB (both models, cold cache)\n", gb);
  std::printf("cat A B         %.2f s (%.2f GB/s)\n", cat_s, gb / cat_s);
  std::printf("dokja compare   %.2f s cold (%.2f s again, warm)\n", cmp_s, warm_s);
  std::printf("ratio compare/cat %.2f   (target <= 1.5)\n", cmp_s / cat_s);
  std::printf("peak RSS        %.2f GiB   (target <= 4 GiB)\n",
              static_cast<double>(dokja::bench::PeakRssBytes()) / (1ull << 30));
  if (!keep) {
    std::filesystem::remove_all(a);
    std::filesystem::remove_all(b);
  }
  return 0;
}
