#include "audit/fingerprint.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "audit/internal/anchors.h"
#include "base/float_conv.h"
#include "io/env.h"
#include "tensorfile/safetensors/safetensors_writer.h"

namespace dokja::audit {
namespace {

const std::string kFixtures = std::string(DOKJA_SOURCE_DIR) + "/tests/testdata/audit";
const std::string kStories = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K";

Fingerprint FingerprintOf(const std::string& path) {
  auto m = OpenModel(io::Env::Default(), path);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  auto fp = ComputeFingerprint(*m);
  EXPECT_TRUE(fp.ok()) << fp.status().ToString();
  return std::move(fp).value();
}

// Rewrites the header checksum so a hand-edited body passes it, to reach the
// body's own checks.
void Reseal(std::string* bytes) {
  const uint64_t sum = XXH3_64bits(bytes->data() + 32, bytes->size() - 32);
  const uint64_t n = bytes->size() - 32;
  std::memcpy(bytes->data() + 16, &n, 8);
  std::memcpy(bytes->data() + 24, &sum, 8);
}

TEST(Fingerprint, RoundTripsThroughItsFileFormat) {
  const Fingerprint fp = FingerprintOf(kFixtures + "/base_s1");
  ASSERT_EQ(fp.tensors.size(), 39u);
  const std::string path = ::testing::TempDir() + "/dokja_fp_roundtrip.dfp";
  ASSERT_TRUE(WriteFingerprintFile(path, fp).ok());
  EXPECT_TRUE(LooksLikeFingerprintFile(path));
  auto back = ReadFingerprintFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(SerializeFingerprint(*back), SerializeFingerprint(fp));
  EXPECT_EQ(back->n_params, fp.n_params);
  for (size_t i = 0; i < fp.tensors.size(); ++i) {
    const TensorFingerprint& a = fp.tensors[i];
    const TensorFingerprint& b = back->tensors[i];
    EXPECT_EQ(a.canonical, b.canonical);
    EXPECT_EQ(a.content_hash, b.content_hash);
    EXPECT_EQ(a.row_sketch, b.row_sketch);
    EXPECT_EQ(a.samples, b.samples);
    EXPECT_EQ(a.samples.size(), a.sample_rows.size() * a.sample_cols.size());
  }
  // The embedding [256, 64]: 32 of 256 rows, 32 of 64 columns.
  const TensorFingerprint* embd = nullptr;
  for (const auto& t : fp.tensors) {
    if (t.component == "token_embd") embd = &t;
  }
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->sample_rows.size(), 32u);
  EXPECT_EQ(embd->sample_cols.size(), 32u);
  EXPECT_EQ(embd->row_sketch.size(), 64u);
  EXPECT_EQ(embd->n_sketch_rows, 256u);
  EXPECT_GT(embd->stddev, 0.0);
}

TEST(Fingerprint, TheResultDoesNotDependOnThreadsOrChunkSize) {
  auto m = OpenModel(io::Env::Default(), kFixtures + "/layer_dup_s1");
  ASSERT_TRUE(m.ok());
  FingerprintOptions one;
  one.threads = 1;
  FingerprintOptions many;
  many.threads = 5;
  many.chunk_elems = 100;  // rows of 64 and 128 values: chunks end mid-row
  auto a = ComputeFingerprint(*m, one);
  auto b = ComputeFingerprint(*m, many);
  ASSERT_TRUE(a.ok() && b.ok());
  b->options = a->options;
  ASSERT_EQ(a->tensors.size(), b->tensors.size());
  for (size_t i = 0; i < a->tensors.size(); ++i) {
    const TensorFingerprint& x = a->tensors[i];
    const TensorFingerprint& y = b->tensors[i];
    EXPECT_EQ(x.content_hash, y.content_hash) << x.name;
    EXPECT_EQ(x.row_sketch, y.row_sketch) << x.name;
    EXPECT_EQ(x.samples, y.samples) << x.name;
    EXPECT_EQ(x.constant, y.constant) << x.name;
    EXPECT_EQ(x.abs_max, y.abs_max) << x.name;
    // Sums are accumulated per chunk, so they may differ in the last bits.
    EXPECT_NEAR(x.mean, y.mean, 1e-6 * (1 + std::fabs(x.mean))) << x.name;
    EXPECT_NEAR(x.stddev, y.stddev, 1e-6 * x.stddev) << x.name;
  }
}

TEST(Fingerprint, SamplesAreTheStoredValuesAtTheListedPositions) {
  auto m = OpenModel(io::Env::Default(), kFixtures + "/base_s1");
  ASSERT_TRUE(m.ok());
  auto fp = ComputeFingerprint(*m);
  ASSERT_TRUE(fp.ok());
  const TensorFingerprint& t = fp->tensors[0];
  auto values = m->weights->ReadF32(m->weights->tensors()[0]);
  ASSERT_TRUE(values.ok());
  for (size_t r = 0; r < t.sample_rows.size(); ++r) {
    for (size_t c = 0; c < t.sample_cols.size(); ++c) {
      const float want = (*values)[t.sample_rows[r] * t.row_elements() + t.sample_cols[c]];
      EXPECT_EQ(t.samples[r * t.sample_cols.size() + c], F32ToF16(want));
    }
  }
}

std::string WriteOne(const std::string& name, DType dtype, const std::vector<float>& v,
                     const std::string& tensor = "model.layers.0.mlp.up_proj.weight") {
  std::vector<std::byte> bytes;
  for (float f : v) {
    if (dtype == DType::kF32) {
      const auto* p = reinterpret_cast<const std::byte*>(&f);
      bytes.insert(bytes.end(), p, p + 4);
    } else {
      const uint16_t h = dtype == DType::kBF16 ? F32ToBf16(f) : F32ToF16(f);
      const auto* p = reinterpret_cast<const std::byte*>(&h);
      bytes.insert(bytes.end(), p, p + 2);
    }
  }
  const std::string dir = ::testing::TempDir() + "/dokja_fp_" + name;
  std::filesystem::create_directories(dir);
  TensorToWrite t;
  t.name = tensor;
  t.dtype = dtype;
  t.shape = {16, 24};
  t.bytes = ByteView(bytes.data(), bytes.size());
  EXPECT_TRUE(WriteSafetensorsFile(dir + "/model.safetensors", {t}, {}).ok());
  return dir;
}

TEST(Fingerprint, TheSameValuesHashAlikeInBf16F16AndF32) {
  // k/256 with |k| < 256 is exact in bf16, f16 and f32.
  std::vector<float> v(16 * 24);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(static_cast<int>(i * 37 % 255) - 127) / 256.f;
  v[5] = 0.f;
  std::vector<float> neg = v;
  neg[5] = -0.f;  // -0 and +0 are one value
  const Fingerprint f32 = FingerprintOf(WriteOne("f32", DType::kF32, v));
  const Fingerprint bf16 = FingerprintOf(WriteOne("bf16", DType::kBF16, neg));
  const Fingerprint f16 = FingerprintOf(WriteOne("f16", DType::kF16, v));
  EXPECT_EQ(f32.tensors[0].content_hash, bf16.tensors[0].content_hash);
  EXPECT_EQ(f32.tensors[0].content_hash, f16.tensors[0].content_hash);
  EXPECT_EQ(f32.tensors[0].row_sketch, bf16.tensors[0].row_sketch);
  EXPECT_EQ(f32.tensors[0].samples, bf16.tensors[0].samples);
  v[100] += 1.f / 256;  // one value differs: the hash and one row hash differ
  const Fingerprint changed = FingerprintOf(WriteOne("f32_changed", DType::kF32, v));
  EXPECT_NE(changed.tensors[0].content_hash, f32.tensors[0].content_hash);
  size_t shared = 0;
  for (uint64_t h : changed.tensors[0].row_sketch) {
    shared += std::count(f32.tensors[0].row_sketch.begin(), f32.tensors[0].row_sketch.end(), h);
  }
  EXPECT_EQ(shared, 15u);  // 16 rows, one changed
}

TEST(Fingerprint, EmbeddingRowsKeepTheirHashUnderASignedColumnPermutation) {
  std::vector<float> v(16 * 24), permuted(16 * 24);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(static_cast<float>(i) * 0.37f);
  for (size_t r = 0; r < 16; ++r) {
    for (size_t c = 0; c < 24; ++c) {
      const float x = v[r * 24 + (c * 7 + 3) % 24];  // 7 is coprime with 24: a permutation
      permuted[r * 24 + c] = c % 3 == 0 ? -x : x;
    }
  }
  const std::string embd = "model.embed_tokens.weight";
  const Fingerprint a = FingerprintOf(WriteOne("embd_a", DType::kF32, v, embd));
  const Fingerprint b = FingerprintOf(WriteOne("embd_b", DType::kF32, permuted, embd));
  ASSERT_EQ(a.tensors[0].invariant_hashes.size(), 16u);
  EXPECT_EQ(a.tensors[0].invariant_hashes, b.tensors[0].invariant_hashes);
  EXPECT_NE(a.tensors[0].content_hash, b.tensors[0].content_hash);
  permuted[5] *= 1.5f;  // one changed value breaks its row's hash only
  const Fingerprint c = FingerprintOf(WriteOne("embd_c", DType::kF32, permuted, embd));
  int same = 0;
  for (size_t r = 0; r < 16; ++r) same += c.tensors[0].invariant_hashes[r] == a.tensors[0].invariant_hashes[r];
  EXPECT_EQ(same, 15);
  // Matrices that are not embeddings or heads carry none.
  EXPECT_TRUE(FingerprintOf(WriteOne("mlp", DType::kF32, v)).tensors[0].invariant_hashes.empty());
}

TEST(Fingerprint, NaNPayloadsAndNegativeZeroAreCanonical) {
  EXPECT_EQ(CanonicalF32Bits(-0.f), CanonicalF32Bits(0.f));
  float nan1 = std::numeric_limits<float>::quiet_NaN(), nan2;
  uint32_t bits = 0x7f800123u;
  std::memcpy(&nan2, &bits, 4);
  EXPECT_EQ(CanonicalF32Bits(nan1), CanonicalF32Bits(nan2));
  EXPECT_EQ(CanonicalF32Bits(-nan1), CanonicalF32Bits(nan2));
  EXPECT_NE(CanonicalF32Bits(std::numeric_limits<float>::infinity()), CanonicalF32Bits(nan1));
}

TEST(Fingerprint, GgufAndSafetensorsOfOneModelHashAlike) {
  // The GGUF stores q/k rows interleaved; hashes are taken in HF row order.
  const Fingerprint gguf = FingerprintOf(kStories + "/stories260K.gguf");
  const Fingerprint hf = FingerprintOf(kStories + "/hf");
  std::map<std::string, uint64_t> hf_hash;
  for (const auto& t : hf.tensors) hf_hash[t.canonical] = t.content_hash;
  int matched = 0;
  for (const auto& t : gguf.tensors) {
    auto it = hf_hash.find(t.canonical);
    if (it == hf_hash.end()) continue;
    EXPECT_EQ(t.content_hash, it->second) << t.canonical;
    ++matched;
  }
  EXPECT_GE(matched, 40);
}

TEST(Fingerprint, AnchorTokensAreNormalised) {
  EXPECT_EQ(internal::NormaliseToken("\xC4\xA0the"), " the");
  EXPECT_EQ(internal::NormaliseToken("\xE2\x96\x81the"), " the");
  EXPECT_EQ(internal::NormaliseToken("<0x0A>"), "\n");
  EXPECT_EQ(internal::NormaliseToken("the"), "the");
}

TEST(Fingerprint, AnchorEmbeddingsComeFromTheTokenizerVocabulary) {
  // stories260K's GGUF carries a SentencePiece vocabulary in its metadata.
  const Fingerprint gguf = FingerprintOf(kStories + "/stories260K.gguf");
  ASSERT_GE(gguf.anchors.size(), 4u);
  auto m = OpenModel(io::Env::Default(), kStories + "/stories260K.gguf");
  ASSERT_TRUE(m.ok());
  const TensorInfo* embd = m->weights->Find("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  const AnchorEmbedding& a = gguf.anchors[0];
  std::vector<float> row(embd->row_elements());
  ASSERT_TRUE(m->weights->ReadRowsF32(*embd, a.token_id, a.token_id + 1, row.data()).ok());
  ASSERT_EQ(a.values.size(), gguf.anchor_cols.size());
  ASSERT_EQ(a.values.size(), std::min<size_t>(row.size(), 256));
  for (size_t i = 0; i < a.values.size(); ++i) EXPECT_EQ(a.values[i], F32ToF16(row[gguf.anchor_cols[i]]));
}

class FingerprintCorruption : public ::testing::Test {
 protected:
  void SetUp() override { good_ = SerializeFingerprint(FingerprintOf(kFixtures + "/public_vit")); }
  void ExpectCorrupt(const std::string& bytes, const std::string& needle) {
    auto r = ParseFingerprint(bytes, "test.dfp");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kCorrupt) << r.status().ToString();
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().ToString();
  }
  std::string good_;
};

TEST_F(FingerprintCorruption, EveryTruncationIsRejected) {
  for (size_t n = 0; n < good_.size(); n += std::max<size_t>(1, good_.size() / 500)) {
    auto r = ParseFingerprint(good_.substr(0, n), "test.dfp");
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  }
}

TEST_F(FingerprintCorruption, FlippedBytesFailTheChecksum) {
  for (size_t pos = 32; pos < good_.size(); pos += good_.size() / 97) {
    std::string bad = good_;
    bad[pos] ^= 0x10;
    ExpectCorrupt(bad, "checksum");
  }
  std::string magic = good_;
  magic[0] = 'X';
  ExpectCorrupt(magic, "magic");
  std::string version = good_;
  version[8] = 9;
  ExpectCorrupt(version, "version");
}

TEST_F(FingerprintCorruption, HostileCountsWithAValidChecksumAreRejectedBeforeAllocating) {
  // The first string's length (the source path) claims 2^31 bytes.
  std::string big_string = good_;
  const uint32_t huge = 1u << 31;
  std::memcpy(big_string.data() + 32, &huge, 4);
  Reseal(&big_string);
  ExpectCorrupt(big_string, "exceeds the limit");
  // The tensor count claims 2^32 - 1 tensors.
  Fingerprint fp = *ParseFingerprint(good_, "x");
  const size_t count_at = 32 + 4 + fp.source.size() + 4 + fp.format.size() + 4 + fp.architecture.size() + 16 + 24;
  std::string many = good_;
  const uint32_t max = UINT32_MAX;
  std::memcpy(many.data() + count_at, &max, 4);
  Reseal(&many);
  ExpectCorrupt(many, "cannot fit");
  // Trailing garbage.
  std::string trailing = good_ + "junk";
  Reseal(&trailing);
  ExpectCorrupt(trailing, "trailing");
}

TEST_F(FingerprintCorruption, InconsistentRecordsAreRejected) {
  Fingerprint fp = *ParseFingerprint(good_, "x");
  size_t matrix = 0;
  while (matrix < fp.tensors.size() && fp.tensors[matrix].row_sketch.size() < 2) ++matrix;
  ASSERT_LT(matrix, fp.tensors.size());
  Fingerprint rows = fp;
  std::swap(rows.tensors[matrix].sample_rows[0], rows.tensors[matrix].sample_rows[1]);
  ExpectCorrupt(SerializeFingerprint(rows), "sample rows");
  Fingerprint sketch = fp;
  sketch.tensors[matrix].n_sketch_rows = 0;
  ExpectCorrupt(SerializeFingerprint(sketch), "sketch");
  Fingerprint role = fp;
  role.tensors[2].role = 200;
  ExpectCorrupt(SerializeFingerprint(role), "role");
  Fingerprint dims = fp;
  dims.tensors[0].shape.assign(9, 2);
  ExpectCorrupt(SerializeFingerprint(dims), "dimensions");
  Fingerprint empty_rows = fp;  // a zero-length row with samples listed
  empty_rows.tensors[matrix].shape = {4, 0};
  ExpectCorrupt(SerializeFingerprint(empty_rows), "sample rows");
}

TEST(Fingerprint, TheFuzzSeedsAreOneValidFileAndCorruptOnes) {
  const std::string dir = std::string(DOKJA_SOURCE_DIR) + "/tests/testdata/corrupt/fingerprint";
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto r = ReadFingerprintFile(entry.path().string());
    if (entry.path().filename() == "valid_small.dfp") {
      EXPECT_TRUE(r.ok()) << r.status().ToString();
    } else {
      ASSERT_FALSE(r.ok()) << entry.path();
      EXPECT_EQ(r.status().code(), StatusCode::kCorrupt) << r.status().ToString();
    }
    ++n;
  }
  EXPECT_GE(n, 4);
}

TEST(Fingerprint, ReadingAMissingFileIsNotFound) {
  auto r = ReadFingerprintFile("/nonexistent/dokja.dfp");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace dokja::audit
