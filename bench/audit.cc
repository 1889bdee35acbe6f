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
//
// --permuted makes model B a disguised copy of A instead of an unrelated
// model: every layer's MLP neurons and attention heads shuffled (the same
// function). The comparison must then re-match neurons and heads in every
// layer (audit/internal/transform.h) and still find B derived from A; the
// fingerprint parts are skipped, and the time per layer is printed.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <sys/resource.h>

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

// Where a generated tensor's rows and columns come from: row r of the
// written tensor is row rows[r] of the generated one, with column j taken
// from column cols[j] (empty: identity). A permuted copy of a model is its
// generator's output under function-preserving permutations.
struct Permutation {
  std::vector<uint32_t> rows, cols;
};

// Fills a bf16 tensor row by row; row r's values depend only on (seed, r),
// so any row of the generated tensor can be produced on its own.
dokja::TensorFillFn RowFill(uint64_t seed, uint64_t cols, float scale, bool gain, Permutation perm) {
  return [=](uint64_t off, std::span<std::byte> dst) {
    const uint64_t row_bytes = cols * 2;
    std::vector<std::byte> row(row_bytes), out(row_bytes);
    for (uint64_t pos = off; pos < off + dst.size();) {
      const uint64_t r = pos / row_bytes;
      const uint64_t src = perm.rows.empty() ? r : perm.rows[r];
      DOKJA_RETURN_IF_ERROR(dokja::bench::FillBf16(seed * 1000003 + src, 0, row, scale));
      for (uint64_t j = 0; j < cols; ++j) {
        const uint64_t from = perm.cols.empty() ? j : perm.cols[j];
        uint16_t h;
        std::memcpy(&h, &row[from * 2], 2);
        if (gain) h = dokja::F32ToBf16(1.0f + dokja::Bf16ToF32(h));  // norm gains sit around 1
        std::memcpy(&out[j * 2], &h, 2);
      }
      const uint64_t begin = pos - r * row_bytes;
      const uint64_t n = std::min(row_bytes - begin, off + dst.size() - pos);
      std::memcpy(dst.data() + (pos - off), out.data() + begin, n);
      pos += n;
    }
    return dokja::Status::OK();
  };
}

std::vector<uint32_t> Shuffled(uint64_t n, uint64_t seed) {
  std::vector<uint32_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  std::shuffle(p.begin(), p.end(), std::mt19937_64(seed));
  return p;
}

// Rows of whole heads moved as blocks: row i comes from head heads[i / head_dim].
std::vector<uint32_t> HeadRows(const std::vector<uint32_t>& heads, uint64_t head_dim) {
  std::vector<uint32_t> rows;
  for (uint32_t h : heads) {
    for (uint64_t i = 0; i < head_dim; ++i) rows.push_back(static_cast<uint32_t>(h * head_dim + i));
  }
  return rows;
}

constexpr uint64_t kHeads = 32;

// CPU seconds (user + system) this process has used: on a shared machine the
// comparison's own cost, whatever the wall clock says.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// With `permuted`, writes the model of `seed` with every layer's MLP neurons
// (rows of gate/up, columns of down) and attention heads (row blocks of
// q/k/v, column blocks of o) shuffled: it computes the same function.
dokja::Status WriteModel(const std::string& dir, const Shape& s, uint64_t seed, bool permuted) {
  std::filesystem::create_directories(dir);
  std::vector<dokja::TensorToWrite> t;
  uint64_t k = 0;
  auto add = [&](std::string name, std::vector<uint64_t> shape, float scale, bool gain = false,
                 Permutation perm = {}) {
    dokja::TensorToWrite w;
    w.name = std::move(name);
    w.dtype = dokja::DType::kBF16;
    w.fill = RowFill(seed * 1000 + ++k, shape.back(), scale, gain, std::move(perm));
    w.shape = std::move(shape);
    t.push_back(std::move(w));
  };
  add("model.embed_tokens.weight", {s.vocab, s.d}, 0.04f);
  for (int l = 0; l < s.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    Permutation heads_rows, heads_cols, neuron_rows, neuron_cols;
    if (permuted) {
      heads_rows.rows = HeadRows(Shuffled(kHeads, 500 + l), s.d / kHeads);
      heads_cols.cols = heads_rows.rows;
      neuron_rows.rows = Shuffled(s.ff, 100 + l);
      neuron_cols.cols = neuron_rows.rows;
    }
    add(p + "input_layernorm.weight", {s.d}, 0.2f, true);
    add(p + "post_attention_layernorm.weight", {s.d}, 0.2f, true);
    for (const char* m : {"q_proj", "k_proj", "v_proj"}) {
      add(p + "self_attn." + m + ".weight", {s.d, s.d}, 0.04f, false, heads_rows);
    }
    add(p + "self_attn.o_proj.weight", {s.d, s.d}, 0.04f, false, heads_cols);
    add(p + "mlp.gate_proj.weight", {s.ff, s.d}, 0.04f, false, neuron_rows);
    add(p + "mlp.up_proj.weight", {s.ff, s.d}, 0.04f, false, neuron_rows);
    add(p + "mlp.down_proj.weight", {s.d, s.ff}, 0.04f, false, neuron_cols);
  }
  add("model.norm.weight", {s.d}, 0.2f, true);
  add("lm_head.weight", {s.vocab, s.d}, 0.04f);
  DOKJA_RETURN_IF_ERROR(dokja::WriteSafetensorsFile(dir + "/model.safetensors", t, {{"format", "pt"}}));
  std::ofstream(dir + "/config.json")
      << "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"hidden_size\": "
      << s.d << ", \"intermediate_size\": " << s.ff << ", \"num_hidden_layers\": " << s.layers
      << ", \"num_attention_heads\": " << kHeads << ", \"num_key_value_heads\": " << kHeads
      << ", \"vocab_size\": " << s.vocab << ", \"rms_norm_eps\": 1e-05, \"tie_word_embeddings\": false}";
  return dokja::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  Shape s;
  std::string dir = "/tmp";
  bool keep = false, skip_compare = false, screen_only = false, permuted = false;
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
    else if (a == "--permuted") permuted = true;
    else if (a == "--entries") entries = std::atoi(next().c_str());
    else {
      std::fprintf(stderr, "usage: audit [--layers N] [--d N] [--ff N] [--vocab N] [--dir D] [--keep] [--skip-compare] [--screen-only] [--permuted] [--entries N]\n");
      return 2;
    }
  }
  if (screen_only) {
    dokja::bench::PrintFingerprintSizes();
    return dokja::bench::BenchScreening(dir, entries);
  }
  const std::string a = dir + "/dokja_bench_audit_a", b = dir + "/dokja_bench_audit_b";
  auto g0 = Clock::now();
  for (const auto& [path, second] : {std::pair{a, false}, std::pair{b, true}}) {
    if (skip_compare && second) continue;
    // Model B: unrelated (another seed), or A's permuted copy.
    const uint64_t seed = second && !permuted ? 2 : 1;
    if (dokja::Status st = WriteModel(path, s, seed, second && permuted); !st.ok()) {
      std::fprintf(stderr, "bench/audit: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  std::printf("[peak RSS after generating: %.2f GiB]\n", static_cast<double>(dokja::bench::PeakRssBytes()) / (1ull << 30));
  std::printf("generated two models%s (%d layers, d %llu, d_ff %llu, vocab %llu) in %.1f s\n",
              permuted ? " (B: A with neurons and heads permuted)" : "", s.layers,
              (unsigned long long)s.d, (unsigned long long)s.ff, (unsigned long long)s.vocab,
              Seconds(g0, Clock::now()));
  const std::string fa = a + "/model.safetensors", fb = b + "/model.safetensors";
  if (!permuted && (dokja::bench::BenchFingerprint(a, fa) != 0 || dokja::bench::BenchScreening(dir, entries) != 0)) {
    std::fprintf(stderr, "bench/audit: fingerprint benchmark failed\n");
    return 1;
  }
  if (!permuted) dokja::bench::PrintFingerprintSizes();
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
  const double cpu0 = CpuSeconds();
  auto t0 = Clock::now();
  auto ma = dokja::OpenModel(dokja::io::Env::Default(), a);
  auto mb = dokja::OpenModel(dokja::io::Env::Default(), b);
  if (!ma.ok() || !mb.ok()) {
    std::fprintf(stderr, "bench/audit: cannot open the generated models\n");
    return 1;
  }
  auto c = dokja::audit::CompareModels(*ma, *mb);
  const double cmp_s = Seconds(t0, Clock::now());
  const double cmp_cpu = CpuSeconds() - cpu0;
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
  std::printf("dokja compare   %.2f s cold (%.2f s again, warm); %.3f s per layer cold\n", cmp_s, warm_s,
              cmp_s / std::max(1, s.layers));
  std::printf("compare CPU     %.2f s (user + system; %.3f s per layer)\n", cmp_cpu,
              cmp_cpu / std::max(1, s.layers));
  std::printf("re-matched      neurons in %d, heads in %d of %d layers\n", c->neuron_permuted_layers,
              c->head_permuted_layers, s.layers);
  std::printf("ratio compare/cat %.2f   (target <= 1.5)\n", cmp_s / cat_s);
  std::printf("peak RSS        %.2f GiB   (target <= 4 GiB)\n",
              static_cast<double>(dokja::bench::PeakRssBytes()) / (1ull << 30));
  // The permuted copy must be re-matched in every layer and found derived.
  bool ok = true;
  if (permuted) {
    ok = c->neuron_permuted_layers == s.layers && c->head_permuted_layers == s.layers;
    for (const auto& comp : c->components) {
      if (comp.component == "text") ok = ok && comp.verdict == dokja::audit::Verdict::kDerived;
    }
    std::printf("permuted copy   %s\n", ok ? "re-matched in every layer, text DERIVED" : "FAILED to re-match");
  }
  if (!keep) {
    std::filesystem::remove_all(a);
    std::filesystem::remove_all(b);
  }
  return ok ? 0 : 1;
}
