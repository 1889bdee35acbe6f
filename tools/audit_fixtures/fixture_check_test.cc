// Checks the committed audit fixtures (tests/testdata/audit) with our own
// readers and engine only, so it runs in CI without LibTorch: every model in
// MANIFEST.json opens and has the recorded files and shapes, every tensor
// name canonicalises, the obfuscated model computes base_s1's logits, the
// frozen encoder is a bit-exact copy of public_vit, and the expected-verdict
// matrix is well formed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/engine.h"
#include "io/env.h"
#include "tensorfile/canonical_name.h"
#include "tensorfile/model.h"

namespace dokja {
namespace {

const std::string kDir = std::string(DOKJA_SOURCE_DIR) + "/tests/testdata/audit";

nlohmann::json Manifest() {
  std::ifstream in(kDir + "/MANIFEST.json");
  return nlohmann::json::parse(in);
}

Model Open(const std::string& rel) {
  auto m = OpenModel(io::Env::Default(), kDir + "/" + rel);
  EXPECT_TRUE(m.ok()) << rel << ": " << m.status().ToString();
  return m.ok() ? std::move(m).value() : Model{};
}

std::vector<float> Logits(const std::string& rel, const std::vector<int32_t>& ids) {
  Model m = Open(rel);
  if (!m.weights) return {};
  engine::EngineOptions opt;
  opt.n_threads = 1;
  auto eng = engine::Engine::Load(m, opt);
  EXPECT_TRUE(eng.ok()) << rel << ": " << eng.status().ToString();
  if (!eng.ok()) return {};
  auto session = (*eng)->NewSession();
  std::vector<float> logits;
  Status st = session->Eval(ids, true, &logits);
  EXPECT_TRUE(st.ok()) << rel << ": " << st.ToString();
  return logits;
}

// Byte tokens (unsigned, so 0x80..0xff stay in range). REQUIRES: <= 64 bytes (context).
std::vector<int32_t> Bytes(const std::string& s) {
  std::vector<int32_t> ids;
  for (unsigned char ch : s) ids.push_back(ch);
  return ids;
}

// Held-out-like probes: prose like corpus A, code like corpus B, and noise.
const std::vector<std::string> kProbes = {
    "This License applies to any program or other work which",
    "extern int fprintf (FILE *__stream, const char *__fmt, ...);",
    "zq#\x01\x7f\xff~ 1234567890 QWERTY",
};

TEST(AuditFixtures, EveryModelOpensWithRecordedFilesAndShapes) {
  nlohmann::json manifest = Manifest();
  ASSERT_GE(manifest["models"].size(), 17u);
  for (const std::string& p : kProbes) ASSERT_LE(p.size(), 64u) << "probes must fit the context";
  uint64_t total = 0;
  for (const auto& m : manifest["models"]) {
    const std::string name = m["name"];
    SCOPED_TRACE(name);
    for (const auto& [file, info] : m["files"].items()) {
      const std::string path = kDir + "/" + file;
      ASSERT_TRUE(std::filesystem::exists(path)) << path;
      EXPECT_EQ(std::filesystem::file_size(path), info["bytes"].get<uint64_t>()) << path;
      total += info["bytes"].get<uint64_t>();
    }
    EXPECT_LT(m["total_bytes"].get<uint64_t>(), 1u << 20) << "each fixture stays under 1 MiB";
    Model model = Open(m["path"]);
    ASSERT_NE(model.weights, nullptr);
    ASSERT_TRUE(model.arch.has_value());
    std::vector<std::string> names;
    for (const TensorInfo& t : model.weights->tensors()) names.push_back(t.name);
    for (const CanonicalName& c : CanonicalizeAll(names)) {
      EXPECT_TRUE(c.known()) << c.original;
    }
    if (m.contains("arch") && m["arch"].contains("num_hidden_layers")) {
      const auto& a = m["arch"];
      EXPECT_EQ(model.arch->n_layers, a["num_hidden_layers"].get<int64_t>());
      EXPECT_EQ(model.arch->d_model, a["hidden_size"].get<int64_t>());
      EXPECT_EQ(model.arch->n_kv_heads, a["num_key_value_heads"].get<int64_t>());
      const TensorInfo* embd = nullptr;
      for (const TensorInfo& t : model.weights->tensors()) {
        if (t.name == "model.embed_tokens.weight" || t.name == "token_embd.weight") embd = &t;
      }
      ASSERT_NE(embd, nullptr);
      EXPECT_EQ(embd->shape, (std::vector<uint64_t>{a["vocab_size"].get<uint64_t>(), a["hidden_size"].get<uint64_t>()}));
    }
  }
  EXPECT_EQ(total, manifest["total_bytes"].get<uint64_t>());
  EXPECT_LT(total, 30u * 1000 * 1000);
}

TEST(AuditFixtures, ObfuscatedModelComputesBaseS1Logits) {
  for (const std::string& probe : kProbes) {
    auto base = Logits("base_s1", Bytes(probe));
    auto obf = Logits("obfuscated_s1", Bytes(probe));
    ASSERT_EQ(base.size(), obf.size());
    ASSERT_FALSE(base.empty());
    double max_diff = 0;
    for (size_t i = 0; i < base.size(); ++i) max_diff = std::max(max_diff, double{std::abs(base[i] - obf[i])});
    EXPECT_LT(max_diff, 1e-4) << probe;
  }
}

TEST(AuditFixtures, ObfuscatedWeightsDifferFromBaseS1) {
  Model base = Open("base_s1"), obf = Open("obfuscated_s1");
  ASSERT_NE(base.weights, nullptr);
  ASSERT_NE(obf.weights, nullptr);
  const TensorInfo* a = base.weights->Find("model.layers.0.mlp.up_proj.weight");
  const TensorInfo* b = obf.weights->Find("model.layers.0.mlp.up_proj.weight");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*base.weights->ReadF32(*a), *obf.weights->ReadF32(*b));
}

TEST(AuditFixtures, QuantisedCopiesStayCloseToBaseS1) {
  for (const char* file : {"quant_q8_s1.gguf", "quant_q4_s1.gguf"}) {
    auto base = Logits("base_s1", Bytes(kProbes[0]));
    auto q = Logits(file, Bytes(kProbes[0]));
    ASSERT_EQ(base.size(), q.size()) << file;
    size_t same = 0, rows = base.size() / 256;
    for (size_t r = 0; r < rows; ++r) {
      auto am = [&](const std::vector<float>& v) {
        return std::max_element(v.begin() + r * 256, v.begin() + (r + 1) * 256) - (v.begin() + r * 256);
      };
      same += am(base) == am(q);
    }
    EXPECT_GE(static_cast<double>(same) / rows, 0.8) << file;
  }
}

TEST(AuditFixtures, FrozenEncoderIsBitIdenticalToPublicVit) {
  Model vit = Open("public_vit"), frozen = Open("mm_frozen"), tuned = Open("mm_finetuned");
  ASSERT_NE(vit.weights, nullptr);
  ASSERT_NE(frozen.weights, nullptr);
  ASSERT_NE(tuned.weights, nullptr);
  size_t identical_in_tuned = 0;
  for (const TensorInfo& t : vit.weights->tensors()) {
    SCOPED_TRACE(t.name);
    const TensorInfo* f = frozen.weights->Find(t.name);
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(f->dtype, t.dtype);
    ASSERT_EQ(f->shape, t.shape);
    std::vector<std::byte> x(t.n_bytes), y(f->n_bytes);
    ASSERT_TRUE(vit.weights->ReadRaw(t, 0, x.size(), x.data()).ok());
    ASSERT_TRUE(frozen.weights->ReadRaw(*f, 0, y.size(), y.data()).ok());
    EXPECT_EQ(x, y);
    const TensorInfo* u = tuned.weights->Find(t.name);
    ASSERT_NE(u, nullptr);
    std::vector<std::byte> z(u->n_bytes);
    ASSERT_TRUE(tuned.weights->ReadRaw(*u, 0, z.size(), z.data()).ok());
    identical_in_tuned += x == z;
  }
  EXPECT_EQ(identical_in_tuned, 0u) << "the fine-tuned encoder must have moved";
}

TEST(AuditFixtures, ExpectedVerdictMatrixIsWellFormed) {
  nlohmann::json manifest = Manifest();
  std::set<std::string> names;
  for (const auto& m : manifest["models"]) names.insert(m["name"]);
  const std::set<std::string> verdicts = {"COPIED", "DERIVED", "SHARED-INIT", "ORIGINAL"};
  const std::set<std::string> components = {"text", "token_embd", "lm_head", "vision", "projector"};
  std::set<std::string> covered;
  for (const auto& e : manifest["expected"]) {
    EXPECT_TRUE(names.count(e["model"])) << e["model"];
    EXPECT_TRUE(names.count(e["reference"])) << e["reference"];
    for (const auto& [comp, v] : e["verdicts"].items()) {
      EXPECT_TRUE(components.count(comp)) << comp;
      if (!v.is_null()) {
        EXPECT_TRUE(verdicts.count(v.get<std::string>())) << v;
        covered.insert(v.get<std::string>());
      }
    }
  }
  EXPECT_EQ(covered, verdicts) << "every verdict appears at least once";
}

}  // namespace
}  // namespace dokja
