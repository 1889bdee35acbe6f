#include "tensorfile/safetensors/safetensors_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "base/float_conv.h"
#include "tensorfile/safetensors/safetensors_writer.h"
#include "tensorfile/safetensors/test_util.h"

namespace dokja {
namespace {

using safetensors_test::InMemory;
using safetensors_test::LeBytes;
using safetensors_test::RawFile;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// One dtype's test: stored bytes and the f32 values they mean, worked out by
// hand from each format's definition.
struct DTypeCase {
  DType dtype;
  std::string bytes;
  std::vector<float> want;
};

std::vector<DTypeCase> DTypeCases() {
  return {
      {DType::kBool, LeBytes<uint8_t>({0, 1, 1, 0}), {0, 1, 1, 0}},
      {DType::kU8, LeBytes<uint8_t>({0, 1, 200, 255}), {0, 1, 200, 255}},
      {DType::kI8, LeBytes<uint8_t>({0x00, 0x7F, 0x80, 0xFF}), {0, 127, -128, -1}},
      {DType::kU16, LeBytes<uint16_t>({0, 0x1234, 0x8000, 0xFFFF}), {0, 4660, 32768, 65535}},
      {DType::kI16, LeBytes<uint16_t>({1, 0x7FFF, 0x8000, 0xFFFE}), {1, 32767, -32768, -2}},
      {DType::kU32,
       LeBytes<uint32_t>({7, 1u << 24, 0x80000000u, 0}),
       {7, 16777216, 2147483648.f, 0}},
      {DType::kI32,
       LeBytes<uint32_t>({0xFFFFFFFFu, 0x80000000u, 5, 1u << 20}),
       {-1, -2147483648.f, 5, 1048576}},
      {DType::kU64,
       LeBytes<uint64_t>({1ull << 40, 3, 0, 1ull << 63}),
       {1099511627776.f, 3, 0, 9223372036854775808.f}},
      {DType::kI64, LeBytes<uint64_t>({~uint64_t{4}, 1ull << 33, 0, 1}), {-5, 8589934592.f, 0, 1}},
      // binary16: 1.0, -2.0, largest finite 65504, smallest subnormal 2^-24, +inf.
      {DType::kF16,
       LeBytes<uint16_t>({0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00}),
       {1, -2, 65504, std::ldexp(1.0f, -24), kInf}},
      // bfloat16 is the top half of an f32: 0x3F80 = 1.0, 0xC0A0 = -5.0, 0x4049 = 3.140625.
      {DType::kBF16,
       LeBytes<uint16_t>({0x3F80, 0xC0A0, 0x4049, 0xFF80}),
       {1, -5, 3.140625f, -kInf}},
      {DType::kF32, LeBytes<float>({0.5f, -1e30f, 3.25f, 0}), {0.5f, -1e30f, 3.25f, 0}},
      // 0x3FF8... = 1.5, 0xC0C388... = -10000.
      {DType::kF64,
       LeBytes<uint64_t>({0x3FF8000000000000ull, 0xC0C3880000000000ull}),
       {1.5f, -10000}},
      // E4M3 (bias 7, no inf): 0x38 = 1.0, 0x7E = 1.75 * 2^8 = 448 (max), 0x01 = 2^-9,
      // 0xC0 = -2.0, 0x7F = NaN.
      {DType::kF8E4M3,
       LeBytes<uint8_t>({0x38, 0x7E, 0x01, 0xC0, 0x7F}),
       {1, 448, std::ldexp(1.0f, -9), -2, kNaN}},
      // E5M2 (bias 15): 0x3C = 1.0, 0x7B = 1.75 * 2^15 = 57344, 0x7C = inf, 0x01 = 2^-16, 0xC0 =
      // -2.
      {DType::kF8E5M2,
       LeBytes<uint8_t>({0x3C, 0x7B, 0x7C, 0x01, 0xC0}),
       {1, 57344, kInf, std::ldexp(1.0f, -16), -2}},
  };
}

void ExpectSameFloats(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "index " << i;
    } else {
      EXPECT_EQ(got[i], want[i]) << "index " << i;
    }
  }
}

TEST(SafetensorsReader, EverySpecDTypeRoundTripsThroughWriterAndReader) {
  const std::vector<DTypeCase> cases = DTypeCases();
  std::vector<TensorToWrite> tensors;
  for (const DTypeCase& c : cases) {
    tensors.push_back(InMemory(std::string(DTypeName(c.dtype)), c.dtype, {c.want.size()}, c.bytes));
  }
  auto bytes = SerializeSafetensors(tensors, {});
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  io::MemEnv env;
  env.AddFile("m.safetensors", *bytes);
  auto file = OpenSafetensors(env, "m.safetensors");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ((*file)->tensors().size(), cases.size());
  for (const DTypeCase& c : cases) {
    SCOPED_TRACE(std::string(DTypeName(c.dtype)));
    const TensorInfo* t = (*file)->Find(DTypeName(c.dtype));
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->dtype, c.dtype);
    EXPECT_EQ(t->shape, std::vector<uint64_t>{c.want.size()});
    EXPECT_EQ(t->n_bytes, c.bytes.size());
    auto values = (*file)->ReadF32(*t);
    ASSERT_TRUE(values.ok()) << values.status().ToString();
    ExpectSameFloats(*values, c.want);
    std::string raw(c.bytes.size(), '\0');
    ASSERT_TRUE((*file)->ReadRaw(*t, 0, raw.size(), reinterpret_cast<std::byte*>(raw.data())).ok());
    EXPECT_EQ(raw, c.bytes);
  }
}

TEST(SafetensorsReader, ReadsMetadataAsStrings) {
  auto bytes = SerializeSafetensors({}, {{"format", "pt"}, {"note", "안녕 \"quoted\""}});
  ASSERT_TRUE(bytes.ok());
  io::MemEnv env;
  env.AddFile("m.safetensors", *bytes);
  auto file = OpenSafetensors(env, "m.safetensors");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->metadata().size(), 2u);
  EXPECT_EQ((*file)->metadata().GetString("format"), "pt");
  EXPECT_EQ((*file)->metadata().GetString("note"), "안녕 \"quoted\"");
  EXPECT_EQ((*file)->metadata().Find("format")->type, MetaType::kString);
  EXPECT_TRUE((*file)->tensors().empty());
}

TEST(SafetensorsReader, AcceptsNullMetadataLikeTheReference) {
  io::MemEnv env;
  env.AddFile("m.safetensors", RawFile(R"({"__metadata__":null})"));
  auto file = OpenSafetensors(env, "m.safetensors");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->metadata().size(), 0u);
}

TEST(SafetensorsReader, ReadsZeroSizedTensorsAndScalars) {
  const std::string scalar = LeBytes<float>({2.5f});
  auto bytes = SerializeSafetensors(
      {InMemory("empty", DType::kF32, {0, 4}, ""), InMemory("scalar", DType::kF32, {}, scalar),
       InMemory("empty2", DType::kBF16, {3, 0}, "")},
      {});
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  io::MemEnv env;
  env.AddFile("m.safetensors", *bytes);
  auto file = OpenSafetensors(env, "m.safetensors");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const TensorInfo* empty = (*file)->Find("empty");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->n_elements, 0u);
  EXPECT_EQ(empty->n_bytes, 0u);
  EXPECT_TRUE((*file)->ReadF32(*empty)->empty());
  const TensorInfo* s = (*file)->Find("scalar");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->shape.empty());
  EXPECT_EQ(s->n_elements, 1u);
  EXPECT_EQ(*(*file)->ReadF32(*s), std::vector<float>{2.5f});
  EXPECT_TRUE((*file)->ReadF32(*(*file)->Find("empty2"))->empty());
}

TEST(SafetensorsReader, ReadsRowRanges) {
  std::vector<float> values(12);
  for (int i = 0; i < 12; ++i) values[i] = static_cast<float>(i) * 0.5f;
  std::vector<uint16_t> bf16;  // 0, 1, 2, ... 7 as bfloat16: exact small integers
  for (int i = 0; i < 8; ++i) bf16.push_back(static_cast<uint16_t>(F32ToBits(float(i)) >> 16));
  const std::string f32_bytes = LeBytes(values), bf16_bytes = LeBytes(bf16);
  auto bytes = SerializeSafetensors({InMemory("w", DType::kF32, {4, 3}, f32_bytes),
                                     InMemory("b", DType::kBF16, {2, 2, 2}, bf16_bytes)},
                                    {});
  ASSERT_TRUE(bytes.ok());
  io::MemEnv env;
  env.AddFile("m.safetensors", *bytes);
  auto file = OpenSafetensors(env, "m.safetensors");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const TensorInfo& w = *(*file)->Find("w");
  EXPECT_EQ(w.n_rows(), 4u);
  std::vector<float> rows(6);
  ASSERT_TRUE((*file)->ReadRowsF32(w, 1, 3, rows.data()).ok());
  EXPECT_EQ(rows, (std::vector<float>{1.5f, 2, 2.5f, 3, 3.5f, 4}));
  const TensorInfo& b = *(*file)->Find("b");
  EXPECT_EQ(b.n_rows(), 4u);  // rows run along all but the last dimension
  std::vector<float> brows(2);
  ASSERT_TRUE((*file)->ReadRowsF32(b, 3, 4, brows.data()).ok());
  EXPECT_EQ(brows, (std::vector<float>{6, 7}));
  EXPECT_EQ((*file)->ReadRowsF32(w, 3, 5, rows.data()).code(), StatusCode::kInvalidArgument);
}

TEST(SafetensorsReader, ListsTensorsInFileOrderWhateverTheHeaderOrder) {
  // Header lists "b" first, but its bytes come second.
  const std::string header = R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},)"
                             R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})";
  io::MemEnv env;
  env.AddFile("m.safetensors", RawFile(header, "\x01\x02\x03\x04"));
  auto file = OpenSafetensors(env, "m.safetensors");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ((*file)->tensors().size(), 2u);
  EXPECT_EQ((*file)->tensors()[0].name, "a");
  EXPECT_EQ((*file)->tensors()[1].name, "b");
  EXPECT_EQ((*file)->tensors()[1].offset, 8 + header.size() + 2);
  EXPECT_EQ(*(*file)->ReadF32((*file)->tensors()[1]), (std::vector<float>{3, 4}));
}

// The reference implementation's own serialisation tests give these bytes:
// 8 bytes of length, then the JSON padded with spaces to a multiple of 8.
TEST(SafetensorsWriter, MatchesTheReferenceWritersBytes) {
  auto empty = SerializeSafetensors({}, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, RawFile("{}      "));
  auto meta = SerializeSafetensors({}, {{"framework", "pt"}});
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(*meta, RawFile(R"({"__metadata__":{"framework":"pt"}})"
                           "     "));
  const std::string data = LeBytes<float>({0, 1, 2, 3, 4, 5});
  auto one = SerializeSafetensors({InMemory("attn.0", DType::kF32, {1, 2, 3}, data)}, {});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one,
            RawFile(R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})", data));
  EXPECT_EQ(one->substr(0, 8), std::string("\x40\0\0\0\0\0\0\0", 8));  // N = 64
}

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "dokja_st_reader_" + name;
}

TEST(SafetensorsReader, MappedAndPreadFilesOnDiskReadTheSame) {
  std::vector<float> values(1000);
  for (int i = 0; i < 1000; ++i) values[i] = std::sin(static_cast<float>(i));
  const std::string bytes = LeBytes(values);
  const std::string path = TempPath("disk.safetensors");
  ASSERT_TRUE(
      WriteSafetensorsFile(path, {InMemory("x", DType::kF32, {10, 100}, bytes)}, {{"k", "v"}})
          .ok());
  EXPECT_EQ(io::Env::Default().Stat(path + ".tmp"), io::PathKind::kMissing);
  for (bool mmap : {true, false}) {
    SCOPED_TRACE(mmap ? "mmap" : "pread");
    auto file = SafetensorsFile::Open(io::Env::Default(), path, {.use_mmap = mmap});
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ((*file)->paths(), std::vector<std::string>{path});
    EXPECT_EQ((*file)->metadata().GetString("k"), "v");
    auto got = (*file)->ReadF32(*(*file)->Find("x"));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, values);
  }
  std::remove(path.c_str());
}

TEST(SafetensorsReader, OpenTensorFileRecognisesSafetensors) {
  const std::string path = TempPath("auto.safetensors");
  const std::string bytes = LeBytes<float>({1, 2});
  ASSERT_TRUE(WriteSafetensorsFile(path, {InMemory("x", DType::kF32, {2}, bytes)}, {}).ok());
  auto file = OpenTensorFile(io::Env::Default(), path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->format(), TensorFormat::kSafetensors);
  EXPECT_EQ(*(*file)->ReadF32(*(*file)->Find("x")), (std::vector<float>{1, 2}));
  std::remove(path.c_str());
}

// stories260K in Hugging Face layout, checked against bytes read with plain
// file I/O: data starts at 8 + N; offsets from the header we inspected.
TEST(SafetensorsReader, ReadsTheRealStories260KCheckpoint) {
  const std::string path =
      std::string(DOKJA_SHARED_DIR) + "/fixtures/stories260K/hf/model.safetensors";
  if (io::Env::Default().Stat(path) != io::PathKind::kFile) GTEST_SKIP() << path << " missing";
  std::ifstream in(path, std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  ASSERT_EQ(n, 4848u);
  auto floats_at = [&](uint64_t data_offset, int count) {
    std::vector<float> v(count);
    in.seekg(static_cast<std::streamoff>(8 + n + data_offset));
    in.read(reinterpret_cast<char*>(v.data()), count * 4);
    return v;
  };

  auto file = OpenSafetensors(io::Env::Default(), path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->tensors().size(), 2u + 5u * 9u);
  EXPECT_EQ((*file)->metadata().GetString("format"), "pt");
  EXPECT_EQ((*file)->tensor_bytes() + 8 + n, (*file)->file_bytes());
  const TensorInfo* embed = (*file)->Find("model.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->dtype, DType::kF32);
  EXPECT_EQ(embed->shape, (std::vector<uint64_t>{512, 64}));
  EXPECT_EQ(embed->offset, 8 + n);
  for (int layer = 0; layer < 5; ++layer) {
    const std::string p = "model.layers." + std::to_string(layer);
    ASSERT_NE((*file)->Find(p + ".self_attn.k_proj.weight"), nullptr) << p;
    EXPECT_EQ((*file)->Find(p + ".self_attn.k_proj.weight")->shape,
              (std::vector<uint64_t>{32, 64}));
    EXPECT_EQ((*file)->Find(p + ".mlp.down_proj.weight")->shape, (std::vector<uint64_t>{64, 172}));
  }
  EXPECT_EQ((*file)->Find("model.layers.5.mlp.up_proj.weight"), nullptr);

  auto all = (*file)->ReadF32(*embed);
  ASSERT_TRUE(all.ok());
  const std::vector<float> head = floats_at(0, 8);
  EXPECT_EQ(std::vector<float>(all->begin(), all->begin() + 8), head);
  std::vector<float> row(64);
  ASSERT_TRUE((*file)->ReadRowsF32(*embed, 300, 301, row.data()).ok());
  EXPECT_EQ(row, floats_at(300 * 64 * 4, 64));
  const TensorInfo* norm = (*file)->Find("model.norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(*(*file)->ReadF32(*norm), floats_at(131072, 64));
}

}  // namespace
}  // namespace dokja
