// Generates the originality-audit fixtures under tests/testdata/audit/ by
// real gradient training (LibTorch, CPU): independent from-scratch runs, a
// shared-init sibling, fine-tunes, quantised GGUFs, vocabulary expansion,
// depth pruning and up-scaling, MoE upcycling, a function-preserving
// obfuscation and three vision-language composites around a "public" ViT.
// Writes MANIFEST.json with how each was made and the expected verdicts.
//
// Usage: make_audit_fixtures [out_dir]   (default: tests/testdata/audit)
// Everything is seeded; data order comes from std::mt19937_64.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/engine.h"
#include "hf_io.h"
#include "io/env.h"
#include "tensorfile/model.h"
#include "tiny_llama.h"
#include "train.h"
#include "transforms.h"
#include "vision.h"

namespace dokja::fixtures {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kCtx = 64;
constexpr int64_t kBatch = 32;
constexpr int64_t kEvalWindows = 96;

// Corpus B: C headers from libc6-dev (code, not prose), in this order.
const std::vector<std::string> kCorpusBFiles = {
    "stdio.h", "stdlib.h", "string.h", "unistd.h", "fcntl.h", "signal.h", "time.h", "math.h",
    "pthread.h", "wchar.h", "locale.h", "dirent.h", "ctype.h", "errno.h", "stdint.h", "inttypes.h",
    "limits.h", "setjmp.h", "search.h", "regex.h", "glob.h", "netdb.h", "termios.h", "pwd.h",
    "grp.h", "malloc.h", "sched.h", "spawn.h", "fenv.h", "complex.h"};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Ctx {
  std::string out;
  Corpus a, b;
  torch::Tensor eval_a, eval_b;
  Json models = Json::array();
  Json expected = Json::array();
  double train_seconds = 0;
};

Json CorpusJson(const Corpus& c) {
  Json j;
  j["name"] = c.name;
  j["tokens"] = c.tokens.size();
  j["train_tokens"] = c.train_end;
  j["holdout"] = "the last 5% of the concatenation";
  Json files = Json::array();
  for (const CorpusFile& f : c.files) files.push_back({{"path", f.path}, {"bytes", f.bytes}, {"sha256", f.sha256}});
  j["files"] = files;
  return j;
}

Json FilesJson(const std::string& root, const std::string& rel) {
  Json files = Json::object();
  const std::filesystem::path p = std::filesystem::path(root) / rel;
  std::vector<std::filesystem::path> list;
  if (std::filesystem::is_directory(p)) {
    for (const auto& e : std::filesystem::directory_iterator(p)) list.push_back(e.path());
    std::sort(list.begin(), list.end());
  } else {
    list.push_back(p);
  }
  for (const auto& f : list) {
    const std::string bytes = ReadFile(f.string());
    files[std::filesystem::relative(f, root).string()] = {{"bytes", bytes.size()}, {"sha256", Sha256Hex(bytes)}};
  }
  return files;
}

Json TrainJson(const TrainSpec& s, const TrainResult& r, const std::string& data) {
  Json j;
  j["data"] = data;
  j["steps"] = s.steps;
  j["batch"] = kBatch;
  j["context"] = kCtx;
  j["optimizer"] = "AdamW(beta1=0.9, beta2=0.999, eps=1e-8), weight decay on matrices only";
  j["lr"] = s.lr;
  j["schedule"] = "linear warmup " + std::to_string(s.warmup) + " steps, cosine to " +
                  std::to_string(s.min_lr_frac) + " x lr";
  j["weight_decay"] = s.weight_decay;
  j["grad_clip"] = s.clip;
  j["data_seed"] = s.data_seed;
  j["first_loss"] = std::round(r.first_loss * 1e4) / 1e4;
  j["final_loss"] = std::round(r.final_loss * 1e4) / 1e4;
  j["seconds"] = std::round(r.seconds * 10) / 10;
  return j;
}

double R4(double v) { return std::round(v * 1e4) / 1e4; }

Json EvalJson(Ctx& ctx, const Params& p, const LlamaConfig& c) {
  Json j;
  auto f = [&](const torch::Tensor& w) { return LmLoss(p, c, w); };
  j["eval_loss_A"] = R4(EvalLoss(f, ctx.eval_a));
  if (c.n_vocab == 256) j["eval_loss_B"] = R4(EvalLoss(f, ctx.eval_b));
  return j;
}

Json ArchJson(const LlamaConfig& c) { return Json::parse(LlamaConfigJson(c)); }

void AddModel(Ctx& ctx, Json m) {
  m["files"] = FilesJson(ctx.out, m["path"].get<std::string>());
  uint64_t total = 0;
  for (const auto& [k, v] : m["files"].items()) total += v["bytes"].get<uint64_t>();
  m["total_bytes"] = total;
  std::fprintf(stderr, "== %s: %llu bytes\n", m["name"].get<std::string>().c_str(),
               static_cast<unsigned long long>(total));
  ctx.models.push_back(std::move(m));
}

void Expect(Ctx& ctx, const std::string& model, const std::string& reference, Json verdicts,
            const std::string& why, Json maps = Json()) {
  Json e;
  e["model"] = model;
  e["reference"] = reference;
  e["verdicts"] = std::move(verdicts);
  if (!maps.is_null()) e["maps"] = std::move(maps);
  e["why"] = why;
  ctx.expected.push_back(std::move(e));
}

Json TextVerdicts(const std::string& v, bool lm_head = true) {
  Json j;
  j["text"] = v;
  j["token_embd"] = v;
  j["lm_head"] = lm_head ? Json(v) : Json(nullptr);
  return j;
}

// Trains a text model on `corpus` windows; returns the training record.
Json TrainLm(Ctx& ctx, Params& p, const LlamaConfig& c, const Corpus& corpus, const TrainSpec& s,
             const std::string& tag) {
  auto params = Trainable(p);
  auto r = Train(params, s, [&](std::mt19937_64& rng) { return LmLoss(p, c, corpus.SampleWindows(rng, kBatch, kCtx)); },
                 tag);
  ctx.train_seconds += r.seconds;
  for (auto& [n, t] : p) t = t.detach();
  return TrainJson(s, r, corpus.name);
}

// Logits of our engine for `inputs` rows, on a saved model folder or file.
std::vector<float> EngineLogits(const std::string& path, const torch::Tensor& inputs) {
  auto model = OpenModel(io::Env::Default(), path);
  if (!model.ok()) throw std::runtime_error(model.status().ToString());
  engine::EngineOptions opt;
  opt.n_threads = 1;
  auto eng = engine::Engine::Load(*model, opt);
  if (!eng.ok()) throw std::runtime_error(eng.status().ToString());
  std::vector<float> all;
  for (int64_t i = 0; i < inputs.size(0); ++i) {
    auto row = inputs[i].contiguous();
    std::vector<int32_t> ids(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
    auto session = (*eng)->NewSession();
    std::vector<float> logits;
    auto st = session->Eval(ids, true, &logits);
    if (!st.ok()) throw std::runtime_error(st.ToString());
    all.insert(all.end(), logits.begin(), logits.end());
  }
  return all;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
  return m;
}

double ArgmaxAgreement(const std::vector<float>& a, const std::vector<float>& b, int64_t vocab) {
  const size_t rows = a.size() / static_cast<size_t>(vocab);
  size_t same = 0;
  for (size_t r = 0; r < rows; ++r) {
    auto ia = std::max_element(a.begin() + r * vocab, a.begin() + (r + 1) * vocab) - (a.begin() + r * vocab);
    auto ib = std::max_element(b.begin() + r * vocab, b.begin() + (r + 1) * vocab) - (b.begin() + r * vocab);
    same += ia == ib;
  }
  return static_cast<double>(same) / static_cast<double>(rows);
}

std::vector<float> TorchLogits(const Params& p, const LlamaConfig& c, const torch::Tensor& inputs) {
  torch::NoGradGuard g;
  auto l = LlamaForward(p, c, inputs).to(torch::kFloat32).contiguous();
  return std::vector<float>(l.data_ptr<float>(), l.data_ptr<float>() + l.numel());
}

Params WithPrefix(const Params& p, const std::string& prefix) {
  Params out;
  for (const auto& [n, t] : p) {
    if (n.rfind(prefix, 0) == 0) out[n] = t;
  }
  return out;
}

// --- multimodal ---

struct MmBatch {
  torch::Tensor images, captions, mask;  // captions [B, L] bytes, mask [B, L]
};

MmBatch MakeMmBatch(std::mt19937_64& rng, int64_t n, const VitConfig& vc) {
  auto [images, labels] = MakeShapes(rng, n, vc);
  int64_t len = 0;
  for (const auto& s : ShapeNames()) len = std::max<int64_t>(len, static_cast<int64_t>(s.size()) + 1);
  auto captions = torch::full({n, len}, static_cast<int64_t>('\n'), torch::kInt64);
  auto mask = torch::zeros({n, len});
  for (int64_t i = 0; i < n; ++i) {
    const std::string& s = ShapeNames()[static_cast<size_t>(labels[i].item<int64_t>())];
    for (size_t k = 0; k < s.size(); ++k) captions.index_put_({i, static_cast<int64_t>(k)}, static_cast<int64_t>(s[k]));
    mask.narrow(1, 0, static_cast<int64_t>(s.size()) + 1)[i].fill_(1);
  }
  return {images, captions, mask};
}

// Caption logits: position P-1+k predicts caption byte k.
torch::Tensor CaptionLogits(const Params& p, const LlamaConfig& tc, const VitConfig& vc, const MmBatch& b) {
  auto prefix = ProjectorForward(p, VitForward(p, vc, b.images));
  const int64_t len = b.captions.size(1), np = vc.n_patches();
  auto logits = LlamaForward(p, tc, b.captions.narrow(1, 0, len - 1), prefix);
  return logits.narrow(1, np - 1, len);
}

torch::Tensor CaptionLoss(const Params& p, const LlamaConfig& tc, const VitConfig& vc, const MmBatch& b) {
  auto logits = CaptionLogits(p, tc, vc, b);
  auto ce = torch::cross_entropy_loss(logits.reshape({-1, tc.n_vocab}), b.captions.reshape({-1}), {},
                                      at::Reduction::None);
  return (ce * b.mask.reshape({-1})).sum() / b.mask.sum();
}

double CaptionAccuracy(const Params& p, const LlamaConfig& tc, const VitConfig& vc, const MmBatch& b) {
  torch::NoGradGuard g;
  auto pred = CaptionLogits(p, tc, vc, b).argmax(-1);
  auto ok = ((pred == b.captions) | (b.mask == 0)).all(1);
  return ok.to(torch::kFloat64).mean().item<double>();
}

void Run(Ctx& ctx) {
  const auto t_start = std::chrono::steady_clock::now();
  LlamaConfig c;
  // 1. From-scratch runs on corpus A.
  const TrainSpec base_spec{.steps = 800, .lr = 3e-3, .warmup = 50};
  Params init_s1 = InitLlama(c, 1001);
  SaveHfFolder(ctx.out + "/init_s1", init_s1, LlamaConfigJson(c));
  AddModel(ctx, {{"name", "init_s1"}, {"path", "init_s1"}, {"format", "hf_safetensors_f32"},
                 {"role", "reference only: the random initialisation shared by base_s1 and sibling_s1"},
                 {"arch", ArchJson(c)},
                 {"made", {{"parent", nullptr}, {"init_seed", 1001}, {"init", "N(0, 0.02^2) matrices, ones for norms"}}},
                 {"eval", EvalJson(ctx, init_s1, c)}});
  std::map<std::string, Params> bases;
  std::map<std::string, LlamaConfig> base_cfg;
  const struct {
    const char* name;
    uint64_t init_seed, data_seed;
    bool tied;
    const char* role;
  } kBases[] = {{"base_s1", 1001, 2001, false, "plays the public model every derivative starts from"},
                {"base_s2", 1002, 2002, false, "an independent team: same recipe, other seeds"},
                {"base_s3", 1003, 2003, true, "an independent team with tied embeddings"},
                {"sibling_s1", 1001, 2101, false,
                 "same init seed as base_s1, different data order: shares the init, no trained weights"}};
  for (const auto& b : kBases) {
    LlamaConfig bc = c;
    bc.tied = b.tied;
    Params p = InitLlama(bc, b.init_seed);
    TrainSpec s = base_spec;
    s.data_seed = b.data_seed;
    Json train = TrainLm(ctx, p, bc, ctx.a, s, b.name);
    SaveHfFolder(ctx.out + "/" + b.name, p, LlamaConfigJson(bc));
    Json made = {{"parent", nullptr}, {"init_seed", b.init_seed}, {"train", train}};
    Json m = {{"name", b.name}, {"path", b.name}, {"format", "hf_safetensors_f32"}, {"role", b.role},
              {"arch", ArchJson(bc)}, {"made", made}, {"eval", EvalJson(ctx, p, bc)}};
    if (std::string(b.name) != "base_s1") {
      m["similarity"] = {{"vs_base_s1", CompareParams(p, bases["base_s1"])}};
    } else {
      m["similarity"] = {{"vs_init_s1", CompareParams(p, init_s1)}};
    }
    if (std::string(b.name) == "sibling_s1") m["similarity"]["vs_init_s1"] = CompareParams(p, init_s1);
    AddModel(ctx, m);
    bases[b.name] = p;
    base_cfg[b.name] = bc;
  }
  const Params& s1 = bases["base_s1"];
  Expect(ctx, "base_s2", "base_s1", TextVerdicts("ORIGINAL"), "independent init and data order");
  Expect(ctx, "base_s3", "base_s1", TextVerdicts("ORIGINAL", false), "independent; tied, so no lm_head of its own");
  Expect(ctx, "base_s3", "base_s2", TextVerdicts("ORIGINAL", false), "independent");
  Expect(ctx, "sibling_s1", "base_s1", TextVerdicts("SHARED-INIT"),
         "same random init (seed 1001), trained separately on another data order; no weight of one "
         "was trained from the other");
  Expect(ctx, "sibling_s1", "base_s2", TextVerdicts("ORIGINAL"), "independent");

  // 2. Fine-tunes on corpus B.
  for (const auto& [name, steps, seed] : {std::tuple{"ft_short_s1", 80, 3001}, std::tuple{"ft_long_s1", 1000, 3002}}) {
    Params p = Clone(s1);
    TrainSpec s{.steps = steps, .lr = 1e-3, .warmup = steps < 200 ? 10 : 50, .data_seed = static_cast<uint64_t>(seed)};
    Json train = TrainLm(ctx, p, c, ctx.b, s, name);
    SaveHfFolder(ctx.out + "/" + name, p, LlamaConfigJson(c));
    AddModel(ctx, {{"name", name}, {"path", name}, {"format", "hf_safetensors_f32"},
                   {"role", "continued pre-training of base_s1 on corpus B"}, {"arch", ArchJson(c)},
                   {"made", {{"parent", "base_s1"}, {"train", train}}}, {"eval", EvalJson(ctx, p, c)},
                   {"similarity", {{"vs_base_s1", CompareParams(p, s1)}, {"vs_base_s2", CompareParams(p, bases["base_s2"])}}}});
    Expect(ctx, name, "base_s1", TextVerdicts("DERIVED"), std::string("fine-tuned from base_s1 for ") +
           std::to_string(steps) + " steps on corpus B");
    Expect(ctx, name, "base_s2", TextVerdicts("ORIGINAL"), "base_s2 is unrelated to base_s1");
  }
  Expect(ctx, "ft_long_s1", "sibling_s1", TextVerdicts("SHARED-INIT"),
         "its parent base_s1 shares sibling_s1's init; DERIVED would be wrong (no trained weights shared)");

  // 3. Quantised GGUF copies of base_s1.
  torch::Tensor probe = ctx.eval_a.narrow(0, 0, 3).narrow(1, 0, kCtx);
  std::vector<float> torch_s1 = TorchLogits(s1, c, probe);
  std::vector<float> engine_s1 = EngineLogits(ctx.out + "/base_s1", probe);
  for (const auto& [name, dt, label] : {std::tuple{"quant_q8_s1.gguf", DType::kQ8_0, "Q8_0"},
                                        std::tuple{"quant_q4_s1.gguf", DType::kQ4_0, "Q4_0"}}) {
    SaveLlamaGguf(ctx.out + "/" + name, s1, c, dt, std::string("base_s1 ") + label);
    auto q = EngineLogits(ctx.out + "/" + name, probe);
    AddModel(ctx, {{"name", name}, {"path", name}, {"format", std::string("gguf_") + label},
                   {"role", "base_s1 converted as llama.cpp does (q/k rows permuted to Meta's interleaved "
                            "rotary layout, llama.cpp names) and quantised; norms F32"},
                   {"arch", ArchJson(c)},
                   {"made", {{"parent", "base_s1"}, {"transform", std::string("GGUF v3, 2-D weights ") + label +
                                                                   " via QuantizeGgml (round to nearest, no imatrix)"}}},
                   {"verification", {{"engine_max_abs_logit_diff_vs_base_s1", R4(MaxAbsDiff(q, engine_s1))},
                                     {"engine_argmax_agreement_vs_base_s1", R4(ArgmaxAgreement(q, engine_s1, 256))},
                                     {"probe", "3 held-out corpus A windows of 64 bytes, all positions"}}}});
    Expect(ctx, name, "base_s1", TextVerdicts("DERIVED"), std::string("base_s1 quantised to ") + label +
           " (after undoing the q/k row permutation the values match up to quantisation error)");
  }

  // 4. Vocabulary expansion with byte-pair merges learnt on corpus B.
  {
    auto merges = TopBytePairs(ctx.b, 64);
    Corpus b_merged = ApplyMerges(ctx.b, merges);
    LlamaConfig vc;
    Params p = ExpandVocab(s1, c, 320, 0.01, 4001, &vc);
    TrainSpec s{.steps = 300, .lr = 1e-3, .warmup = 30, .data_seed = 4002};
    Json train = TrainLm(ctx, p, vc, b_merged, s, "vocab_expanded_s1");
    SaveHfFolder(ctx.out + "/vocab_expanded_s1", p, LlamaConfigJson(vc));
    Json merge_json = Json::array();
    for (size_t i = 0; i < merges.size(); ++i) merge_json.push_back({256 + i, merges[i].first, merges[i].second});
    Params first_rows = Clone(p);
    for (const char* n : {"model.embed_tokens.weight", "lm_head.weight"}) first_rows[n] = first_rows[n].narrow(0, 0, 256);
    AddModel(ctx, {{"name", "vocab_expanded_s1"}, {"similarity", {{"vs_base_s1_rows_0_255", CompareParams(first_rows, s1)}}}, {"path", "vocab_expanded_s1"}, {"format", "hf_safetensors_f32"},
                   {"role", "base_s1 with 64 new tokens (byte-pair merges of corpus B), then trained on corpus B"},
                   {"arch", ArchJson(vc)},
                   {"made", {{"parent", "base_s1"},
                             {"transform", "embed_tokens and lm_head grown 256 -> 320 rows: rows 0..255 copied, "
                                           "rows 256..319 = mean of old rows + N(0, 0.01^2) (seed 4001)"},
                             {"merges", merge_json}, {"merges_format", "[new_id, left_id, right_id]"},
                             {"train", train}}},
                   {"eval", {{"eval_loss_B_merged", R4(EvalLoss([&](const torch::Tensor& w) { return LmLoss(p, vc, w); },
                                                                b_merged.EvalWindows(kCtx, kEvalWindows)))}}}});
    Expect(ctx, "vocab_expanded_s1", "base_s1", TextVerdicts("DERIVED"),
           "rows 0..255 of embed_tokens/lm_head descend from base_s1's rows; rows 256..319 are new",
           {{"token_rows", "new row i = base_s1 row i for i < 256; rows 256..319 have no counterpart"}});
  }

  // 5. Depth pruning and depth up-scaling, healed on corpus A.
  for (const auto& [name, layers, seed, dtype] :
       {std::tuple{"depth_pruned_s1", std::vector<int64_t>{0, 1, 3}, 5001, DType::kF32},
        std::tuple{"layer_dup_s1", std::vector<int64_t>{0, 1, 2, 1, 2, 3}, 5002, DType::kBF16}}) {
    LlamaConfig lc;
    Params p = RemapLayers(s1, c, layers, &lc);
    TrainSpec s{.steps = 200, .lr = 1e-3, .warmup = 20, .data_seed = static_cast<uint64_t>(seed)};
    Json eval_before = EvalJson(ctx, p, lc);
    Json train = TrainLm(ctx, p, lc, ctx.a, s, name);
    SaveHfFolder(ctx.out + "/" + name, p, LlamaConfigJson(lc), dtype);
    Json layer_map = Json::object();
    for (size_t i = 0; i < layers.size(); ++i) layer_map[std::to_string(i)] = layers[i];
    Json eval = EvalJson(ctx, p, lc);
    eval["before_healing"] = eval_before;
    LlamaConfig unused;
    Json sim = CompareParams(p, RemapLayers(s1, c, layers, &unused));
    AddModel(ctx, {{"name", name}, {"path", name}, {"similarity", {{"vs_base_s1_layers_mapped", sim}}},
                   {"format", dtype == DType::kBF16 ? "hf_safetensors_bf16" : "hf_safetensors_f32"},
                   {"role", layers.size() < 4 ? "base_s1 with layer 2 removed, then healed on corpus A"
                                              : "base_s1 depth up-scaled (layers 1 and 2 duplicated), then trained on corpus A"},
                   {"arch", ArchJson(lc)},
                   {"made", {{"parent", "base_s1"}, {"layer_map_new_to_old", layer_map}, {"train", train},
                             {"stored_dtype", dtype == DType::kBF16 ? "BF16 (trained in F32, rounded to nearest even)" : "F32"}}},
                   {"eval", eval}});
    Expect(ctx, name, "base_s1", TextVerdicts("DERIVED"), "layers copied from base_s1 and trained further",
           {{"layer_new_to_old", layer_map}});
  }

  // 6. MoE upcycling, trained with top-2 routing on corpus A.
  {
    LlamaConfig mc;
    Params p = UpcycleMoe(s1, c, 4, 2, 6001, &mc);
    TrainSpec s{.steps = 200, .lr = 1e-3, .warmup = 20, .data_seed = 6002};
    Json train = TrainLm(ctx, p, mc, ctx.a, s, "moe_upcycled_s1");
    SaveHfFolder(ctx.out + "/moe_upcycled_s1", p, LlamaConfigJson(mc), DType::kBF16);
    Json expert_map = Json::object();
    for (int64_t l = 0; l < mc.n_layers; ++l) {
      for (int64_t e = 0; e < 4; ++e) {
        const std::string pre = "model.layers." + std::to_string(l) + ".block_sparse_moe.experts." + std::to_string(e) + ".";
        expert_map[pre + "w1.weight"] = LayerName(l, "mlp.gate_proj.weight");
        expert_map[pre + "w3.weight"] = LayerName(l, "mlp.up_proj.weight");
        expert_map[pre + "w2.weight"] = LayerName(l, "mlp.down_proj.weight");
      }
    }
    Json sims = Json::object();
    for (int64_t l = 0; l < mc.n_layers; ++l) {
      for (int64_t e = 0; e < 4; ++e) {
        for (const char* w : {"w1", "w2", "w3"}) {
          const std::string n = "model.layers." + std::to_string(l) + ".block_sparse_moe.experts." + std::to_string(e) + "." + w + ".weight";
          auto x = p.at(n).flatten().to(torch::kFloat64), y = s1.at(expert_map[n].get<std::string>()).flatten().to(torch::kFloat64);
          sims[n] = R4((x.dot(y) / (x.norm() * y.norm())).item<double>());
        }
      }
    }
    AddModel(ctx, {{"name", "moe_upcycled_s1"}, {"path", "moe_upcycled_s1"}, {"format", "hf_safetensors_bf16"},
                   {"role", "base_s1 sparse-upcycled to Mixtral (4 experts, top-2), trained on corpus A"},
                   {"arch", ArchJson(mc)},
                   {"made", {{"parent", "base_s1"},
                             {"transform", "every expert of layer l = copy of base_s1 layer l's dense MLP; router "
                                           "N(0, 0.02^2) seed 6001"},
                             {"train", train}, {"stored_dtype", "BF16"}}},
                   {"eval", EvalJson(ctx, p, mc)},
                   {"similarity", {{"vs_base_s1", CompareParams(p, s1)}, {"experts_vs_dense_mlp", sims}}}});
    Expect(ctx, "moe_upcycled_s1", "base_s1", TextVerdicts("DERIVED"),
           "attention, norms and embeddings continue base_s1's; each expert descends from the dense MLP "
           "of its layer; routers are new",
           {{"expert_to_dense", expert_map}});
  }

  // 7. Function-preserving obfuscation.
  {
    Json record;
    Params p64 = Obfuscate(s1, c, 7001, &record);
    Params p32 = Clone(p64);
    SaveHfFolder(ctx.out + "/obfuscated_s1", p32, LlamaConfigJson(c));
    Params s1_64 = Clone(s1, torch::kFloat64);
    double torch64_diff = 0;
    {
      torch::NoGradGuard g;
      torch64_diff = (LlamaForward(s1_64, c, probe) - LlamaForward(p64, c, probe)).abs().max().item<double>();
    }
    auto torch32 = TorchLogits(p32, c, probe);
    auto eng = EngineLogits(ctx.out + "/obfuscated_s1", probe);
    Json ver = {{"torch_f64_max_abs_logit_diff", torch64_diff},
                {"torch_f32_max_abs_logit_diff", MaxAbsDiff(torch32, torch_s1)},
                {"engine_f32_max_abs_logit_diff", MaxAbsDiff(eng, engine_s1)},
                {"engine_vs_torch_base_s1_max_abs_diff", MaxAbsDiff(engine_s1, torch_s1)},
                {"probe", "3 held-out corpus A windows of 64 bytes, all 64 positions, 256 logits each"},
                {"tolerance", 1e-4}};
    std::fprintf(stderr, "obfuscation: f64 %.3g, torch f32 %.3g, engine %.3g\n", torch64_diff,
                 MaxAbsDiff(torch32, torch_s1), MaxAbsDiff(eng, engine_s1));
    AddModel(ctx, {{"name", "obfuscated_s1"}, {"path", "obfuscated_s1"}, {"format", "hf_safetensors_f32"},
                   {"role", "base_s1 after function-preserving edits only (no training)"},
                   {"arch", ArchJson(c)},
                   {"made", {{"parent", "base_s1"}, {"transform_seed", 7001}, {"answer_key", record}}},
                   {"eval", EvalJson(ctx, p32, c)}, {"verification", ver},
                   {"similarity", {{"vs_base_s1_same_name_cosine", CompareParams(p32, s1)}}}});
    Expect(ctx, "obfuscated_s1", "base_s1", TextVerdicts("DERIVED"),
           "same function as base_s1 (logits equal within 1e-4); only permutations, signs, rotations and "
           "gain folding separate the weights", {{"answer_key", "models[obfuscated_s1].made.answer_key"}});
  }

  // 8. Vision: the public encoder, then three composites.
  VitConfig vc;
  Params public_vit = InitVit(vc, 8001);
  {
    torch::manual_seed(8003);
    auto head = (torch::randn({static_cast<int64_t>(ShapeNames().size()), vc.d_model}) * 0.02).set_requires_grad(true);
    auto params = Trainable(public_vit);
    params.push_back(head);
    auto logits_of = [&](const torch::Tensor& images) {
      auto feats = VitForward(public_vit, vc, images).mean(1);
      return torch::matmul(feats * torch::rsqrt(feats.pow(2).mean(-1, true) + 1e-6), head.t());
    };
    TrainSpec s{.steps = 400, .lr = 3e-3, .warmup = 40, .data_seed = 8002};
    auto r = Train(params, s, [&](std::mt19937_64& rng) {
      auto [x, y] = MakeShapes(rng, 64, vc);
      return torch::cross_entropy_loss(logits_of(x), y);
    }, "public_vit");
    ctx.train_seconds += r.seconds;
    // Published in BF16: everyone downstream starts from the rounded weights.
    for (auto& [n, t] : public_vit) t = t.detach().to(torch::kBFloat16).to(torch::kFloat32);
    std::mt19937_64 eval_rng(8999);
    auto [ex, ey] = MakeShapes(eval_rng, 512, vc);
    double acc = 0;
    {
      torch::NoGradGuard g;
      acc = (logits_of(ex).argmax(-1) == ey).to(torch::kFloat64).mean().item<double>();
    }
    SaveHfFolder(ctx.out + "/public_vit", public_vit, VitConfigJson(vc), DType::kBF16);
    Json train = TrainJson(s, r, "synthetic shapes (MakeShapes), 8 classes, batch 64");
    train["batch"] = 64;
    AddModel(ctx, {{"name", "public_vit"}, {"path", "public_vit"}, {"format", "hf_safetensors_bf16"},
                   {"role", "the public vision encoder (Qwen2.5-VL-style names); its classifier head was discarded"},
                   {"made", {{"parent", nullptr}, {"init_seed", 8001}, {"head_seed", 8003}, {"train", train}}},
                   {"eval", {{"shape_accuracy_512_heldout_after_bf16_rounding", R4(acc)}}}});
  }
  const struct {
    const char* name;
    uint64_t text_seed, proj_seed, data_seed;
    int vision;  // 0 frozen copy, 1 fine-tuned from public_vit, 2 fresh init (seed 8101)
  } kMm[] = {{"mm_frozen", 9001, 9101, 9201, 0}, {"mm_finetuned", 9002, 9102, 9202, 1}, {"mm_reinit", 9003, 9103, 9203, 2}};
  std::mt19937_64 mm_eval_rng(9999);
  MmBatch mm_eval = MakeMmBatch(mm_eval_rng, 256, vc);
  for (const auto& m : kMm) {
    Params text = InitLlama(c, m.text_seed);
    Params vis = m.vision == 2 ? InitVit(vc, 8101) : Clone(public_vit);
    Params proj = InitProjector(vc.d_model, c.d_model, m.proj_seed);
    Params all;
    std::vector<torch::Tensor> params;
    for (auto* part : {&text, &proj}) {
      for (auto t : Trainable(*part)) params.push_back(t);
    }
    if (m.vision != 0) {
      for (auto t : Trainable(vis)) params.push_back(t);
    }
    for (auto* part : {&text, &vis, &proj}) all.insert(part->begin(), part->end());
    TrainSpec s{.steps = 400, .lr = 2e-3, .warmup = 40, .data_seed = m.data_seed};
    auto r = Train(params, s, [&](std::mt19937_64& rng) {
      MmBatch b = MakeMmBatch(rng, kBatch, vc);
      return CaptionLoss(all, c, vc, b) + LmLoss(all, c, ctx.a.SampleWindows(rng, 16, kCtx));
    }, m.name);
    ctx.train_seconds += r.seconds;
    for (auto& [n, t] : all) t = t.detach();
    const double acc = CaptionAccuracy(all, c, vc, mm_eval);
    SaveHfFolder(ctx.out + "/" + m.name, all, MultimodalConfigJson(c, vc), DType::kBF16);
    Json train = TrainJson(s, r, "per step: 32 shape images captioned with their class name + 16 corpus A windows; "
                                 "loss = caption CE (caption bytes only) + LM CE");
    Json vis_sim = CompareParams(WithPrefix(all, "visual."), public_vit);
    vis_sim.erase("per_tensor");
    bool bit_identical = true;
    for (const auto& [n, t] : public_vit) bit_identical = bit_identical && torch::equal(all.at(n), t);
    const char* vision_how[] = {"public_vit copied and frozen", "initialised from public_vit and trained",
                                "re-initialised (seed 8101, not public_vit's 8001) and trained from scratch"};
    Json eval = EvalJson(ctx, all, c);
    eval["caption_accuracy_256_heldout"] = R4(acc);
    AddModel(ctx, {{"name", m.name}, {"path", m.name}, {"format", "hf_safetensors_bf16"},
                   {"role", std::string("vision-language composite: vision ") + vision_how[m.vision] +
                            "; projector and text model new"},
                   {"arch", Json::parse(MultimodalConfigJson(c, vc))},
                   {"made", {{"parent_vision", m.vision == 2 ? Json(nullptr) : Json("public_vit")},
                             {"text_init_seed", m.text_seed}, {"projector_init_seed", m.proj_seed},
                             {"vision_init_seed", m.vision == 2 ? 8101 : 8001}, {"train", train}}},
                   {"eval", eval},
                   {"similarity", {{"vision_vs_public_vit", vis_sim},
                                   {"vision_bit_identical_to_public_vit", bit_identical}}}});
    const char* vision_verdict[] = {"COPIED", "DERIVED", "ORIGINAL"};
    Json v = TextVerdicts("ORIGINAL");
    v["vision"] = vision_verdict[m.vision];
    v["projector"] = "ORIGINAL";
    Expect(ctx, m.name, "public_vit", {{"vision", vision_verdict[m.vision]}},
           std::string("vision ") + vision_how[m.vision]);
    for (const char* base : {"base_s1", "base_s2", "base_s3"}) {
      Expect(ctx, m.name, base, TextVerdicts("ORIGINAL", std::string(base) != "base_s3"),
             std::string("text model from scratch (seed ") + std::to_string(m.text_seed) + ")");
    }
  }
  Expect(ctx, "mm_reinit", "mm_frozen", {{"vision", "ORIGINAL"}, {"projector", "ORIGINAL"}, {"text", "ORIGINAL"},
                                         {"token_embd", "ORIGINAL"}, {"lm_head", "ORIGINAL"}},
         "nothing shared: different seeds for every part");
  Expect(ctx, "mm_finetuned", "mm_frozen", {{"vision", "DERIVED"}, {"projector", "ORIGINAL"}, {"text", "ORIGINAL"},
                                            {"token_embd", "ORIGINAL"}, {"lm_head", "ORIGINAL"}},
         "both visions descend from public_vit (mm_frozen's is an exact copy of it)");
  (void)t_start;
}

}  // namespace
}  // namespace dokja::fixtures

int main(int argc, char** argv) {
  using namespace dokja::fixtures;
  torch::set_num_threads(1);
  const auto t0 = std::chrono::steady_clock::now();
  Ctx ctx;
  ctx.out = argc > 1 ? argv[1] : std::string(DOKJA_SOURCE_DIR) + "/tests/testdata/audit";
  std::filesystem::create_directories(ctx.out);
  try {
    ctx.a = LoadCorpus("A", RegularFilesSorted("/usr/share/common-licenses"));
    std::vector<std::string> b_paths;
    for (const auto& f : kCorpusBFiles) b_paths.push_back("/usr/include/" + f);
    ctx.b = LoadCorpus("B", b_paths);
    ctx.eval_a = ctx.a.EvalWindows(kCtx, kEvalWindows);
    ctx.eval_b = ctx.b.EvalWindows(kCtx, kEvalWindows);
    Run(ctx);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_audit_fixtures: %s\n", e.what());
    return 1;
  }
  Json manifest;
  manifest["schema_version"] = 1;
  manifest["generator"] = "tools/audit_fixtures/make_audit_fixtures.cc";
  manifest["regenerate"] = {
      "apt-get install -y libtorch-dev",
      "cmake -S . -B build-fix -G Ninja -DDOKJA_BUILD_FIXTURE_TOOLS=ON -DDOKJA_BUILD_TESTS=OFF -DDOKJA_BUILD_BENCH=OFF",
      "ninja -C build-fix make_audit_fixtures",
      "OPENBLAS_NUM_THREADS=1 ./build-fix/tools/audit_fixtures/make_audit_fixtures"};
  manifest["environment"] = {{"libtorch", TORCH_VERSION}, {"threads", 1},
                             {"determinism", "fixed seeds; data order from std::mt19937_64; one intra-op thread"}};
  manifest["verdicts_legend"] = {
      {"COPIED", "the component's weights are the reference's, bit for bit or up to a lossless dtype change"},
      {"DERIVED", "trained, quantised, pruned, re-shaped or re-parameterised starting from the reference's weights"},
      {"SHARED-INIT", "both started from the same random initialisation, trained separately; no trained weights shared"},
      {"ORIGINAL", "no relation to the reference"},
      {"null", "the model or the reference has no such component of its own (lm_head of a tied model)"}};
  manifest["components"] = {{"text", "transformer blocks of the language model (attention, MLP/experts, norms)"},
                            {"token_embd", "model.embed_tokens"}, {"lm_head", "lm_head (absent when tied)"},
                            {"vision", "visual.*"}, {"projector", "multi_modal_projector.*"}};
  manifest["references"] = {{"base_s1", "plays the public model"},
                            {"base_s2", "an independent team"}, {"base_s3", "an independent team (tied embeddings)"},
                            {"public_vit", "the public vision encoder"},
                            {"init_s1", "not a submission: the init base_s1 and sibling_s1 share, kept as evidence"}};
  manifest["corpora"] = {{"A", CorpusJson(ctx.a)}, {"B", CorpusJson(ctx.b)}};
  manifest["models"] = ctx.models;
  manifest["expected"] = ctx.expected;
  uint64_t total = 0;
  for (const auto& m : ctx.models) total += m["total_bytes"].get<uint64_t>();
  manifest["total_bytes"] = total;
  manifest["train_seconds"] = std::round(ctx.train_seconds);
  manifest["wall_seconds"] =
      std::round(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::ofstream out(ctx.out + "/MANIFEST.json", std::ios::trunc);
  out << manifest.dump(2) << "\n";
  std::fprintf(stderr, "wrote %s/MANIFEST.json (%zu models, %llu bytes)\n", ctx.out.c_str(), ctx.models.size(),
               static_cast<unsigned long long>(total));
  return out ? 0 : 1;
}
