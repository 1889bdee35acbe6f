#include "tensorfile/gguf/gguf_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/float_conv.h"
#include "tensorfile/gguf/gguf_writer.h"
#include "tensorfile/gguf/quantize.h"
#include "tensorfile/gguf/raw_gguf_test_util.h"

namespace dokja {
namespace {

using testing::RawGguf;

const std::string kStories = std::string(DOKJA_SHARED_DIR) + "/fixtures/stories260K/stories260K.gguf";

std::unique_ptr<GgufFile> OpenOk(io::Env& env, const std::string& path,
                                 const GgufOptions& options = {}) {
  auto f = OpenGgufFile(env, path, options);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? std::move(f).value() : nullptr;
}

std::unique_ptr<GgufFile> OpenBytes(const std::string& bytes, const GgufOptions& options = {}) {
  static io::MemEnv* env = new io::MemEnv();
  env->AddFile("mem.gguf", bytes);
  return OpenOk(*env, "mem.gguf", options);
}

std::string F32Bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

TEST(GgufReader, ReadsAHandBuiltFileAndReversesDimsIntoPytorchOrder) {
  std::vector<float> w(24);
  for (int i = 0; i < 24; ++i) w[i] = static_cast<float>(i) - 5.5f;
  // Two Q8_0 blocks: d = 0.5, q = 2 * value index - 32 -> y = index - 16.
  std::string q8;
  for (int blk = 0; blk < 2; ++blk) {
    q8 += std::string("\x00\x38", 2);  // f16 0.5
    for (int j = 0; j < 32; ++j) q8 += static_cast<char>(static_cast<int8_t>(2 * j - 32));
  }
  RawGguf raw;
  raw.Header(3, 2, 1).KvStr("general.name", "tiny");
  raw.Info("w", {4, 3, 2}, /*F32*/ 0, 0).Info("q", {32, 2}, /*Q8_0*/ 8, 96).Pad(32);
  const uint64_t data_offset = raw.size();
  raw.Raw(F32Bytes(w)).Raw(q8);

  auto f = OpenBytes(raw.bytes());
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->alignment(), 32u);
  EXPECT_EQ(f->data_offset(), data_offset);
  EXPECT_EQ(f->metadata().GetString("general.name"), "tiny");
  ASSERT_EQ(f->tensors().size(), 2u);
  const TensorInfo& tw = f->tensors()[0];
  EXPECT_EQ(tw.shape, (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(tw.offset, data_offset);
  EXPECT_EQ(tw.n_bytes, 96u);
  EXPECT_EQ(tw.row_elements(), 4u);
  EXPECT_EQ(tw.n_rows(), 6u);
  EXPECT_EQ(*f->ReadF32(tw), w);
  const TensorInfo* tq = f->Find("q");
  ASSERT_NE(tq, nullptr);
  EXPECT_EQ(tq->dtype, DType::kQ8_0);
  EXPECT_EQ(tq->shape, (std::vector<uint64_t>{2, 32}));
  EXPECT_EQ(tq->offset, data_offset + 96);
  EXPECT_EQ(tq->n_bytes, 68u);
  auto values = f->ReadF32(*tq);
  ASSERT_TRUE(values.ok());
  for (int i = 0; i < 64; ++i) EXPECT_EQ((*values)[i], static_cast<float>(i % 32 - 16));
}

// One value of every GGUF type, nested arrays and empty arrays.
GgufWriter WriterWithEveryType(uint32_t version) {
  GgufWriter w(GgufWriterOptions{.version = version});
  EXPECT_TRUE(w.AddKv("t.u8", MetaU8(255)).ok());
  EXPECT_TRUE(w.AddKv("t.i8", MetaI8(-128)).ok());
  EXPECT_TRUE(w.AddKv("t.u16", MetaU16(65535)).ok());
  EXPECT_TRUE(w.AddKv("t.i16", MetaI16(-32768)).ok());
  EXPECT_TRUE(w.AddKv("t.u32", MetaU32(4000000000u)).ok());
  EXPECT_TRUE(w.AddKv("t.i32", MetaI32(-2000000000)).ok());
  EXPECT_TRUE(w.AddKv("t.f32", MetaF32(1.5f)).ok());
  EXPECT_TRUE(w.AddKv("t.bool", MetaBool(true)).ok());
  EXPECT_TRUE(w.AddKv("t.string", MetaStr("한국어 모델")).ok());
  EXPECT_TRUE(w.AddKv("t.u64", MetaU64(UINT64_MAX)).ok());
  EXPECT_TRUE(w.AddKv("t.i64", MetaI64(INT64_MIN)).ok());
  EXPECT_TRUE(w.AddKv("t.f64", MetaF64(-2.25e300)).ok());
  EXPECT_TRUE(w.AddKv("t.empty_string", MetaStr("")).ok());
  EXPECT_TRUE(w.AddKv("t.strings", MetaArr(MetaType::kString, {MetaStr("a"), MetaStr("")})).ok());
  EXPECT_TRUE(w.AddKv("t.empty_array", MetaArr(MetaType::kF64, {})).ok());
  // [[1, 2], [], [[true]]] would mix types; GGUF arrays are homogeneous, so
  // nest arrays of arrays: [[[1, 2]], [[3]], []].
  MetaValue inner12 = MetaArr(MetaType::kU16, {MetaU16(1), MetaU16(2)});
  MetaValue inner3 = MetaArr(MetaType::kU16, {MetaU16(3)});
  MetaValue nested = MetaArr(MetaType::kArray,
                             {MetaArr(MetaType::kArray, {inner12}),
                              MetaArr(MetaType::kArray, {inner3}), MetaArr(MetaType::kArray, {})});
  EXPECT_TRUE(w.AddKv("t.nested", nested).ok());
  return w;
}

void ExpectEveryType(const Metadata& m) {
  auto type_of = [&](const char* k) { return m.Find(k) ? m.Find(k)->type : MetaType::kArray; };
  EXPECT_EQ(type_of("t.u8"), MetaType::kU8);
  EXPECT_EQ(m.GetInt("t.u8"), 255);
  EXPECT_EQ(type_of("t.i8"), MetaType::kI8);
  EXPECT_EQ(m.GetInt("t.i8"), -128);
  EXPECT_EQ(type_of("t.u16"), MetaType::kU16);
  EXPECT_EQ(m.GetInt("t.u16"), 65535);
  EXPECT_EQ(type_of("t.i16"), MetaType::kI16);
  EXPECT_EQ(m.GetInt("t.i16"), -32768);
  EXPECT_EQ(type_of("t.u32"), MetaType::kU32);
  EXPECT_EQ(m.GetInt("t.u32"), 4000000000);
  EXPECT_EQ(type_of("t.i32"), MetaType::kI32);
  EXPECT_EQ(m.GetInt("t.i32"), -2000000000);
  EXPECT_EQ(type_of("t.f32"), MetaType::kF32);
  EXPECT_EQ(m.GetDouble("t.f32"), 1.5);
  EXPECT_EQ(type_of("t.bool"), MetaType::kBool);
  EXPECT_EQ(std::get<bool>(m.Find("t.bool")->value), true);
  EXPECT_EQ(m.GetString("t.string"), "한국어 모델");
  EXPECT_EQ(type_of("t.u64"), MetaType::kU64);
  EXPECT_EQ(std::get<uint64_t>(m.Find("t.u64")->value), UINT64_MAX);
  EXPECT_EQ(type_of("t.i64"), MetaType::kI64);
  EXPECT_EQ(m.GetInt("t.i64"), INT64_MIN);
  EXPECT_EQ(type_of("t.f64"), MetaType::kF64);
  EXPECT_EQ(m.GetDouble("t.f64"), -2.25e300);
  EXPECT_EQ(m.GetString("t.empty_string"), "");
  const MetaArray* strings = m.Find("t.strings")->AsArray();
  ASSERT_NE(strings, nullptr);
  EXPECT_EQ(strings->elem_type, MetaType::kString);
  ASSERT_EQ(strings->items.size(), 2u);
  EXPECT_EQ(*strings->items[0].AsString(), "a");
  const MetaArray* empty = m.Find("t.empty_array")->AsArray();
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->elem_type, MetaType::kF64);
  EXPECT_TRUE(empty->items.empty());
  const MetaArray* nested = m.Find("t.nested")->AsArray();
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->elem_type, MetaType::kArray);
  ASSERT_EQ(nested->items.size(), 3u);
  const MetaArray* level2 = nested->items[0].AsArray();
  ASSERT_NE(level2, nullptr);
  EXPECT_EQ(level2->elem_type, MetaType::kArray);
  const MetaArray* level3 = level2->items[0].AsArray();
  ASSERT_NE(level3, nullptr);
  EXPECT_EQ(level3->elem_type, MetaType::kU16);
  ASSERT_EQ(level3->items.size(), 2u);
  EXPECT_EQ(level3->items[1].AsInt(), 2);
  EXPECT_EQ(nested->items[1].AsArray()->items[0].AsArray()->items[0].AsInt(), 3);
  EXPECT_EQ(nested->items[2].AsArray()->elem_type, MetaType::kArray);
  EXPECT_TRUE(nested->items[2].AsArray()->items.empty());
}

TEST(GgufReader, ReadsEveryMetadataTypeAndNestedArraysFromVersion3) {
  GgufWriter w = WriterWithEveryType(3);
  auto bytes = w.Build();
  ASSERT_TRUE(bytes.ok());
  auto f = OpenBytes(*bytes);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->metadata().size(), 16u);
  EXPECT_EQ(f->metadata().entries()[0].first, "t.u8");  // file order kept
  ExpectEveryType(f->metadata());
}

TEST(GgufReader, ReadsVersion2Files) {
  GgufWriter w = WriterWithEveryType(2);
  ASSERT_TRUE(w.AddTensor("x", DType::kF32, {2}, F32Bytes({1.0f, -1.0f})).ok());
  auto bytes = w.Build();
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(LoadLE<uint32_t>(bytes->data() + 4), 2u);
  auto f = OpenBytes(*bytes);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->version(), 2u);
  ExpectEveryType(f->metadata());
  EXPECT_EQ(*f->ReadF32(f->tensors()[0]), (std::vector<float>{1.0f, -1.0f}));
}

TEST(GgufReader, HonoursACustomAlignment) {
  GgufWriter w(GgufWriterOptions{.alignment = 64});
  const uint16_t halves[3] = {F32ToF16(1.0f), F32ToF16(-2.0f), F32ToF16(0.5f)};
  ASSERT_TRUE(w.AddTensor("h", DType::kF16, {3},
                          std::string(reinterpret_cast<const char*>(halves), 6)).ok());
  ASSERT_TRUE(w.AddTensor("g", DType::kF32, {1, 5}, F32Bytes({1, 2, 3, 4, 5})).ok());
  auto bytes = w.Build();
  ASSERT_TRUE(bytes.ok());
  auto f = OpenBytes(*bytes);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->alignment(), 64u);
  const MetaValue* a = f->metadata().Find("general.alignment");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, MetaType::kU32);
  EXPECT_EQ(f->data_offset() % 64, 0u);
  for (const TensorInfo& t : f->tensors()) EXPECT_EQ(t.offset % 64, 0u) << t.name;
  EXPECT_EQ(f->tensors()[1].offset, f->data_offset() + 64);
  EXPECT_EQ(*f->ReadF32(*f->Find("h")), (std::vector<float>{1.0f, -2.0f, 0.5f}));
  EXPECT_EQ(*f->ReadF32(*f->Find("g")), (std::vector<float>{1, 2, 3, 4, 5}));
}

TEST(GgufReader, OpensAVocabOnlyFileWithNoTensors) {
  GgufWriter w;
  ASSERT_TRUE(w.AddKv("tokenizer.ggml.tokens",
                      MetaArr(MetaType::kString, {MetaStr("<s>"), MetaStr("a")})).ok());
  auto bytes = w.Build();
  ASSERT_TRUE(bytes.ok());
  auto f = OpenBytes(*bytes);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->tensors().empty());
  EXPECT_EQ(f->tensor_bytes(), 0u);
  EXPECT_EQ(f->metadata().Find("tokenizer.ggml.tokens")->AsArray()->items.size(), 2u);
  // Without the padding the data section would start past the end: still fine.
  auto unpadded = OpenBytes(RawGguf().Header(3, 0, 1).KvStr("k", "v").bytes());
  ASSERT_NE(unpadded, nullptr);
  EXPECT_GE(unpadded->data_offset(), unpadded->file_bytes());
}

TEST(GgufReader, AcceptsAScalarWithZeroDims) {
  RawGguf raw;
  raw.Header(3, 1, 0).Info("s", {}, 0, 0).Pad(32).Raw(F32Bytes({4.25f}));
  auto f = OpenBytes(raw.bytes());
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->tensors()[0].shape.empty());
  EXPECT_EQ(f->tensors()[0].n_elements, 1u);
  EXPECT_EQ(*f->ReadF32(f->tensors()[0]), std::vector<float>{4.25f});
}

TEST(GgufReader, ReadsQuantisedRowsThroughReadRowsF32) {
  // Q8_0 rows whose values are integers with |max| 127 per block: d = 1 and
  // every value survives quantisation exactly.
  std::vector<float> values(3 * 64);
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<float>(static_cast<int>(i * 37 % 255) - 127);
  }
  for (size_t blk = 0; blk < values.size() / 32; ++blk) values[blk * 32] = 127.0f;
  auto q8 = EncodeFromF32(DType::kQ8_0, values);
  ASSERT_TRUE(q8.ok());
  // Q4_0 rows of integers in [-8, 7] with -8 present: d = 1, exact too.
  std::vector<float> small(2 * 32);
  for (size_t i = 0; i < small.size(); ++i) small[i] = static_cast<float>(static_cast<int>(i % 16) - 8);
  auto q4 = EncodeFromF32(DType::kQ4_0, small);
  ASSERT_TRUE(q4.ok());
  GgufWriter w;
  ASSERT_TRUE(w.AddTensor("q8", DType::kQ8_0, {3, 64}, *q8).ok());
  ASSERT_TRUE(w.AddTensor("q4", DType::kQ4_0, {2, 32}, *q4).ok());
  auto bytes = w.Build();
  ASSERT_TRUE(bytes.ok());
  auto f = OpenBytes(*bytes);
  ASSERT_NE(f, nullptr);
  const TensorInfo& t = *f->Find("q8");
  EXPECT_EQ(t.n_bytes, 3u * 2 * 34);
  std::vector<float> rows(2 * 64);
  ASSERT_TRUE(f->ReadRowsF32(t, 1, 3, rows.data()).ok());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i], values[64 + i]) << i;
  EXPECT_EQ(*f->ReadF32(*f->Find("q4")), small);
  EXPECT_EQ(f->ReadRowsF32(t, 2, 4, rows.data()).code(), StatusCode::kInvalidArgument);
}

TEST(GgufReader, OpensTheStories260KFixture) {
  auto f = OpenOk(io::Env::Default(), kStories);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->format(), TensorFormat::kGguf);
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->metadata().GetInt("llama.embedding_length"), 64);
  EXPECT_EQ(f->metadata().GetInt("llama.block_count"), 5);
  EXPECT_EQ(f->metadata().GetString("tokenizer.ggml.model"), "llama");
  const MetaArray* tokens = f->metadata().Find("tokenizer.ggml.tokens")->AsArray();
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->elem_type, MetaType::kString);
  EXPECT_EQ(tokens->items.size(), 512u);
  EXPECT_EQ(*tokens->items[1].AsString(), "<s>");
  EXPECT_EQ(f->metadata().Find("tokenizer.ggml.scores")->AsArray()->elem_type, MetaType::kF32);
  EXPECT_EQ(f->tensors().size(), 3u + 9u * 5u);
  const TensorInfo* emb = f->Find("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->dtype, DType::kF32);
  EXPECT_EQ(emb->shape, (std::vector<uint64_t>{512, 64}));
  EXPECT_EQ(f->Find("blk.0.ffn_down.weight")->shape, (std::vector<uint64_t>{64, 172}));
  EXPECT_NE(f->Find("blk.4.ffn_norm.weight"), nullptr);
  EXPECT_EQ(f->Find("blk.5.ffn_norm.weight"), nullptr);
  EXPECT_EQ(f->tensor_bytes(), f->file_bytes() - f->data_offset());
}

// The embedding table in the fixture's HF safetensors copy is the same f32
// matrix; compare bytes found by parsing that file's JSON header here.
TEST(GgufReader, Stories260KEmbeddingsMatchTheSafetensorsCopy) {
  const std::string st_path =
      std::string(DOKJA_SHARED_DIR) + "/fixtures/stories260K/hf/model.safetensors";
  auto st = io::Env::Default().ReadFileToString(st_path, 16 << 20);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  const uint64_t header_len = LoadLE<uint64_t>(st->data());
  const auto header = nlohmann::json::parse(st->substr(8, header_len));
  const auto& entry = header.at("model.embed_tokens.weight");
  const uint64_t begin = 8 + header_len + entry.at("data_offsets")[0].get<uint64_t>();
  std::vector<float> expected(512 * 64);
  std::memcpy(expected.data(), st->data() + begin, expected.size() * 4);

  auto f = OpenOk(io::Env::Default(), kStories);
  ASSERT_NE(f, nullptr);
  auto got = f->ReadF32(*f->Find("token_embd.weight"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, expected);
}

TEST(GgufReader, OpensTheVocabOnlyTokenizerFixtures) {
  for (const char* name : {"ggml-vocab-gpt-2.gguf", "ggml-vocab-llama-spm.gguf",
                           "ggml-vocab-deepseek-llm.gguf"}) {
    SCOPED_TRACE(name);
    auto f = OpenOk(io::Env::Default(),
                    std::string(DOKJA_SHARED_DIR) + "/fixtures/tokenizers/" + name);
    ASSERT_NE(f, nullptr);
    EXPECT_TRUE(f->tensors().empty());
    const MetaValue* tokens = f->metadata().Find("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    ASSERT_NE(tokens->AsArray(), nullptr);
    EXPECT_GT(tokens->AsArray()->items.size(), 1000u);
    EXPECT_TRUE(f->metadata().GetString("tokenizer.ggml.model").has_value());
  }
}

TEST(GgufReader, ReadsTheSameThroughMmapPreadAndTinyHeaderChunks) {
  GgufWriter w;
  ASSERT_TRUE(w.AddKv("long", MetaStr(std::string(300, 'x'))).ok());
  ASSERT_TRUE(w.AddKv("ints", MetaArr(MetaType::kI32, {MetaI32(-1), MetaI32(7)})).ok());
  std::vector<float> v(4 * 32);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.25f;
  ASSERT_TRUE(w.AddTensor("m", DType::kF32, {4, 32}, F32Bytes(v)).ok());
  const std::string path = ::testing::TempDir() + "/gguf_reader_test_real.gguf";
  ASSERT_TRUE(w.WriteFile(path).ok());

  for (bool use_mmap : {true, false}) {
    for (size_t chunk : {size_t{64}, size_t{1} << 20}) {
      SCOPED_TRACE(std::string(use_mmap ? "mmap" : "pread") + " chunk " + std::to_string(chunk));
      auto f = OpenOk(io::Env::Default(), path,
                      GgufOptions{.use_mmap = use_mmap, .header_chunk_bytes = chunk});
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->metadata().GetString("long"), std::string(300, 'x'));
      EXPECT_EQ(f->metadata().Find("ints")->AsArray()->items[1].AsInt(), 7);
      EXPECT_EQ(*f->ReadF32(*f->Find("m")), v);
    }
  }
  // The stories fixture through pread with chunks smaller than its strings.
  auto small = OpenOk(io::Env::Default(), kStories,
                      GgufOptions{.use_mmap = false, .header_chunk_bytes = 64});
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->metadata().Find("tokenizer.ggml.tokens")->AsArray()->items.size(), 512u);
  std::remove(path.c_str());
}

TEST(GgufReader, OpenTensorFileRecognisesTheMagic) {
  GgufWriter w;
  ASSERT_TRUE(w.AddTensor("x", DType::kF32, {1}, F32Bytes({3.0f})).ok());
  io::MemEnv env;
  env.AddFile("dir/model.gguf", *w.Build());
  for (const char* path : {"dir/model.gguf", "dir"}) {
    auto f = OpenTensorFile(env, path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_EQ((*f)->format(), TensorFormat::kGguf);
  }
}

TEST(GgufReader, CapsTheNumberOfMetadataValues) {
  GgufWriter w;
  std::vector<MetaValue> items(100, MetaU8(1));
  ASSERT_TRUE(w.AddKv("many", MetaArr(MetaType::kU8, items)).ok());
  io::MemEnv env;
  env.AddFile("many.gguf", *w.Build());
  GgufOptions options;
  options.kv_limits.max_values = 50;
  auto f = OpenGgufFile(env, "many.gguf", options);
  EXPECT_EQ(f.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(f.status().message().find("many.gguf: KV #0 'many'"), std::string::npos)
      << f.status().message();
}

}  // namespace
}  // namespace dokja
